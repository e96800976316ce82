"""Mutations and actions of the websocket transports, run in a child process (`_official_child.py`).

The official client's blocking calls hold the GIL until the server answers, so a call
the server never answers cannot be interrupted in the caller's process. Here the caller
waits on a pipe instead (`select`, which leaves the GIL free) and, at its timeout, kills
the child and raises `APITimeoutError`; the next call starts a new one. Costs, measured
in docs/transports.md: a Python process and a second WebSocket connection per transport
that sends mutations or actions, started on the first of them, and a pipe round trip
per call.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import threading
import time
from typing import Any

from convex import ConvexError

from ._config import Credentials
from ._exceptions import APIConnectionError, APITimeoutError
from ._values import decode_value


class OfficialCallProcess:
    """One child running the official client for one caller; one call at a time."""

    def __init__(self, url: str, credentials: Credentials) -> None:
        self._url = url
        self._credentials = {
            "admin": credentials.admin_value() if credentials.admin_key is not None else None,
            "token": credentials.auth_token,
        }
        self._child: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._lock = threading.Lock()

    def call(self, kind: str, path: str, args: Any, timeout: float | None) -> Any:
        """The function's value (convex-encoded JSON); raises `ConvexError` or `Exception` as the
        official client would, `APITimeoutError` when no answer came within ``timeout``."""
        with self._lock:
            child = self._child or self._start()
            assert child.stdin is not None
            try:
                child.stdin.write(json.dumps({"kind": kind, "path": path, "args": args}).encode() + b"\n")
                child.stdin.flush()
            except OSError:
                self._stop()
                raise APIConnectionError(
                    f"Connection closed calling {path}", request_sent=False, function_path=path
                ) from None
            try:
                line = self._read_line(child, timeout)
            except EOFError:
                self._stop()
                raise APIConnectionError(
                    f"Connection closed calling {path}", request_sent=True, function_path=path
                ) from None
            if line is None:
                self._stop()
                raise APITimeoutError(f"Timed out calling {path}", request_sent=True, function_path=path)
        return unpack(json.loads(line))

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _start(self) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(
            [sys.executable, "-m", "doctrina_sdk._official_child", self._url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert child.stdin is not None
        child.stdin.write(json.dumps(self._credentials).encode() + b"\n")
        child.stdin.flush()
        self._child, self._buffer = child, b""
        return child

    def _read_line(self, child: subprocess.Popen[bytes], timeout: float | None) -> bytes | None:
        """The child's next answer line; None at the timeout, EOFError when the child is gone."""
        assert child.stdout is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(child.stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = None if deadline is None else deadline - time.monotonic()
                if (remaining is not None and remaining <= 0) or not selector.select(remaining):
                    return None
                chunk = os.read(child.stdout.fileno(), 65536)
                if not chunk:
                    raise EOFError
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _stop(self) -> None:
        if self._child is not None:
            self._child.kill()
            self._child.wait()
            for pipe in (self._child.stdin, self._child.stdout):
                if pipe is not None:
                    pipe.close()
        self._child = None


def unpack(answer: dict[str, Any]) -> Any:
    """The child's answer as the official client gives it: a value, or its exception."""
    if "value" in answer:
        return decode_value(answer["value"])
    if "convexError" in answer:
        raise ConvexError(answer["convexError"], decode_value(answer["data"]))
    raise Exception(answer["error"])  # as the official client does
