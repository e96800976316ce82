"""How models and pages show in notebooks and Rich consoles.

Jupyter calls ``_repr_html_``: a model is a two-column table of its fields, a page or a
pager a table of its first rows (one column per model field) and "... N more". Rich
calls ``__rich_repr__`` (models: ``Course(id=..., title=...)``) and ``__rich__`` (pages:
a `rich.table.Table`). Long values are cut short; nothing here fetches more than a pager's
first page.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from typing import Any

import pydantic
from rich.table import Table

__all__ = ["ROWS_SHOWN", "columns_of", "model_html", "more_text", "rich_fields", "rows_html", "rows_table"]

ROWS_SHOWN = 10
_MAX_CELL = 60


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= _MAX_CELL else f"{text[: _MAX_CELL - 1]}…"


def _fields(item: Any) -> dict[str, Any]:
    if isinstance(item, pydantic.BaseModel):
        return {name: getattr(item, name) for name in type(item).model_fields}
    return dict(item) if isinstance(item, dict) else {"value": item}


def columns_of(item_type: Any, items: Sequence[Any]) -> list[str]:
    """The model's fields in declaration order (known even without rows), else the first row's keys."""
    if isinstance(item_type, type) and issubclass(item_type, pydantic.BaseModel):
        return list(item_type.model_fields)
    return list(_fields(items[0])) if items else []


def more_text(hidden: int, more_pages: bool) -> str:
    """``... 5 more``; ``... 5 more, and further pages`` when the pager has not reached its end."""
    if hidden == 0 and not more_pages:
        return ""
    if hidden == 0:
        return "... and further pages"
    return f"... {hidden} more" + (", and further pages" if more_pages else "")


def model_html(model: pydantic.BaseModel) -> str:
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(name)}</th><td style='text-align:left'>"
        f"{html.escape(_cell(value))}</td></tr>"
        for name, value in _fields(model).items()
    )
    return f"<table><caption>{html.escape(type(model).__name__)}</caption>{rows}</table>"


def rows_html(title: str, columns: list[str], items: Sequence[Any], more_pages: bool) -> str:
    shown = items[:ROWS_SHOWN]
    head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(_fields(item).get(c)))}</td>" for c in columns) + "</tr>"
        for item in shown
    )
    more = more_text(len(items) - len(shown), more_pages)
    footer = f"<p>{html.escape(more)}</p>" if more else ""
    empty = "" if items else "<p>(no rows)</p>"
    caption = f"<caption>{html.escape(title)}</caption>"
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{empty}{footer}"


def rows_table(title: str, columns: list[str], items: Sequence[Any], more_pages: bool) -> Table:
    shown = items[:ROWS_SHOWN]
    table = Table(*columns, title=title, caption=more_text(len(items) - len(shown), more_pages) or None)
    for item in shown:
        fields = _fields(item)
        table.add_row(*(_cell(fields.get(column)) for column in columns))
    return table


def rich_fields(model: pydantic.BaseModel) -> Iterator[tuple[str, Any]]:
    """Rich's repr protocol: ``Course(id='...', title='...')``, absent optional fields left out."""
    for name, value in _fields(model).items():
        if value is not None or name in model.model_fields_set:
            yield name, value
