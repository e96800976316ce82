"""What every resource shares: validated calls, and one definition per method for both clients.

A resource method is written once, as a function that validates its arguments and
describes the call (`Call`, `PageCall` or `WatchCall`). `sync` and `asynchronous`
turn that function into the method of the sync and the async resource:

    class _Courses:
        @staticmethod
        def get(id: CourseId) -> Call[Course | None]:
            \"\"\"A course by id, or None. Calls `courses:get`.\"\"\"
            return returns_optional(Course, CoursesGetArgs, id=id)

    class Courses(SyncAPIResource):
        get = sync(_Courses.get)            # -> Course | None

    class AsyncCourses(AsyncAPIResource):
        get = asynchronous(_Courses.get)    # -> Awaitable[Course | None]

Signatures and docstrings carry over, so type checkers and `help()` see the real method.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from types import GenericAlias
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, overload

import pydantic
from pydantic_core import ErrorDetails

from .._exceptions import ValidationError
from .._types import FunctionCall
from ..pagination import AsyncCursorPage, SyncCursorPage
from ..types._base import ArgsModel

if TYPE_CHECKING:
    from .._base_client import AsyncAPIClient, SyncAPIClient

__all__ = [
    "AsyncAPIResource",
    "AsyncLiveQuery",
    "Call",
    "LiveQuery",
    "PageCall",
    "SyncAPIResource",
    "WatchCall",
    "asynchronous",
    "describe_errors",
    "function_call",
    "pages",
    "returns",
    "returns_list",
    "returns_nothing",
    "returns_optional",
    "sync",
    "watch_list",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
P = ParamSpec("P")
F = TypeVar("F", bound=Callable[..., Any])


class LiveQuery(Protocol[T_co]):
    """A live query's values, now and after every change: ``for value in live``.

    Close it (``with live:`` or `close()`) to end the subscription early.
    """

    def __iter__(self) -> Iterator[T_co]: ...
    def __next__(self) -> T_co: ...
    def close(self) -> None: ...
    def __enter__(self) -> LiveQuery[T_co]: ...
    def __exit__(self, *exc_info: object) -> None: ...


class AsyncLiveQuery(Protocol[T_co]):
    """A live query's values, now and after every change: ``async for value in live``.

    Close it (``async with live:`` or `aclose()`) to end the subscription early.
    """

    def __aiter__(self) -> AsyncIterator[T_co]: ...
    async def __anext__(self) -> T_co: ...
    async def aclose(self) -> None: ...
    async def __aenter__(self) -> AsyncLiveQuery[T_co]: ...
    async def __aexit__(self, *exc_info: object) -> None: ...


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


@dataclass(frozen=True)
class Call(Generic[T]):
    """A call whose result is validated as ``cast_to`` (the method returns a ``T``)."""

    function: FunctionCall
    cast_to: Any

    def send(self, client: SyncAPIClient | AsyncAPIClient) -> Any:
        return client._request(self.function, cast_to=self.cast_to)


@dataclass(frozen=True)
class PageCall(Generic[T]):
    """A paginated call: the method returns a lazy pager of ``T``."""

    function: FunctionCall
    item_type: type[T]
    page_size: int | None = None

    def send(self, client: SyncAPIClient | AsyncAPIClient) -> Any:
        return client._paginate(self.function, item_type=self.item_type, page_size=self.page_size)


@dataclass(frozen=True)
class WatchCall(Generic[T]):
    """A live query: the method returns an iterator of its successive ``T`` values."""

    function: FunctionCall
    cast_to: Any

    def send(self, client: SyncAPIClient | AsyncAPIClient) -> Any:
        return client._watch(self.function, cast_to=self.cast_to)


# What a definition returns; `send` hands it to the client that fits its kind.
Described = Call[Any] | PageCall[Any] | WatchCall[Any]


def returns(cast_to: type[T], args_model: type[ArgsModel], /, **kwargs: Any) -> Call[T]:
    return Call(function_call(args_model, **kwargs), cast_to)


def returns_nothing(args_model: type[ArgsModel], /, **kwargs: Any) -> Call[None]:
    return Call(function_call(args_model, **kwargs), type(None))


def returns_optional(item: type[T], args_model: type[ArgsModel], /, **kwargs: Any) -> Call[T | None]:
    return Call(function_call(args_model, **kwargs), item | None)


def returns_list(item: type[T], args_model: type[ArgsModel], /, **kwargs: Any) -> Call[list[T]]:
    return Call(function_call(args_model, **kwargs), GenericAlias(list, (item,)))


def pages(
    item: type[T], args_model: type[ArgsModel], /, *, page_size: int | None, **kwargs: Any
) -> PageCall[T]:
    return PageCall(function_call(args_model, **kwargs), item, page_size)


def watch_list(item: type[T], args_model: type[ArgsModel], /, **kwargs: Any) -> WatchCall[list[T]]:
    return WatchCall(function_call(args_model, **kwargs), GenericAlias(list, (item,)))


# ---------------------------------------------------------------- methods from definitions


@overload
def sync(
    define: Callable[P, PageCall[T]],
) -> Callable[Concatenate[SyncAPIResource, P], SyncCursorPage[T]]: ...
@overload
def sync(define: Callable[P, WatchCall[T]]) -> Callable[Concatenate[SyncAPIResource, P], LiveQuery[T]]: ...
@overload
def sync(define: Callable[P, Call[T]]) -> Callable[Concatenate[SyncAPIResource, P], T]: ...
def sync(define: Callable[P, Described]) -> Callable[Concatenate[SyncAPIResource, P], Any]:
    """The sync resource method that sends what ``define`` describes."""
    return _method(define, {"Call": "{}", "PageCall": "SyncCursorPage[{}]", "WatchCall": "LiveQuery[{}]"})


@overload
def asynchronous(
    define: Callable[P, PageCall[T]],
) -> Callable[Concatenate[AsyncAPIResource, P], AsyncCursorPage[T]]: ...
@overload
def asynchronous(
    define: Callable[P, WatchCall[T]],
) -> Callable[Concatenate[AsyncAPIResource, P], AsyncLiveQuery[T]]: ...
@overload
def asynchronous(
    define: Callable[P, Call[T]],
) -> Callable[Concatenate[AsyncAPIResource, P], Awaitable[T]]: ...
def asynchronous(define: Callable[P, Described]) -> Callable[Concatenate[AsyncAPIResource, P], Any]:
    """The async resource method: awaitable for a single result, an async iterator otherwise."""
    return _method(
        define,
        {"Call": "Awaitable[{}]", "PageCall": "AsyncCursorPage[{}]", "WatchCall": "AsyncLiveQuery[{}]"},
    )


def _method(define: Callable[P, Described], results: dict[str, str]) -> Callable[Concatenate[Any, P], Any]:
    """The method of either resource; the client it is bound to decides sync or async."""

    @functools.wraps(define)
    def method(self: SyncAPIResource | AsyncAPIResource, /, *args: P.args, **kwargs: P.kwargs) -> Any:
        # Arguments are validated now, so on the async client a ValidationError surfaces
        # at the call, not at the await.
        return define(*args, **kwargs).send(self._client)

    return _signed(method, define, results)


def _signed(method: F, define: Callable[..., Any], results: dict[str, str]) -> F:
    """Gives ``method`` the signature `help()` should show: ``self``, then ``define``'s parameters."""
    signature = inspect.signature(define)
    described = re.fullmatch(r"(\w+)\[(.*)\]", str(signature.return_annotation))
    result = results[described[1]].format(described[2]) if described else signature.return_annotation
    self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
    method.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[self_param, *signature.parameters.values()], return_annotation=result
    )
    return method
