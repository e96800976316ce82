"""Connection pools: shared by derived clients, closed even when nobody closed them.

A tiny loopback HTTP server answers every call, so real sockets are involved.
"""

from __future__ import annotations

import asyncio
import gc
import http.server
import json
import threading
import warnings
from collections.abc import Iterator

import pytest

from doctrina_sdk import FunctionCall
from doctrina_sdk._base_client import AsyncAPIClient, SyncAPIClient

CALL = FunctionCall("query", "users:me", {})


class Answer(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"status": "success", "value": None, "logLines": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def resource_warnings_when_dropped(make_and_use: object) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        make_and_use()  # type: ignore[operator]
        gc.collect()
    return [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_a_client_nobody_closed_leaves_no_open_socket(server: str) -> None:
    def use() -> None:
        client = SyncAPIClient(url=server, admin_key="k")
        client.acting_as("u1")._request(CALL, cast_to=object)

    assert resource_warnings_when_dropped(use) == []


async def test_an_async_client_nobody_closed_is_closed_on_its_loop(server: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        client = AsyncAPIClient(url=server)
        await client._request(CALL, cast_to=object)
        del client
        gc.collect()
        for _ in range(5):  # the close is scheduled on this loop
            await asyncio.sleep(0.01)
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_derived_clients_keep_the_pool_their_parent_left(server: str) -> None:
    as_user = SyncAPIClient(url=server, admin_key="k").acting_as("u1")
    gc.collect()
    assert as_user._request(CALL, cast_to=object) is None
