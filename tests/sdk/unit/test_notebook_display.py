"""Notebook and Rich display of models and pages; typed `to_dataframe()` (lib/display.py, lib/frames.py)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import respx
from rich.console import Console
from rich.pretty import pretty_repr
from unit_support import URL, ok

from doctrina_sdk import FunctionCall, Page, SyncCursorPage
from doctrina_sdk._base_client import SyncAPIClient
from doctrina_sdk.types import Purchase

LIST = FunctionCall("query", "purchases:listMine", {})
CREATED = 1_767_225_600_000.0  # 2026-01-01T00:00:00Z in Unix ms


def purchase_wire(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "_id": f"p{n}",
        "_creationTime": CREATED,
        "userId": "u1",
        "courseId": "c1",
        "amount": 49900.0,
        "currency": "usd",
        "status": "open",
        "createdAt": CREATED,
        "expiresAt": CREATED + 86_400_000,
        **extra,
    }


def serve(mock: respx.MockRouter, items: list[dict[str, Any]], *, is_done: bool) -> respx.Route:
    page = {"page": items, "isDone": is_done, "continueCursor": "next"}
    return mock.post("/api/query").mock(return_value=ok(page))


def pager() -> SyncCursorPage[Purchase]:
    return SyncAPIClient(url=URL)._paginate(LIST, item_type=Purchase, page_size=50)


def test_a_model_is_a_table_of_its_fields() -> None:
    purchase = Purchase.model_validate(purchase_wire(1, refundReason="<b>changed mind</b>"))
    html = purchase._repr_html_()
    assert "<caption>Purchase</caption>" in html
    assert "<th style='text-align:left'>course_id</th>" in html
    assert "&lt;b&gt;changed mind&lt;/b&gt;" in html
    assert "<b>changed" not in html


def test_rich_shows_a_model_without_its_absent_fields() -> None:
    text = pretty_repr(Purchase.model_validate(purchase_wire(1)))
    assert text.startswith("Purchase(")
    assert "id='p1'" in text
    assert "refund_reason" not in text


def test_a_pager_shows_its_first_rows_and_how_many_more(mock: respx.MockRouter) -> None:
    route = serve(mock, [purchase_wire(n) for n in range(12)], is_done=False)
    html = pager()._repr_html_()
    assert route.call_count == 1
    assert html.count("<tr><td>") == 10
    assert "<th>amount</th>" in html
    assert "... 2 more, and further pages" in html


def test_a_last_page_says_exactly_how_many_more(mock: respx.MockRouter) -> None:
    serve(mock, [purchase_wire(n) for n in range(13)], is_done=True)
    assert "<p>... 3 more</p>" in pager()._repr_html_()
    serve(mock, [purchase_wire(1)], is_done=True)
    assert "more" not in pager()._repr_html_()


def test_an_empty_result_still_shows_the_model_columns(mock: respx.MockRouter) -> None:
    serve(mock, [], is_done=True)
    html = pager()._repr_html_()
    assert "<th>status</th>" in html
    assert "(no rows)" in html


def test_rich_renders_a_pager_as_a_table(mock: respx.MockRouter) -> None:
    serve(mock, [purchase_wire(n) for n in range(11)], is_done=True)
    console = Console(record=True, width=400)
    console.print(pager())
    text = console.export_text()
    assert "purchases:listMine" in text
    assert "p9" in text
    assert "p10" not in text
    assert "... 1 more" in text


def test_rich_shows_the_columns_a_narrow_console_can_read(mock: respx.MockRouter) -> None:
    serve(mock, [purchase_wire(n) for n in range(3)], is_done=True)
    console = Console(record=True, width=80)
    console.print(pager())
    text = console.export_text()
    assert "p1" in text  # the id column, whole
    assert "more columns" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_a_fetched_page_displays_too() -> None:
    page = Page([Purchase.model_validate(purchase_wire(n)) for n in range(3)], True, None)
    assert page._repr_html_().count("<tr><td>") == 3


def test_repr_does_not_fetch(mock: respx.MockRouter) -> None:
    route = serve(mock, [], is_done=True)
    assert repr(pager()) == "SyncCursorPage(purchases:listMine, page_size=50)"
    assert route.call_count == 0


EXPECTED_DTYPES = {
    "id": "string",
    "creation_time": "datetime64[ns, UTC]",
    "amount": "float64",
    "status": "string",
    "completed_at": "datetime64[ns, UTC]",
    "refund_reason": "string",
}


def test_an_empty_dataframe_has_every_column_typed(mock: respx.MockRouter) -> None:
    serve(mock, [], is_done=True)
    frame = pager().to_dataframe()
    assert len(frame) == 0
    assert list(frame.columns) == list(Purchase.model_fields)
    for column, dtype in EXPECTED_DTYPES.items():
        assert str(frame[column].dtype) == dtype, column


def test_a_dataframe_keeps_the_types_with_missing_values(mock: respx.MockRouter) -> None:
    serve(
        mock,
        [purchase_wire(1), purchase_wire(2, completedAt=CREATED, stripeCheckoutSessionId="cs_1")],
        is_done=True,
    )
    frame = pager().to_dataframe()
    for column, dtype in EXPECTED_DTYPES.items():
        assert str(frame[column].dtype) == dtype, column
    assert frame["completed_at"].isna().tolist() == [True, False]
    assert frame["completed_at"][1] == pd.Timestamp("2026-01-01", tz="UTC")
    assert frame["amount"].tolist() == [49900.0, 49900.0]


def test_fields_the_server_added_come_last(mock: respx.MockRouter) -> None:
    serve(mock, [purchase_wire(1, newField="x")], is_done=True)
    frame = pager().to_dataframe()
    assert list(frame.columns)[-1] == "newField"
    assert frame["newField"].tolist() == ["x"]
