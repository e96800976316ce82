"""When a failed call may be sent again, and how long to wait first.

What may be retried follows what the server can have done (convex-protocol.md §8.2):

- a function error (``status: "error"``) is deterministic and rolled back: never;
- actions run at most once: never automatically;
- queries only read: connection errors, timeouts, 429 and 5xx;
- mutations: whatever failed before the mutation ran (no connection made, 429, 503
  overloaded / OCC retries exhausted), and any other transient failure only when the
  call carries an idempotency key, so a mutation that did commit answers the retry
  with its stored result instead of writing twice.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import tenacity

from ._constants import INITIAL_RETRY_DELAY, MAX_RETRY_AFTER, MAX_RETRY_DELAY
from ._exceptions import APIConnectionError, APIStatusError, InternalServerError, RateLimitError
from ._logs import logger
from ._types import FunctionKind


@dataclass(frozen=True)
class Deadline:
    """The time a call (all its attempts and pauses) must end by; None means no limit."""

    at: float | None

    @classmethod
    def after(cls, seconds: float | None) -> Deadline:
        return cls(None if seconds is None else time.monotonic() + seconds)

    def remaining(self) -> float | None:
        return None if self.at is None else self.at - time.monotonic()


def should_retry(kind: FunctionKind, *, has_idempotency_key: bool, error: BaseException) -> bool:
    if kind == "action":
        return False
    if isinstance(error, RateLimitError) or (isinstance(error, APIStatusError) and error.status_code == 503):
        return True
    if isinstance(error, APIConnectionError) and not error.request_sent:
        return True
    transient = isinstance(error, (APIConnectionError, InternalServerError))
    return transient and (kind == "query" or has_idempotency_key)


def retry_after(error: BaseException | None, *, now: datetime | None = None) -> float | None:
    """Seconds the server asked to wait (``Retry-After``: seconds or an HTTP date), capped."""
    if not isinstance(error, APIStatusError):
        return None
    value = error.headers.get("retry-after") or error.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def backoff(attempt_number: int) -> float:
    """Exponential from 0.5 s, capped at 8 s, shortened by up to a quarter at random."""
    delay = min(INITIAL_RETRY_DELAY * 2.0 ** (attempt_number - 1), MAX_RETRY_DELAY)
    return delay * (1 - 0.25 * random.random())


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


async def _async_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


def _error(state: tenacity.RetryCallState) -> BaseException | None:
    """What the attempt raised, if it raised."""
    return state.outcome.exception() if state.outcome else None


@dataclass(frozen=True)
class RetryPlan:
    """The tenacity configuration of one call."""

    kind: FunctionKind
    path: str
    has_idempotency_key: bool
    max_retries: int
    deadline: Deadline

    def _retry(self, state: tenacity.RetryCallState) -> bool:
        error = _error(state)
        if error is None:
            return False
        return should_retry(self.kind, has_idempotency_key=self.has_idempotency_key, error=error)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        asked = retry_after(_error(state))
        return asked if asked is not None else backoff(state.attempt_number)

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        if state.attempt_number > self.max_retries:
            return True
        remaining = self.deadline.remaining()
        return remaining is not None and state.upcoming_sleep >= remaining

    def _before_sleep(self, state: tenacity.RetryCallState) -> None:
        logger.debug(
            "retrying %s %s in %.2fs after %s (retry %d of %d)",
            self.kind,
            self.path,
            state.upcoming_sleep,
            type(_error(state)).__name__,
            state.attempt_number,
            self.max_retries,
        )

    def _options(self) -> dict[str, Any]:
        return {
            "retry": self._retry,
            "wait": self._wait,
            "stop": self._stop,
            "before_sleep": self._before_sleep,
            "reraise": True,
        }

    def sync(self) -> tenacity.Retrying:
        return tenacity.Retrying(sleep=_sleep, **self._options())

    def asynchronous(self) -> tenacity.AsyncRetrying:
        return tenacity.AsyncRetrying(sleep=_async_sleep, **self._options())
