"""One process of the concurrency test: `python _increment_worker.py URL http|ws COUNT`."""

from __future__ import annotations

import sys

from convex.http_client import ConvexHttpClient

from convex import ConvexClient


def main() -> None:
    url, transport, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = ConvexHttpClient(url) if transport == "http" else ConvexClient(url)
    for _ in range(count):
        client.mutation("counter:increment", {})


if __name__ == "__main__":
    main()
