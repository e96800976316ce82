"""The process contract of `node local-backend/dist/main.js` (docs/architecture.md)."""

from __future__ import annotations

import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from ._server import FIXTURE_FUNCTIONS, MAIN_JS, BackendProcess, running_backend, spawn


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def outward_address() -> str | None:
    """This machine's non-loopback address, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_ready_line_version_and_secrets(server: BackendProcess) -> None:
    ready = [line for line in server.stdout_lines if line.startswith("DOCTRINA_BACKEND_READY ")]
    assert len(ready) == 1
    assert server.url.startswith("http://127.0.0.1:")
    assert httpx.get(f"{server.url}/version").json()["name"] == "doctrina-local-backend"
    assert mode(server.admin_key_file) == 0o600
    assert mode(server.data_dir / "dev_issuer_key.json") == 0o600
    assert server.admin_key_file.parent == server.data_dir


def test_listens_on_loopback_only(server: BackendProcess) -> None:
    address = outward_address()
    if address is None:
        pytest.skip("no non-loopback address on this machine")
    port = int(server.url.rsplit(":", 1)[1])
    with (
        pytest.raises((ConnectionRefusedError, TimeoutError)),
        socket.create_connection((address, port), timeout=2),
    ):
        pass


def test_restart_reuses_the_admin_key_and_publishes_env(tmp_path: Path) -> None:
    env_file = tmp_path / ".env.local"
    env_file.write_text("OTHER=kept\nCONVEX_SELF_HOSTED_URL=stale\n")
    with running_backend(tmp_path / "data", extra_args=("--publish-env", str(env_file))) as first:
        key = first.admin_key
        lines = env_file.read_text().splitlines()
        assert lines == [
            "OTHER=kept",
            f"CONVEX_SELF_HOSTED_URL={first.url}",
            f"CONVEX_SELF_HOSTED_ADMIN_KEY={key}",
            f"CONVEX_SITE_URL={first.site_url}",
        ]
        assert mode(env_file) == 0o600
    with running_backend(tmp_path / "data") as second:
        assert second.admin_key == key
    with running_backend(tmp_path / "other") as third:
        assert third.admin_key != key


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_shut_down_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    backend = spawn(tmp_path / "data")
    try:
        assert httpx.get(f"{backend.url}/version").status_code == 200
        assert backend.stop(sig) == 0
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{backend.url}/version")
    finally:
        backend.stop()
        backend.log_file.unlink(missing_ok=True)


def test_exit_with_parent_when_stdin_closes(tmp_path: Path) -> None:
    backend = spawn(tmp_path / "data")
    try:
        assert backend.proc.stdin is not None
        backend.proc.stdin.close()
        deadline = time.monotonic() + 15
        while backend.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert backend.proc.returncode == 0
    finally:
        backend.stop()
        backend.log_file.unlink(missing_ok=True)


def test_exit_with_parent_after_the_parent_died(tmp_path: Path) -> None:
    """A dead parent also closed the read ends of stdout and stderr: the shutdown's
    log line then fails, and that must not turn a clean exit into a timeout."""
    args = ["node", str(MAIN_JS), "--data-dir", str(tmp_path / "data"), "--port", "0"]
    proc = subprocess.Popen(
        [*args, "--functions", str(FIXTURE_FUNCTIONS), "--exit-with-parent"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdin is not None
        assert proc.stdout is not None
        assert proc.stderr is not None
        assert proc.stdout.readline().startswith(b"DOCTRINA_BACKEND_READY ")
        proc.stdout.close()
        proc.stderr.close()
        proc.stdin.close()
        assert proc.wait(timeout=8) == 0
    finally:
        proc.kill()
        proc.wait()


def test_bad_flags_exit_with_usage() -> None:
    result = subprocess.run(["node", str(MAIN_JS), "--port", "x"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "usage" in result.stderr
