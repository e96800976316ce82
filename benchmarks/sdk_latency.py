"""What the SDK adds to a call: SDK/raw latency ratios per caller kind and transport.

    .venv/bin/python benchmarks/sdk_latency.py [--calls 3000]

Starts the embedded local backend in a temporary directory, creates one user and
calls `users:getPublicProfile` (a query every caller may make, so each pair sends
the same request) as the service (admin key), a signed-in user (a verified dev JWT)
and an anonymous caller. Each SDK case is paired with its floor, the very same
request without the SDK:

- http, sync and async: a raw httpx POST of the same body and headers on a pooled
  connection (`httpx.Client` / `httpx.AsyncClient`), JSON decoded;
- websocket (sync): the official `convex.ConvexClient` with the same credentials.

The two sides of a pair run in interleaved blocks (A B B A ...), so drift in the
machine's load hits both alike. Each block yields its median call; a pair's ratio is
the median, over its blocks, of SDK block / adjacent floor block.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from doctrina_sdk import AsyncDoctrina, Doctrina, LocalBackend
from doctrina_sdk._config import Credentials
from doctrina_sdk._transport import base_headers
from doctrina_sdk._transport_websocket import official_client

PATH = "users:getPublicProfile"
BLOCK = 20  # calls per block: short, so the two sides of a pair see the same load


@dataclass
class Pair:
    caller: str
    transport: str
    sdk: Callable[[], Any] | Callable[[], Awaitable[Any]]
    raw: Callable[[], Any] | Callable[[], Awaitable[Any]]
    is_async: bool = False


def credentials_of(backend: LocalBackend, token: str) -> dict[str, Credentials]:
    return {
        "service": Credentials(admin_key=backend.admin_key),
        "user": Credentials(auth_token=token),
        "anonymous": Credentials(),
    }


def client_options(credentials: Credentials) -> dict[str, Any]:
    return {"admin_key": credentials.admin_key, "auth_token": credentials.auth_token}


def pairs(backend: LocalBackend, user_id: str, token: str) -> list[Pair]:
    body = {"path": PATH, "args": {"id": user_id}, "format": "convex_encoded_json"}
    url = f"{backend.url}/api/query"
    found = []
    for caller, credentials in credentials_of(backend, token).items():
        options = client_options(credentials)
        sdk = Doctrina(url=backend.url, **options)
        raw = httpx.Client(headers=base_headers(credentials))
        found.append(
            Pair(
                caller,
                "http",
                lambda sdk=sdk: sdk.users.get_public_profile(user_id),
                lambda raw=raw: raw.post(url, json=body).json(),
            )
        )
        async_sdk = AsyncDoctrina(url=backend.url, **options)
        async_raw = httpx.AsyncClient(headers=base_headers(credentials))

        async def raw_post(async_raw: httpx.AsyncClient = async_raw) -> Any:
            return (await async_raw.post(url, json=body)).json()

        found.append(
            Pair(
                caller,
                "http async",
                lambda async_sdk=async_sdk: async_sdk.users.get_public_profile(user_id),
                raw_post,
                is_async=True,
            )
        )
        ws_sdk = Doctrina(url=backend.url, transport="websocket", **options)
        official = official_client(backend.url, credentials)
        found.append(
            Pair(
                caller,
                "websocket",
                lambda ws_sdk=ws_sdk: ws_sdk.users.get_public_profile(user_id),
                lambda official=official: official.query(PATH, {"id": user_id}),
            )
        )
    return found


def timed(call: Callable[[], Any], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


async def timed_async(call: Callable[[], Awaitable[Any]], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


async def measure(pair: Pair, n: int) -> list[tuple[float, float]]:
    """``n`` calls a side in blocks A B B A ...: per block pair, the median call of each side."""
    blocks: list[tuple[float, float]] = []
    for block in range(max(n // BLOCK, 2)):
        medians = {}
        order = ["sdk", "raw"] if block % 2 == 0 else ["raw", "sdk"]
        for side in order:
            call = pair.sdk if side == "sdk" else pair.raw
            if pair.is_async:
                samples = await timed_async(call, BLOCK)  # type: ignore[arg-type]
            else:
                samples = timed(call, BLOCK)
            medians[side] = statistics.median(samples)
        blocks.append((medians["sdk"], medians["raw"]))
    return blocks


def row(pair: Pair, blocks: list[tuple[float, float]]) -> str:
    """Medians over the blocks; the ratio is the median of the blocks' SDK/floor ratios."""
    sdk_ms = statistics.median(sdk for sdk, _ in blocks) * 1000
    raw_ms = statistics.median(raw for _, raw in blocks) * 1000
    ratio = statistics.median(sdk / raw for sdk, raw in blocks)
    floor = "raw httpx" if pair.transport.startswith("http") else "ConvexClient"
    return (
        f"| {pair.caller} | {pair.transport} | {floor} | {sdk_ms:.3f} | {raw_ms:.3f} "
        f"| {sdk_ms - raw_ms:+.3f} | {ratio:.3f} |"
    )


async def run(options: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as data_dir, LocalBackend.start(data_dir=data_dir) as backend:
        user = backend.client().users.create(first_name="Bench", last_name="Mark", email="bench@example.com")
        claims = {"email": "bench-user@example.com", "given_name": "Bench", "family_name": "User"}
        token = backend.dev_token("bench-user", claims=claims)
        with Doctrina(url=backend.url, auth_token=token) as signed_in:
            signed_in.users.ensure_current()  # a signed-in caller needs their user
        found = pairs(backend, user.id, token)
        for pair in found:  # connect, warm caches
            await measure(pair, 2 * BLOCK)
        print(f"{PATH}, {options.calls} sequential calls per side, blocks of {BLOCK} (ABBA), loopback\n")
        print("| caller | transport | floor | SDK median (ms) | floor median (ms) | SDK adds (ms) | ratio |")
        print("|---|---|---|---:|---:|---:|---:|")
        for pair in found:
            print(row(pair, await measure(pair, options.calls)), flush=True)


def stubbed_costs(user_id: str, n: int) -> str:
    """Client-side time per call with the network stubbed (`httpx.MockTransport`): SDK and raw httpx
    build, send and decode the same request; the server's time is out of the picture."""
    value = {"_id": user_id, "firstName": "Bench", "lastName": "Mark", "isInstructor": False}
    body = {"status": "success", "value": value, "logLines": []}
    stub = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    sdk = Doctrina(url="http://stub.test", http_client=httpx.Client(transport=stub))
    raw = httpx.Client(transport=stub)
    request = {"path": PATH, "args": {"id": user_id}, "format": "convex_encoded_json"}
    pair = Pair(
        "anonymous",
        "http (stubbed network)",
        lambda: sdk.users.get_public_profile(user_id),
        lambda: raw.post("http://stub.test/api/query", json=request).json(),
    )
    blocks = asyncio.run(measure(pair, n))
    sdk_us = statistics.median(b[0] for b in blocks) * 1e6
    raw_us = statistics.median(b[1] for b in blocks) * 1e6
    return f"client-side per call, network stubbed: SDK {sdk_us:.0f} us, raw httpx {raw_us:.0f} us"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000, help="calls per side and pair (default 3000)")
    options = parser.parse_args()
    asyncio.run(run(options))
    print("\n" + stubbed_costs("users_1", options.calls))


if __name__ == "__main__":
    main()
