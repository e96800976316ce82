"""What every resource shares: the client it calls through, and locally validated calls.

The resource classes of this package are generated (scripts/gen_sdk.py): each method
validates its arguments with the function's args model (`function_call`) and hands
the call to the client (`_request`, `_paginate`); hand-written extras in `lib/`
also use `_watch` for live queries (`LiveQuery`, `AsyncLiveQuery`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import pydantic
from pydantic_core import ErrorDetails

from .._exceptions import ValidationError
from .._types import FunctionCall
from ..types._base import ArgsModel

if TYPE_CHECKING:
    from .._base_client import AsyncAPIClient, SyncAPIClient

__all__ = [
    "AsyncAPIResource",
    "AsyncLiveQuery",
    "LiveQuery",
    "SyncAPIResource",
    "describe_errors",
    "function_call",
]

T_co = TypeVar("T_co", covariant=True)


class LiveQuery(Protocol[T_co]):
    """A live query's values, now and after every change: ``for value in live``.

    Close it (``with live:`` or `close()`) to end the subscription early.
    """

    def __iter__(self) -> Iterator[T_co]: ...
    def __next__(self) -> T_co: ...
    def close(self) -> None: ...
    def __enter__(self) -> LiveQuery[T_co]: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class AsyncLiveQuery(Protocol[T_co]):
    """A live query's values, now and after every change: ``async for value in live``.

    Close it (``async with live:`` or `aclose()`) to end the subscription early.
    """

    def __aiter__(self) -> AsyncIterator[T_co]: ...
    async def __anext__(self) -> T_co: ...
    async def aclose(self) -> None: ...
    async def __aenter__(self) -> AsyncLiveQuery[T_co]: ...
    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class SyncAPIResource:
    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client


class AsyncAPIResource:
    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client


# ---------------------------------------------------------------- building calls


def function_call(args_model: type[ArgsModel], /, **kwargs: Any) -> FunctionCall:
    """The call of ``args_model``'s function with ``kwargs`` (Python names), validated locally.

    Raises `ValidationError` (nothing is sent) when the arguments do not match the
    function's declared validators.
    """
    # None means "not given" except for fields Convex declares nullable.
    given = {k: v for k, v in kwargs.items() if v is not None or k in args_model.nullable_fields}
    try:
        args = args_model.model_validate(given)
    except pydantic.ValidationError as exc:
        raise _invalid(args_model.convex_path, exc) from None
    return FunctionCall(
        kind=args_model.convex_kind,
        path=args_model.convex_path,
        args=args.to_wire(),
        idempotent=args_model.convex_idempotent,
    )


def _invalid(path: str, exc: pydantic.ValidationError) -> ValidationError:
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    return ValidationError(
        f"Invalid arguments for {path}: {describe_errors(exc)}",
        code="VALIDATION",
        data={"field": _location(errors[0]) or None, "errors": errors},
        function_path=path,
    )


def describe_errors(exc: pydantic.ValidationError) -> str:
    """``"first_name: Field required; price: Input should be a valid number"``."""
    errors = exc.errors(include_url=False, include_input=False)
    return "; ".join(f"{_location(e)}: {e['msg']}" if e["loc"] else e["msg"] for e in errors)


def _location(error: ErrorDetails) -> str:
    return ".".join(str(part) for part in error["loc"])
