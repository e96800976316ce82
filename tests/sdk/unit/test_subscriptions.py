"""The sync live query's thread: values on demand, and closing it never waits without bound."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from unit_support import URL

from doctrina_sdk import _subscriptions
from doctrina_sdk._config import Credentials
from doctrina_sdk._subscriptions import SyncSubscription
from doctrina_sdk._transport import WireCall


class _Inner:
    """Stands in for the official subscription: counts the waits it was asked for."""

    def __init__(self, *, hang_on_close: bool = False) -> None:
        self.waits = 0
        self.closed = False
        self._hang_on_close = hang_on_close

    async def __anext__(self) -> Any:
        self.waits += 1
        return self.waits

    async def aclose(self) -> None:
        if self._hang_on_close:
            await asyncio.sleep(30)
        self.closed = True


def _subscription(inner: _Inner) -> SyncSubscription:
    subscription = SyncSubscription(URL, Credentials(), WireCall("query", "a:b", {}), cast_to=object)
    subscription._inner = inner  # type: ignore[assignment]
    return subscription


def test_the_official_subscription_is_awaited_only_when_a_value_is_asked_for() -> None:
    inner = _Inner()
    with _subscription(inner) as subscription:
        assert next(subscription) == 1
        time.sleep(0.05)  # a thread that waited ahead would have asked again by now
        assert inner.waits == 1
    assert inner.closed
    with pytest.raises(StopIteration):
        next(subscription)


def test_close_is_bounded_when_the_subscription_does_not_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_subscriptions, "_CLOSE_SECONDS", 0.2)
    subscription = _subscription(_Inner(hang_on_close=True))
    assert next(subscription) == 1
    started = time.monotonic()
    subscription.close()
    assert time.monotonic() - started < 5


def test_closing_an_unused_subscription_starts_nothing() -> None:
    inner = _Inner()
    subscription = _subscription(inner)
    subscription.close()
    assert subscription._thread is None
    assert inner.waits == 0
