"""A server that accepts and never answers: every websocket call ends at its timeout or deadline.

The server here answers the transport's HTTP credential check (so the calls get as far as
the WebSocket) and accepts the WebSocket upgrade, then never sends a frame. Queries,
mutations and actions, sync and async, must each raise `APITimeoutError`. Each run is a
child process with a hard timeout: a call that hangs (the official client's blocking
calls hold the GIL) fails the test instead of hanging it. Nothing here measures time.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

_WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_HTTP_OK = b'{"status":"success","value":null,"logLines":[]}'


def _serve(conn: socket.socket, held: list[socket.socket]) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin1").split("\r\n")
    pairs = (line.split(":", 1) for line in head[1:] if ":" in line)
    fields = {name.strip().lower(): value.strip() for name, value in pairs}
    if fields.get("upgrade", "").lower() == "websocket":
        accept = base64.b64encode(hashlib.sha1(fields["sec-websocket-key"].encode() + _WS_GUID).digest())
        conn.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        held.append(conn)  # open and silent from now on
        return
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
        + f"Content-Length: {len(_HTTP_OK)}\r\n\r\n".encode()
        + _HTTP_OK
    )
    conn.close()


@pytest.fixture(scope="module")
def silent_server() -> Iterator[str]:
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_serve, args=(conn, held), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()
    for conn in held:
        conn.close()


_CALLS = """
import asyncio, os
import doctrina_sdk as sdk
from doctrina_sdk import FunctionCall
limit = {os.environ["LIMIT"]: 1.0}
kw = dict(url=os.environ["URL"], auth_token="not-checked-here", transport="websocket", max_retries=0, **limit)
calls = [
    FunctionCall("query", "users:me", {}),
    FunctionCall("mutation", "users:ensureCurrentUser", {}),
    FunctionCall("action", "some:action", {}),
]
def name(exc):
    return type(exc).__name__ if exc is not None else "ok"
if os.environ["FLAVOUR"] == "sync":
    with sdk.Doctrina(**kw) as client:
        for call in calls:
            try:
                client._request(call, cast_to=object)
                print("ok")
            except Exception as exc:
                print(name(exc))
else:
    async def main():
        async with sdk.AsyncDoctrina(**kw) as client:
            for call in calls:
                try:
                    await client._request(call, cast_to=object)
                    print("ok")
                except Exception as exc:
                    print(name(exc))
    asyncio.run(main())
"""


@pytest.mark.parametrize("limit", ["timeout", "deadline"])
@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_every_kind_of_call_times_out_on_a_server_that_never_answers(
    silent_server: str, flavour: str, limit: str
) -> None:
    env = {**os.environ, "URL": silent_server, "FLAVOUR": flavour, "LIMIT": limit}
    command = [sys.executable, "-c", _CALLS]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["APITimeoutError"] * 3, result.stderr
