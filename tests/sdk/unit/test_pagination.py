"""Lazy pagers over Convex cursors, driven by mocked pages."""

from __future__ import annotations

import builtins
import json
from typing import Any

import httpx
import pydantic
import pytest
import respx
from unit_support import URL, ok

import doctrina_sdk as sdk
from doctrina_sdk import AsyncCursorPage, FunctionCall, SyncCursorPage
from doctrina_sdk._base_client import AsyncAPIClient, SyncAPIClient


class Course(pydantic.BaseModel):
    title: str
    price: int


PAGES = {
    None: {
        "page": [{"title": "A", "price": 1.0}, {"title": "B", "price": 2.0}],
        "isDone": False,
        "continueCursor": "c1",
    },
    "c1": {"page": [{"title": "C", "price": 3.0}], "isDone": False, "continueCursor": "c2"},
    "c2": {"page": [{"title": "D", "price": 4.0}], "isDone": True, "continueCursor": "c3"},
}
LIST = FunctionCall("query", "courses:list", {"category": "botox"})


def serve_pages(request: httpx.Request) -> httpx.Response:
    args = json.loads(request.content)["args"]
    assert args["category"] == "botox"
    assert args["paginationOpts"]["numItems"] == 2.0
    return ok(PAGES[args["paginationOpts"]["cursor"]])


@pytest.fixture
def pages(mock: respx.MockRouter) -> respx.Route:
    return mock.post("/api/query").mock(side_effect=serve_pages)


def pager() -> SyncCursorPage[Course]:
    return SyncAPIClient(url=URL)._paginate(LIST, item_type=Course, page_size=2)


def test_iterates_every_item_across_pages(pages: respx.Route) -> None:
    assert [c.title for c in pager()] == ["A", "B", "C", "D"]
    assert pages.call_count == 3


def test_is_lazy(pages: respx.Route) -> None:
    items = iter(pager())
    assert pages.call_count == 0
    assert next(items).title == "A"
    assert pages.call_count == 1


def test_pages(pages: respx.Route) -> None:
    fetched = list(pager().pages())
    assert [len(p.items) for p in fetched] == [2, 1, 1]
    assert [p.is_done for p in fetched] == [False, False, True]
    assert fetched[0].continue_cursor == "c1"


def test_to_list_with_a_limit_fetches_only_what_it_needs(pages: respx.Route) -> None:
    assert [c.title for c in pager().to_list(limit=2)] == ["A", "B"]
    assert pages.call_count == 1
    assert len(pager().to_list()) == 4


def test_every_iteration_starts_again(pages: respx.Route) -> None:
    p = pager()
    assert len(list(p)) == len(list(p)) == 4


def test_page_size_and_cursor_from_the_call(pages: respx.Route) -> None:
    call = FunctionCall(
        "query", "courses:list", {"category": "botox", "paginationOpts": {"numItems": 2, "cursor": "c1"}}
    )
    assert [c.title for c in SyncAPIClient(url=URL)._paginate(call, item_type=Course)] == ["C", "D"]


def test_to_dataframe(pages: respx.Route) -> None:
    frame = pager().to_dataframe()
    assert list(frame.columns) == ["title", "price"]
    assert frame["price"].tolist() == [1, 2, 3, 4]


def test_to_dataframe_without_pandas(pages: respx.Route, monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_pandas(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pandas":
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(sdk.MissingDependencyError, match=r"doctrina-sdk\[pandas\]"):
        pager().to_dataframe()


def test_a_result_that_is_not_a_page(mock: respx.MockRouter) -> None:
    mock.post("/api/query").mock(return_value=ok([1.0, 2.0]))
    with pytest.raises(sdk.ResponseValidationError):
        list(pager())


def test_a_stuck_cursor_is_an_error_not_a_loop(mock: respx.MockRouter) -> None:
    mock.post("/api/query").mock(return_value=ok({"page": [], "isDone": False, "continueCursor": None}))
    with pytest.raises(sdk.ResponseValidationError, match="does not advance"):
        list(pager())


async def test_async_pager(pages: respx.Route) -> None:
    async with AsyncAPIClient(url=URL) as client:
        p: AsyncCursorPage[Course] = client._paginate(LIST, item_type=Course, page_size=2)
        assert [c.title async for c in p] == ["A", "B", "C", "D"]
        assert [c.title for c in await p.to_list(limit=3)] == ["A", "B", "C"]
        assert [len(page.items) async for page in p.pages()] == [2, 1, 1]
        assert len(await p.to_dataframe()) == 4
