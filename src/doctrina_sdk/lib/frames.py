"""`to_dataframe()`: one row per item, one column per model field, typed from the field.

The columns and their dtypes come from the item type's fields, not from the rows, so an
empty result still has every column with its dtype, and a column whose values are all
missing keeps the type it would have had. Fields the server added beyond the model come
after the declared ones, untyped.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

import pydantic

from .._exceptions import MissingDependencyError

if TYPE_CHECKING:
    import pandas

__all__ = ["column_dtypes", "dataframe"]


def _without_none(annotation: Any) -> Any:
    """``X | None`` -> ``X``; other unions are left as they are (their column is untyped)."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return members[0] if len(members) == 1 else annotation
    return annotation


def _base_type(annotation: Any) -> Any:
    annotation = _without_none(annotation)
    if typing.get_origin(annotation) is Annotated:  # `Float64 | None`: Annotated[float, ...] inside
        annotation = typing.get_args(annotation)[0]
    while hasattr(annotation, "__supertype__"):  # NewType ids: `CourseId` is a str
        annotation = annotation.__supertype__
    if typing.get_origin(annotation) is Literal:
        kinds = {type(arg) for arg in typing.get_args(annotation)}
        return kinds.pop() if len(kinds) == 1 else object
    return annotation


# Nullable dtypes: a missing value is <NA>/NaT, and an int column stays int.
_DTYPES: dict[Any, str] = {bool: "boolean", int: "Int64", float: "float64", str: "string"}


def column_dtypes(item_type: Any) -> dict[str, str]:
    """Column name -> pandas dtype for a pydantic model; ``object`` where no dtype fits."""
    if not (isinstance(item_type, type) and issubclass(item_type, pydantic.BaseModel)):
        return {}
    dtypes: dict[str, str] = {}
    for name, field in item_type.model_fields.items():
        base = _base_type(field.annotation)
        dtypes[name] = "datetime64[ns, UTC]" if base is datetime else _DTYPES.get(base, "object")
    return dtypes


def _row(item: Any) -> Mapping[str, Any]:
    if isinstance(item, pydantic.BaseModel):
        return item.model_dump()
    if isinstance(item, Mapping):
        return item
    return {"value": item}


def dataframe(items: Sequence[Any], item_type: Any) -> pandas.DataFrame:
    try:
        import pandas
    except ImportError:
        raise MissingDependencyError(
            "to_dataframe() needs pandas: pip install 'doctrina-sdk[pandas]'"
        ) from None
    dtypes = column_dtypes(item_type)
    rows = [_row(item) for item in items]
    extras = [key for row in rows for key in row if key not in dtypes]
    frame: pandas.DataFrame = pandas.DataFrame(rows, columns=[*dtypes, *dict.fromkeys(extras)])
    for name, dtype in dtypes.items():
        column = frame[name]
        if dtype.startswith("datetime64"):
            column = pandas.to_datetime(column, utc=True)
        frame[name] = column.astype(pandas.api.types.pandas_dtype(dtype))
    return frame
