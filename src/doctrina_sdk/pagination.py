"""Lazy pagers over Convex cursor pagination.

A paginated Convex function takes ``paginationOpts: {numItems, cursor}`` and returns
``{page, isDone, continueCursor, ...}``. `SyncCursorPage` / `AsyncCursorPage` fetch
one page at a time, only as far as the caller iterates, and start again from the
first page on every new iteration.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from types import GenericAlias
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._exceptions import ResponseValidationError
from ._values import cast_value
from .lib import display
from .lib.frames import dataframe

if TYPE_CHECKING:
    import pandas

__all__ = ["AsyncCursorPage", "Page", "SyncCursorPage"]

T = TypeVar("T")
FetchT = TypeVar("FetchT")

PaginationOpts = dict[str, Any]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One fetched page."""

    items: list[T]
    is_done: bool
    continue_cursor: str | None

    def _repr_html_(self) -> str:
        return display.rows_html("Page", display.columns_of(None, self.items), self.items, not self.is_done)

    def __rich__(self) -> display.RowsTable:
        return display.RowsTable("Page", display.columns_of(None, self.items), self.items, not self.is_done)


class _CursorPager(Generic[T, FetchT]):
    """What both pagers share; ``fetch`` sends one page's call (awaitably for the async pager)."""

    def __init__(
        self,
        fetch: FetchT,
        *,
        item_type: Any,
        page_size: int,
        cursor: str | None = None,
        function_path: str,
    ) -> None:
        self._fetch = fetch
        self._item_type = item_type
        self._list_type = GenericAlias(list, (item_type,))
        self._page_size = page_size
        self._start = cursor
        self._path = function_path

    def __repr__(self) -> str:
        # No fetch: a repr must not call the backend.
        return f"{type(self).__name__}({self._path}, page_size={self._page_size})"

    def _opts(self, cursor: str | None) -> PaginationOpts:
        return {"numItems": self._page_size, "cursor": cursor}

    def _page(self, raw: Any, cursor: str | None) -> Page[T]:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("page"), list):
            raise ResponseValidationError(
                f"{self._path} did not return a page ({{page, isDone, continueCursor}})",
                function_path=self._path,
            )
        items: list[T] = cast_value(raw["page"], self._list_type, function_path=self._path)
        page = Page(items, bool(raw.get("isDone", True)), raw.get("continueCursor"))
        if not page.is_done and not items and page.continue_cursor == cursor:
            raise ResponseValidationError(
                f"{self._path} returned an empty page that does not advance the cursor",
                function_path=self._path,
            )
        return page


class SyncCursorPage(_CursorPager[T, Callable[[PaginationOpts], Any]]):
    """Every item of a paginated function, fetched page by page as you iterate."""

    def pages(self) -> Iterator[Page[T]]:
        cursor = self._start
        while True:
            page = self._page(self._fetch(self._opts(cursor)), cursor)
            yield page
            if page.is_done:
                return
            cursor = page.continue_cursor

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def to_list(self, *, limit: int | None = None) -> list[T]:
        """The items as a list: all of them, or the first ``limit``."""
        items: list[T] = []
        for page in self.pages():
            items.extend(page.items)
            if limit is not None and len(items) >= limit:
                return items[:limit]
        return items

    def to_dataframe(self, *, limit: int | None = None) -> pandas.DataFrame:
        """The items as a pandas DataFrame, one row per item, one typed column per model field
        (also when there are no items); needs the ``pandas`` extra."""
        return dataframe(self.to_list(limit=limit), self._item_type)

    def _first_page(self) -> tuple[str, list[str], list[T], bool]:
        page = self._page(self._fetch(self._opts(self._start)), self._start)
        columns = display.columns_of(self._item_type, page.items)
        return self._path, columns, page.items, not page.is_done

    def _repr_html_(self) -> str:
        """Jupyter: the first page's first rows as a table (one fetch)."""
        return display.rows_html(*self._first_page())

    def __rich__(self) -> display.RowsTable:
        """Rich: the first page's first rows as a table (one fetch)."""
        return display.RowsTable(*self._first_page())


class AsyncCursorPage(_CursorPager[T, Callable[[PaginationOpts], Awaitable[Any]]]):
    """Async twin of `SyncCursorPage`: ``async for item in pager``."""

    async def pages(self) -> AsyncIterator[Page[T]]:
        cursor = self._start
        while True:
            page = self._page(await self._fetch(self._opts(cursor)), cursor)
            yield page
            if page.is_done:
                return
            cursor = page.continue_cursor

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def to_list(self, *, limit: int | None = None) -> list[T]:
        items: list[T] = []
        async for page in self.pages():
            items.extend(page.items)
            if limit is not None and len(items) >= limit:
                return items[:limit]
        return items

    async def to_dataframe(self, *, limit: int | None = None) -> pandas.DataFrame:
        return dataframe(await self.to_list(limit=limit), self._item_type)
