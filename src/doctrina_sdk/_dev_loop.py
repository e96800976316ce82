"""The ``doctrina dev`` loop around a running local backend.

It watches ``convex/`` and, a moment after the last save, pushes through the Convex CLI's
own push path (``npx convex dev --once`` against the backend, which also regenerates
``convex/_generated``); a push the backend refuses prints Convex's message and the old code
keeps serving. Meanwhile it prints every function execution (client calls, scheduled
functions, crons) from ``/api/stream_function_logs`` as one readable line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import httpx
from watchfiles import DefaultFilter, watch

from ._local_backend import LocalBackend

PUSH_TIMEOUT_SECONDS = 180.0
DEBOUNCE_MS = 300
#: The server holds a poll with nothing new for up to 30 s.
LOG_POLL_TIMEOUT_SECONDS = 45.0
LOG_RETRY_SECONDS = 1.0
_KIND = {"Query": "query", "Mutation": "mutation", "Action": "action", "HttpAction": "http"}
_CALLER = {"Scheduler": "scheduled", "Cron": "cron", "Action": "from action"}


class _ConvexSources(DefaultFilter):
    """Source edits only: ``convex/_generated`` is the push's own output and must not trigger one."""

    def __call__(self, change: Any, path: str) -> bool:
        return "_generated" not in Path(path).parts and super().__call__(change, path)


def format_log_entry(entry: Mapping[str, Any]) -> str:
    """One execution as one line: time, kind, function, duration, caller, console lines, error."""
    started = datetime.fromtimestamp(float(entry.get("timestamp", 0.0)))
    parts = [
        started.strftime("%H:%M:%S.") + f"{started.microsecond // 1000:03d}",
        f"{_KIND.get(str(entry.get('udfType')), str(entry.get('udfType'))):<8}",
        str(entry.get("identifier", "?")),
        f"{round(float(entry.get('executionTime', 0.0)) * 1000)} ms",
    ]
    caller = _CALLER.get(str(entry.get("caller")))
    if caller is not None:
        parts.append(f"({caller})")
    lines = [" ".join(str(line).split()) for line in entry.get("logLines") or []]
    if lines:
        parts.append(" | ".join(lines))
    error = entry.get("error")
    if error:
        parts.append("ERROR " + str(error).strip().splitlines()[0])
    return "  ".join(parts)


class _LogPrinter(threading.Thread):
    """Long-polls the backend's function log from now on and prints each entry."""

    def __init__(
        self, backend: LocalBackend, out: TextIO, lock: threading.Lock, stop: threading.Event
    ) -> None:
        super().__init__(name="doctrina-dev-logs", daemon=True)
        self._backend = backend
        self._out = out
        self._lock = lock
        self._stop = stop
        self._cursor = time.time() * 1000

    def run(self) -> None:
        headers = {"Authorization": f"Convex {self._backend.admin_key}"}
        with httpx.Client(
            base_url=self._backend.url, headers=headers, timeout=LOG_POLL_TIMEOUT_SECONDS
        ) as http:
            while not self._stop.is_set():
                try:
                    response = http.get("/api/stream_function_logs", params={"cursor": self._cursor})
                    response.raise_for_status()
                    page = response.json()
                except (httpx.HTTPError, ValueError):
                    # The backend is restarting or stopping; the loop ends with it.
                    self._stop.wait(LOG_RETRY_SECONDS)
                    continue
                self._cursor = float(page.get("newCursor", self._cursor))
                for entry in page.get("entries", []):
                    _say(self._out, self._lock, format_log_entry(entry))


def _say(out: TextIO, lock: threading.Lock, text: str) -> None:
    with lock:
        print(text, file=out, flush=True)


def push(
    backend: LocalBackend, project_root: Path, *, node: str = "node"
) -> subprocess.CompletedProcess[str]:
    """``npx convex dev --once`` against ``backend``: the Convex CLI bundles ``convex/`` and pushes it."""
    env = {
        **os.environ,
        "CONVEX_SELF_HOSTED_URL": backend.url,
        "CONVEX_SELF_HOSTED_ADMIN_KEY": backend.admin_key,
        # No telemetry, and the CLI's version check asks the backend: the loop works offline.
        "CI": "1",
        "CONVEX_VERSION_API_ORIGIN": backend.url,
    }
    for name in ("CONVEX_DEPLOYMENT", "CONVEX_DEPLOY_KEY"):
        env.pop(name, None)
    cli = project_root / "node_modules" / "convex" / "bin" / "main.js"
    return subprocess.run(
        [node, str(cli), "dev", "--once", "--typecheck", "disable"],
        cwd=project_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=PUSH_TIMEOUT_SECONDS,
        check=False,
    )


def _push_and_report(
    backend: LocalBackend, project_root: Path, node: str, out: TextIO, lock: threading.Lock
) -> None:
    try:
        result = push(backend, project_root, node=node)
    except subprocess.TimeoutExpired:
        took = f"{PUSH_TIMEOUT_SECONDS:.0f} s"
        _say(out, lock, f"push failed: the Convex CLI took over {took}; still serving the previous code")
        return
    if result.returncode == 0:
        _say(out, lock, "pushed convex/: the new code is live")
        return
    message = (result.stderr.strip() or result.stdout.strip()).splitlines()
    _say(out, lock, "push failed, still serving the previous code:\n  " + "\n  ".join(message))


def run_dev_loop(
    backend: LocalBackend,
    *,
    project_root: Path,
    node: str = "node",
    out: TextIO | None = None,
    stop: threading.Event | None = None,
    debounce_ms: int = DEBOUNCE_MS,
) -> int | None:
    """Watches, pushes and prints logs until the backend exits (its exit code) or ``stop`` is set (None)."""
    out = sys.stdout if out is None else out
    stop = threading.Event() if stop is None else stop
    lock = threading.Lock()
    exit_code: list[int] = []

    def wait_for_backend() -> None:
        exit_code.append(backend.wait())
        stop.set()

    threading.Thread(target=wait_for_backend, name="doctrina-dev-backend", daemon=True).start()
    _LogPrinter(backend, out, lock, stop).start()
    convex_dir = project_root / "convex"
    _say(out, lock, f"Watching {convex_dir} (a save pushes it); function logs follow.")
    for _changes in watch(convex_dir, watch_filter=_ConvexSources(), debounce=debounce_ms, stop_event=stop):
        _push_and_report(backend, project_root, node, out, lock)
    return exit_code[0] if exit_code else None
