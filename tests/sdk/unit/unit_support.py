"""Shared by the unit tests: the fake deployment and canned Convex responses."""

from __future__ import annotations

from typing import Any

import httpx

URL = "http://deployment.test"
ADMIN_KEY = "doctrina-local|0123456789abcdef-admin-secret"
TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1MSJ9.user-token-secret"


def ok(value: Any = None, *, log_lines: list[str] | None = None) -> httpx.Response:
    return httpx.Response(200, json={"status": "success", "value": value, "logLines": log_lines or []})


def failed(data: Any = None, *, message: str = "Uncaught ConvexError: failed") -> httpx.Response:
    body: dict[str, Any] = {
        "status": "error",
        "errorMessage": f"[Request ID: req-1] Server Error\n{message}",
        "logLines": ["[LOG] 'about to fail'"],
    }
    if data is not None:
        body["errorData"] = data
    return httpx.Response(200, json=body)
