"""Convex values on the wire and typed values in Python.

The wire codec is the official `convex` package's: Python ints and floats become
Float64, `ConvexInt64` becomes Int64 (``{"$integer": ...}``), bytes and non-finite
floats get their ``$bytes``/``$float`` forms. Typed results come from pydantic.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, TypeVar, cast

import pydantic
from convex.values import convex_to_json, json_to_convex

from ._exceptions import ResponseValidationError, ValidationError

T = TypeVar("T")

_adapters: dict[Any, pydantic.TypeAdapter[Any]] = {}
_adapters_lock = threading.Lock()


def encode_args(args: Mapping[str, Any], *, function_path: str) -> dict[str, Any]:
    """Convex-encoded JSON of a function's arguments; unsupported values fail here, unsent."""
    try:
        return cast(dict[str, Any], convex_to_json(dict(args)))
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            f"Argument cannot be sent to Convex: {exc}", code="VALIDATION", function_path=function_path
        ) from None


def decode_value(value: Any) -> Any:
    """Python values from convex-encoded JSON."""
    return json_to_convex(value)


def type_adapter(tp: Any) -> pydantic.TypeAdapter[Any]:
    """One adapter per type: building one costs far more than validating with it."""
    adapter = _adapters.get(tp)
    if adapter is None:
        with _adapters_lock:
            adapter = _adapters.get(tp)
            if adapter is None:
                adapter = pydantic.TypeAdapter(tp)
                _adapters[tp] = adapter
    return adapter


def cast_value(value: Any, cast_to: Any, *, function_path: str) -> Any:
    """``value`` validated as ``cast_to``; ``object``/``Any`` leave it as decoded."""
    if cast_to is object or cast_to is Any:
        return value
    try:
        return type_adapter(cast_to).validate_python(value)
    except pydantic.ValidationError as exc:
        raise ResponseValidationError(
            f"The result does not match {_type_name(cast_to)}: {exc.error_count()} error(s): "
            f"{exc.errors(include_url=False, include_input=False)}",
            function_path=function_path,
        ) from None


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or repr(tp)
