"""How models and pages show in notebooks and Rich consoles.

Jupyter calls ``_repr_html_``: a model is a two-column table of its fields, a page or a
pager a table of its first rows (one column per model field) and "... N more". Rich
calls ``__rich_repr__`` (models: ``Course(id=..., title=...)``) and ``__rich__`` (pages:
a `rich.table.Table` of the leading columns that fit the console). Long values are cut
short; nothing here fetches more than a pager's first page.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pydantic
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table

__all__ = ["ROWS_SHOWN", "RowsTable", "columns_of", "model_html", "more_text", "rich_fields", "rows_html"]

ROWS_SHOWN = 10
_MAX_CELL = 60
# The width below which a column's values stop being readable in a Rich table.
_LEGIBLE = 16


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


@dataclass(frozen=True)
class RowsTable:
    """A page's first rows for Rich, with as many leading columns as the console is wide enough
    for (Rich would squeeze all thirty of a course's into unreadable slivers); the caption says
    how many more there are."""

    title: str
    columns: list[str]
    items: Sequence[Any]
    more_pages: bool

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(options.max_width)

    def table(self, width: int) -> Table:
        shown = self.items[:ROWS_SHOWN]
        rows = [[_cell(_fields(item).get(column)) for column in self.columns] for item in shown]
        kept = _columns_that_fit(self.columns, rows, width)
        notes = [more_text(len(self.items) - len(shown), self.more_pages)]
        if kept < len(self.columns):
            notes.append(f"{len(self.columns) - kept} more columns (a wider console, or to_dataframe())")
        caption = "; ".join(note for note in notes if note) or None
        table = Table(*self.columns[:kept], title=self.title, caption=caption)
        for row in rows:
            table.add_row(*row[:kept])
        return table


def _columns_that_fit(columns: list[str], rows: list[list[str]], width: int) -> int:
    """How many leading columns fit ``width`` at their natural width, up to `_LEGIBLE` each
    (plus Rich's padding and border); at least one."""
    used = 1  # the table's left border
    for index, column in enumerate(columns):
        natural = max([len(column), *(len(row[index]) for row in rows)])
        used += min(natural, _LEGIBLE) + 3
        if used > width:
            return max(index, 1)
    return len(columns)


def rich_fields(model: pydantic.BaseModel) -> Iterator[tuple[str, Any]]:
    """Rich's repr protocol: ``Course(id='...', title='...')``, absent optional fields left out."""
    for name, value in _fields(model).items():
        if value is not None or name in model.model_fields_set:
            yield name, value
