"""One process of the concurrency test: `python _increment_worker.py URL COUNTER http|ws COUNT`."""

from __future__ import annotations

import sys

from convex.http_client import ConvexHttpClient

from convex import ConvexClient


def main() -> None:
    url, name, transport, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    client = ConvexHttpClient(url) if transport == "http" else ConvexClient(url)
    for _ in range(count):
        client.mutation("counter:increment", {"name": name})


if __name__ == "__main__":
    main()
