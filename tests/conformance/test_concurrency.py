"""8 processes x 200 read-modify-write increments, half over HTTP and half over the
WebSocket, must end at exactly +1600: no lost update, no double count (OCC failures are retried by the
caller, as on Convex)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from convex.http_client import ConvexHttpClient

from ._server import BackendProcess

WORKER = Path(__file__).with_name("_increment_worker.py")
PROCESSES = 8
INCREMENTS = 200


def test_concurrent_increments_from_http_and_websocket_clients(
    server: BackendProcess, counter: dict[str, str]
) -> None:
    client = ConvexHttpClient(server.url)
    began = time.monotonic()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                server.url,
                counter["name"],
                "http" if i % 2 == 0 else "ws",
                str(INCREMENTS),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
    elapsed = time.monotonic() - began
    assert client.query("counter:get", counter) == PROCESSES * INCREMENTS
    print(f"{PROCESSES * INCREMENTS} increments in {elapsed:.2f}s ({PROCESSES * INCREMENTS / elapsed:.0f}/s)")
