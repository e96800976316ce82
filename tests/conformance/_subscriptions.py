"""Reading `ConvexClient` subscriptions with `async for`-style awaits (`__anext__`
does not hold the GIL, unlike the blocking iterator)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

UPDATE_TIMEOUT_S = 10


async def next_value(subscription: Any) -> Any:
    return await asyncio.wait_for(subscription.__anext__(), UPDATE_TIMEOUT_S)


async def value_matching(subscription: Any, predicate: Callable[[Any], bool]) -> Any:
    """The Rust client re-delivers current values on every Transition: skip until one matches."""
    while True:
        value = await next_value(subscription)
        if predicate(value):
            return value
