"""Runs `node local-backend/dist/main.js` as a child process, the way `doctrina dev` does.

Never in-process: the official `ConvexClient` holds the GIL while it blocks, so a server
sharing the interpreter would stall.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAIN_JS = Path(os.environ.get("DOCTRINA_BACKEND_MAIN", ROOT / "local-backend" / "dist" / "main.js"))
FIXTURE_FUNCTIONS = ROOT / "local-backend" / "test" / "fixtures" / "convex"
PROJECT_FUNCTIONS = ROOT / "convex"
READY_PREFIX = "DOCTRINA_BACKEND_READY "
STARTUP_TIMEOUT_S = 60.0


@dataclass
class BackendProcess:
    proc: subprocess.Popen[str]
    url: str
    site_url: str
    data_dir: Path
    admin_key_file: Path
    log_file: Path
    stdout_lines: list[str] = field(default_factory=list)

    @property
    def admin_key(self) -> str:
        return self.admin_key_file.read_text().strip()

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Stops the server and returns its exit code (killing it if it hangs)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        return self.proc.returncode


def free_port() -> int:
    """A loopback port that was free a moment ago (for restarts on the same port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def spawn(
    data_dir: Path,
    functions: Path = FIXTURE_FUNCTIONS,
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> BackendProcess:
    """Starts a server and waits for its READY line."""
    log_file = Path(tempfile.mkstemp(prefix="doctrina-backend-", suffix=".log")[1])
    # --exit-with-parent: a pytest run that dies must not leave servers behind.
    args = ["node", str(MAIN_JS), "--data-dir", str(data_dir), "--port", "0", "--functions", str(functions)]
    args.append("--exit-with-parent")
    with log_file.open("w") as log:
        proc = subprocess.Popen(
            [*args, *extra_args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
        )
    lines: queue.Queue[str | None] = queue.Queue()
    seen: list[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line.rstrip("\n"))
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        ready = _await_ready(lines)
    except Exception:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"backend did not start; log:\n{log_file.read_text(errors='replace')}") from None
    return BackendProcess(
        proc=proc,
        url=ready["url"],
        site_url=ready["siteUrl"],
        data_dir=Path(ready["dataDir"]),
        admin_key_file=Path(ready["adminKeyFile"]),
        log_file=log_file,
        stdout_lines=seen,
    )


def _await_ready(lines: queue.Queue[str | None]) -> dict[str, str]:
    while True:
        line = lines.get(timeout=STARTUP_TIMEOUT_S)
        if line is None:
            raise RuntimeError("the backend exited before it was ready")
        if line.startswith(READY_PREFIX):
            ready: dict[str, str] = json.loads(line[len(READY_PREFIX) :])
            return ready


@contextmanager
def running_backend(
    data_dir: Path,
    functions: Path = FIXTURE_FUNCTIONS,
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Iterator[BackendProcess]:
    backend = spawn(data_dir, functions, extra_args, env)
    try:
        yield backend
    finally:
        backend.stop()
        backend.log_file.unlink(missing_ok=True)
