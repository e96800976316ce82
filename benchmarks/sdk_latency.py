"""Per-call latency of one query through the SDK and the official clients, side by side.

    .venv/bin/python benchmarks/sdk_latency.py [--calls 2000] [--rounds 5]

Starts the embedded local backend in a temporary directory, creates one user and
times `users:getPublicProfile` (a query anyone may call, so every client sends the
same request) through: the SDK over HTTP (typed result), the SDK over the official
WebSocket client, raw httpx with a pooled connection (the floor for an HTTP client),
the official `ConvexHttpClient` and the official `ConvexClient`. Calls are
sequential; the cases take turns in every round so drift hits them alike. Prints
median, p95, calls/s and the ratio of medians against raw httpx.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import httpx
from convex.http_client import ConvexHttpClient

from convex import ConvexClient
from doctrina_sdk import Doctrina, LocalBackend
from doctrina_sdk._constants import CLIENT_HEADER_VALUE

PATH = "users:getPublicProfile"


def cases(backend: LocalBackend, user_id: str) -> dict[str, Callable[[], Any]]:
    sdk_http = Doctrina(url=backend.url)
    sdk_ws = Doctrina(url=backend.url, transport="websocket")
    raw = httpx.Client(headers={"Convex-Client": CLIENT_HEADER_VALUE})
    body = {"path": PATH, "args": {"id": user_id}, "format": "convex_encoded_json"}
    official_http = ConvexHttpClient(backend.url)
    official_ws = ConvexClient(backend.url)
    return {
        "doctrina_sdk (http)": lambda: sdk_http.users.get_public_profile(user_id),
        "doctrina_sdk (websocket)": lambda: sdk_ws.users.get_public_profile(user_id),
        "raw httpx": lambda: raw.post(f"{backend.url}/api/query", json=body).json(),
        "convex ConvexHttpClient": lambda: official_http.query(PATH, {"id": user_id}),
        "convex ConvexClient": lambda: official_ws.query(PATH, {"id": user_id}),
    }


def timed(call: Callable[[], Any], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def report(samples: dict[str, list[float]]) -> str:
    baseline = statistics.median(samples["raw httpx"])
    lines = [
        "| client | median (ms) | p95 (ms) | calls/s | median vs raw httpx |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, values in samples.items():
        median = statistics.median(values)
        p95 = statistics.quantiles(values, n=20)[-1]
        lines.append(
            f"| {name} | {median * 1000:.3f} | {p95 * 1000:.3f} | {len(values) / sum(values):,.0f} "
            f"| {median / baseline:.2f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per client in all (default 2000)")
    parser.add_argument("--rounds", type=int, default=5, help="turns each client takes (default 5)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir, LocalBackend.start(data_dir=data_dir) as backend:
        user = backend.client().users.create(first_name="Bench", last_name="Mark", email="bench@example.com")
        clients = cases(backend, user.id)
        for call in clients.values():  # connect, warm caches and JITs
            timed(call, 200)
        samples: dict[str, list[float]] = {name: [] for name in clients}
        per_round = max(options.calls // options.rounds, 1)
        for _ in range(options.rounds):
            for name, call in clients.items():
                samples[name] += timed(call, per_round)
        print(f"{PATH}, {per_round * options.rounds} sequential calls per client, loopback\n")
        print(report(samples))


if __name__ == "__main__":
    main()
