"""`LocalBackend`'s process handling, against a stand-in server (fake_backend.py).

The real backend is exercised by tests/sdk/integration; these tests pin the
contract parts that are awkward to provoke there: crashes, hangs, ignored SIGTERM
and a parent that dies without cleaning up.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import doctrina_sdk as sdk
from doctrina_sdk import LocalBackend
from doctrina_sdk._local_backend import find_project_root, prepare

FAKE = Path(__file__).with_name("fake_backend.py")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for directory in ("convex", "node_modules", "local-backend/dist"):
        (root / directory).mkdir(parents=True)
    (root / "local-backend" / "dist" / "main.js").write_text("// built\n")
    return root


@pytest.fixture
def fake_node(tmp_path: Path) -> str:
    launcher = tmp_path / "fake-node"
    launcher.write_text(f'#!/bin/sh\nexec {sys.executable} {FAKE} "$@"\n')
    launcher.chmod(0o755)
    return str(launcher)


def start(project: Path, fake_node: str, tmp_path: Path, **options: object) -> LocalBackend:
    return LocalBackend.start(
        data_dir=tmp_path / "data",
        project_root=project,
        node=fake_node,
        **options,  # type: ignore[arg-type]
    )


def test_start_client_and_stop(
    project: Path, fake_node: str, tmp_path: Path, wait_gone: Callable[..., bool]
) -> None:
    with start(project, fake_node, tmp_path) as backend:
        assert backend.running
        assert backend.url.startswith("http://127.0.0.1:")
        assert backend.admin_key == "doctrina-local|fake-admin-key"
        assert backend.data_dir == (tmp_path / "data").resolve()
        assert backend.admin_key not in repr(backend)
        service = backend.client()
        assert service.url == backend.url
        assert service._credentials.kind == "service"
        assert backend.client(as_user="u1")._credentials.kind == "acting_as"
        assert backend.client(anonymous=True)._credentials.kind == "anonymous"
        assert backend.async_client()._credentials.kind == "service"
        pid = backend.pid
        assert pid is not None
    assert not backend.running
    assert wait_gone(pid)
    backend.stop()  # stopping twice is fine


def test_publish_env(project: Path, fake_node: str, tmp_path: Path) -> None:
    env_file = tmp_path / ".env.local"
    with start(project, fake_node, tmp_path, publish_env=env_file) as backend:
        assert f"CONVEX_SELF_HOSTED_URL={backend.url}" in env_file.read_text()


def test_a_crash_before_ready_reports_the_servers_stderr(
    project: Path, fake_node: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_BACKEND_MODE", "crash")
    with pytest.raises(sdk.LocalBackendError, match="cannot open the data directory") as info:
        start(project, fake_node, tmp_path)
    assert "code 3" in str(info.value)


def test_never_ready_times_out_and_leaves_nothing(
    project: Path,
    fake_node: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    wait_gone: Callable[..., bool],
) -> None:
    monkeypatch.setenv("FAKE_BACKEND_MODE", "silent")
    started = time.monotonic()
    with pytest.raises(sdk.LocalBackendError, match="not ready after 1s") as info:
        start(project, fake_node, tmp_path, startup_timeout=1.0)
    assert time.monotonic() - started < 5
    assert "starting the fake backend" in str(info.value)
    leftovers = subprocess.run(["pgrep", "-f", str(FAKE)], capture_output=True, text=True).stdout.split()
    assert all(wait_gone(int(pid), 5) for pid in leftovers)


def test_sigterm_ignored_means_sigkill_after_the_grace_period(
    project: Path,
    fake_node: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    wait_gone: Callable[..., bool],
) -> None:
    monkeypatch.setenv("FAKE_BACKEND_MODE", "stubborn")
    backend = start(project, fake_node, tmp_path)
    pid = backend.pid
    assert pid is not None
    started = time.monotonic()
    backend.stop(timeout=0.5)
    assert 0.4 < time.monotonic() - started < 5
    assert wait_gone(pid)


def test_the_server_exits_when_its_parent_dies(
    project: Path, fake_node: str, tmp_path: Path, wait_gone: Callable[..., bool]
) -> None:
    parent = textwrap.dedent(
        f"""
        import os, sys
        from doctrina_sdk import LocalBackend
        backend = LocalBackend.start(data_dir={str(tmp_path / "data")!r}, project_root={str(project)!r},
                                     node={fake_node!r})
        print(backend.pid, flush=True)
        os.kill(os.getpid(), 9)  # no atexit, no finalizers: only the closed stdin tells the server
        """
    )
    result = subprocess.run([sys.executable, "-c", parent], capture_output=True, text=True, timeout=30)
    assert result.returncode == -9, result.stderr
    assert wait_gone(int(result.stdout.strip()))


def test_the_server_is_stopped_at_interpreter_exit(
    project: Path, fake_node: str, tmp_path: Path, wait_gone: Callable[..., bool]
) -> None:
    script = textwrap.dedent(
        f"""
        from doctrina_sdk import LocalBackend
        backend = LocalBackend.start(data_dir={str(tmp_path / "data")!r}, project_root={str(project)!r},
                                     node={fake_node!r})
        print(backend.pid, flush=True)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert wait_gone(int(result.stdout.strip()), 0)


def test_attach(project: Path, fake_node: str, tmp_path: Path) -> None:
    with start(project, fake_node, tmp_path) as backend:
        attached = LocalBackend.attach(url=backend.url, data_dir=backend.data_dir)
        assert attached.admin_key == backend.admin_key
        assert attached.pid is None
        attached.stop()  # not ours to stop
        assert backend.running
    with pytest.raises(sdk.LocalBackendError):
        LocalBackend.attach(url=backend.url, data_dir=tmp_path / "elsewhere")


def test_find_project_root(project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert find_project_root(project) == project.resolve()
    with pytest.raises(sdk.LocalBackendError, match="not a Doctrina project"):
        find_project_root(tmp_path)
    monkeypatch.setenv("DOCTRINA_PROJECT_ROOT", str(project))
    assert find_project_root() == project.resolve()
    monkeypatch.delenv("DOCTRINA_PROJECT_ROOT")
    nested = project / "convex" / "deeper"
    nested.mkdir()
    monkeypatch.chdir(nested)
    assert find_project_root() == project.resolve()


def test_missing_node(project: Path, tmp_path: Path) -> None:
    with pytest.raises(sdk.LocalBackendError, match=r"Node\.js"):
        LocalBackend.start(data_dir=tmp_path / "data", project_root=project, node="no-such-node-binary")


def test_a_hanging_setup_step_is_cut_off_with_its_children(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wait_gone: Callable[..., bool]
) -> None:
    (project / "node_modules").rmdir()  # so `npm ci` runs
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pids = tmp_path / "pids"
    npm = bin_dir / "npm"
    npm.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {pids}\necho $$ >> {pids}\nwait\n")
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    started = time.monotonic()
    with pytest.raises(sdk.LocalBackendError, match="npm ci did not finish in time"):
        prepare(project, node=sys.executable, timeout=1.0)
    assert time.monotonic() - started < 10
    assert all(wait_gone(int(pid), 5) for pid in pids.read_text().split())


@pytest.mark.skipif(sys.platform == "win32", reason="the setup lock is an flock")
def test_waiting_for_another_process_setup_is_bounded(project: Path) -> None:
    import fcntl

    (project / ".doctrina").mkdir()
    with open(project / ".doctrina" / "setup.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(sdk.LocalBackendError, match="for too long"):
            prepare(project, node=sys.executable, timeout=0.5)
        assert 0.4 < time.monotonic() - started < 5
