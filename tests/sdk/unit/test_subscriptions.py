"""The sync live query's thread: closing it never waits without bound."""

from __future__ import annotations

import threading
import time

import pytest
from unit_support import URL

from doctrina_sdk import _subscriptions
from doctrina_sdk._config import Credentials
from doctrina_sdk._subscriptions import SyncSubscription
from doctrina_sdk._transport import WireCall


def test_close_is_bounded_when_the_thread_never_gets_going(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_subscriptions, "_CLOSE_SECONDS", 0.2)
    release = threading.Event()
    subscription = SyncSubscription(URL, Credentials(), WireCall("query", "a:b", {}), cast_to=object)
    # A thread that never reaches the point where it could be cancelled.
    thread = threading.Thread(target=release.wait, args=(10,), daemon=True)
    subscription._thread = thread
    thread.start()
    started = time.monotonic()
    subscription.close()
    assert time.monotonic() - started < 2
    release.set()
    thread.join()
