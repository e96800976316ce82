"""The same server started the three ways of docs/local-backend.md: `doctrina dev`,
`LocalBackend.start(...)` and `node local-backend/dist/main.js` (every other test here)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from doctrina_sdk import LocalBackend

from ._server import ROOT, free_port

DOCTRINA = Path(sys.executable).with_name("doctrina")


def is_served(url: str) -> bool:
    try:
        return httpx.get(f"{url}/version", timeout=2).json()["name"] == "doctrina-local-backend"
    except httpx.TransportError:
        return False


def test_doctrina_dev_runs_the_server_in_the_foreground(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    command = [str(DOCTRINA), "dev", "--data-dir", str(tmp_path / "data"), "--port", url.rsplit(":", 1)[1]]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    dev = subprocess.Popen(
        [*command, "--no-publish-env"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert dev.stdout is not None
        for line in dev.stdout:
            if "ready at" in line:
                break
        assert is_served(url)
        assert (tmp_path / "data" / "admin_key").exists()
        dev.send_signal(signal.SIGTERM)
        assert dev.wait(30) == 0
    finally:
        if dev.poll() is None:
            dev.kill()
            dev.wait()
        if dev.stdout is not None:
            dev.stdout.close()
    deadline = time.monotonic() + 10
    while is_served(url) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not is_served(url), "the server outlived `doctrina dev`"


def test_local_backend_start_from_python(tmp_path: Path) -> None:
    with LocalBackend.start(data_dir=tmp_path / "data") as backend:
        url = backend.url
        assert is_served(url)
        token = backend.dev_token("python-user", claims={"email": "p@example.com"})
        body = {"path": "users:me", "args": {}}
        reply = httpx.post(f"{url}/api/query", json=body, headers={"Authorization": f"Bearer {token}"})
        assert reply.json() == {"status": "success", "value": None}
    assert not is_served(url)
