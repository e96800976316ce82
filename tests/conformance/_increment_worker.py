"""One process of the concurrency test: `python _increment_worker.py URL COUNTER http|ws COUNT`.

On one hot document some increments fail with Convex's OCC error once the backend's own retries
are spent (as on Convex); nothing was committed then, so the caller retries, as an app would.
"""

from __future__ import annotations

import sys

from convex.http_client import ConvexHttpClient

from convex import ConvexClient

OCC_ERROR = "OptimisticConcurrencyControlFailure"
MAX_ATTEMPTS = 50


def increment(client: ConvexHttpClient | ConvexClient, name: str) -> None:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            client.mutation("counter:increment", {"name": name})
            return
        except Exception as error:  # the official clients raise plain exceptions with the server's text
            if OCC_ERROR not in str(error) or attempt == MAX_ATTEMPTS:
                raise


def main() -> None:
    url, name, transport, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    client = ConvexHttpClient(url) if transport == "http" else ConvexClient(url)
    for _ in range(count):
        increment(client, name)


if __name__ == "__main__":
    main()
