"""What each transport does to the rest of the program: other threads, and a server that hangs.

    .venv/bin/python benchmarks/transport_behaviour.py

1. Other threads: a ticker thread sleeps 1 ms at a time and counts its wake-ups while the
   main thread makes sequential query calls for two seconds, through each transport.
   A transport that holds the GIL while it waits starves the ticker.
2. A hung server: a loopback socket that accepts connections and never answers. Each
   transport gets one query with a 2 s timeout, in a child process killed after 15 s.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import threading
import time

from doctrina_sdk import Doctrina, LocalBackend

CALL_SECONDS = 2.0
HANG_LIMIT = 15


def ticks_during(work: object) -> tuple[int, int]:
    """(ticker wake-ups, calls made) during CALL_SECONDS of ``work()`` calls."""
    stop = threading.Event()
    ticks = 0

    def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            time.sleep(0.001)
            ticks += 1

    thread = threading.Thread(target=ticker)
    thread.start()
    calls = 0
    deadline = time.monotonic() + CALL_SECONDS
    while time.monotonic() < deadline:
        work()  # type: ignore[operator]
        calls += 1
    stop.set()
    thread.join()
    return ticks, calls


HUNG_CALL = """
import sys, time
from doctrina_sdk import Doctrina
client = Doctrina(url=sys.argv[1], transport=sys.argv[2], timeout=2.0, max_retries=0)
started = time.monotonic()
try:
    client.users.me()
except Exception as error:
    print(f"{type(error).__name__} after {time.monotonic() - started:.1f} s")
"""


def hung_server_outcome(transport: str) -> str:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        try:
            result = subprocess.run(
                [sys.executable, "-c", HUNG_CALL, url, transport],
                capture_output=True,
                text=True,
                timeout=HANG_LIMIT,
            )
        except subprocess.TimeoutExpired:
            return f"still waiting after {HANG_LIMIT} s (killed)"
    return result.stdout.strip() or result.stderr.strip()[-200:]


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir, LocalBackend.start(data_dir=data_dir) as backend:
        baseline, _ = ticks_during(lambda: time.sleep(0.001))
        print(f"ticker wake-ups in {CALL_SECONDS:.0f} s with the main thread sleeping: {baseline}\n")
        print("| transport | calls | ticker wake-ups | hung server, 2 s timeout |")
        print("|---|---:|---:|---|")
        for transport in ("http", "websocket"):
            with Doctrina(url=backend.url, transport=transport) as client:  # type: ignore[arg-type]
                client.users.me()
                ticks, calls = ticks_during(client.users.me)
            print(f"| {transport} | {calls} | {ticks} | {hung_server_outcome(transport)} |")


if __name__ == "__main__":
    main()
