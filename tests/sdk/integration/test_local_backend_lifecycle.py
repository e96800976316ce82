"""`LocalBackend` with the real server: durability, credentials, and no leftover process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from integration_support import unique_email

from doctrina_sdk import Doctrina, LocalBackend


def test_data_and_admin_key_survive_a_restart(tmp_path: Path, wait_gone: Callable[..., bool]) -> None:
    data_dir = tmp_path / "data"
    email = unique_email("durable")
    with LocalBackend.start(data_dir=data_dir) as first:
        user = first.client().users.create(first_name="Du", last_name="Rable", email=email)
        key = first.admin_key
        pid = first.pid
        assert pid is not None
    assert wait_gone(pid)
    with LocalBackend.start(data_dir=data_dir) as second:
        assert second.admin_key == key
        found = second.client().users.get_by_email(email)
        assert found is not None
        assert found.id == user.id
    assert (data_dir / "admin_key").stat().st_mode & 0o077 == 0


def test_publish_env_lets_doctrina_find_the_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DOCTRINA_URL", "CONVEX_URL", "CONVEX_SELF_HOSTED_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    env_file = tmp_path / ".env.local"
    with (
        LocalBackend.start(data_dir=tmp_path / "data", publish_env=env_file) as backend,
        Doctrina() as client,
    ):
        assert client.url == backend.url
        created = client.users.create(first_name="E", last_name="Nv", email=unique_email("env"))
        assert created.first_name == "E"


def test_development_tokens_sign_users_in(backend: LocalBackend) -> None:
    subject = unique_email("subject")
    token = backend.dev_token(subject, claims={"email": subject, "name": "Dev User"})
    with Doctrina(url=backend.url, auth_token=token) as user_client:
        me = user_client.users.ensure_current()
        assert me.email == subject
        again = user_client.users.me()
        assert again is not None
        assert again.id == me.id


def test_attach_to_a_running_backend(backend: LocalBackend) -> None:
    attached = LocalBackend.attach(url=backend.url, data_dir=backend.data_dir)
    assert attached.client().users.get_by_email(unique_email("none")) is None
    attached.stop()
    assert backend.running


def test_the_server_exits_with_its_python_parent(tmp_path: Path, wait_gone: Callable[..., bool]) -> None:
    parent = textwrap.dedent(
        f"""
        import os
        from doctrina_sdk import LocalBackend
        backend = LocalBackend.start(data_dir={str(tmp_path / "data")!r})
        print(backend.pid, flush=True)
        os.kill(os.getpid(), 9)
        """
    )
    result = subprocess.run([sys.executable, "-c", parent], capture_output=True, text=True, timeout=120)
    assert result.returncode == -9, result.stderr
    assert wait_gone(int(result.stdout.strip()))
