"""The child process that runs the official client's mutations and actions.

The official `convex.ConvexClient` has only blocking forms of those, and they hold the
GIL until the server answers: no thread of the caller's process can run, so no deadline
can be kept there. The websocket transports send them here instead (one JSON line per
call on stdin, one JSON line per answer on stdout) and wait on the pipe, which leaves
their process free; at the deadline they kill this process.

    python -m doctrina_sdk._official_child <deployment url>

The first line on stdin is the credentials: ``{"admin": <Convex admin value> | null,
"token": <JWT> | null}``. Then each line is ``{"kind", "path", "args"}`` (args
convex-encoded JSON) and each answer ``{"value"}``, ``{"convexError", "data"}`` or
``{"error"}``. The process ends when stdin closes.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from convex.values import convex_to_json, json_to_convex

from convex import ConvexClient, ConvexError


def answer(client: ConvexClient, request: dict[str, Any]) -> dict[str, Any]:
    try:
        value = getattr(client, request["kind"])(request["path"], json_to_convex(request["args"]))
    except ConvexError as exc:
        return {"convexError": str(exc), "data": convex_to_json(exc.data)}
    except Exception as exc:
        return {"error": str(exc)}
    return {"value": convex_to_json(value)}


def main() -> None:
    client = ConvexClient(sys.argv[1])
    credentials = json.loads(sys.stdin.readline())
    if credentials["admin"] is not None:
        client.set_admin_auth(credentials["admin"])
    elif credentials["token"] is not None:
        client.set_auth(credentials["token"])
    for line in sys.stdin:
        sys.stdout.write(json.dumps(answer(client, json.loads(line))) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
