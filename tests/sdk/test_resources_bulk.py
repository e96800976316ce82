"""`users.create_many`: local checks, chunking, per-row results in input order, safe retries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from doctrina_sdk import AsyncDoctrina, Doctrina, ResponseValidationError, ValidationError, _retry

URL = "http://deployment.test"
ADMIN_KEY = "doctrina-local|0123456789abcdef-admin-secret"


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=URL, assert_all_called=False) as router:
        yield router


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    async def async_sleep(seconds: float) -> None:
        pass

    monkeypatch.setattr(_retry, "_sleep", lambda seconds: None)
    monkeypatch.setattr(_retry, "_async_sleep", async_sleep)


def rows(n: int) -> list[dict[str, Any]]:
    return [{"first_name": "S", "last_name": str(i), "email": f"s{i}@example.com"} for i in range(n)]


def sent(request: httpx.Request) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(request.content)
    return body


def server(request: httpx.Request) -> httpx.Response:
    """users:createMany as the backend answers it: `exists` for emails ending in 0, else `created`."""
    batch = sent(request)["args"]["rows"]
    results = []
    for index, row in enumerate(batch):
        status = "exists" if row["email"].startswith("s") and row["lastName"].endswith("0") else "created"
        results.append({"index": float(index), "status": status, "id": f"user-{row['lastName']}"})
    return httpx.Response(200, json={"status": "success", "value": {"results": results}, "logLines": []})


def test_chunks_and_reports_every_row_in_order(mock: respx.MockRouter) -> None:
    route = mock.post("/api/mutation").mock(side_effect=server)
    with Doctrina(url=URL, admin_key=ADMIN_KEY) as client:
        report = client.users.create_many(rows(1201))
    assert [len(sent(call.request)["args"]["rows"]) for call in route.calls] == [500, 500, 201]
    assert {sent(call.request)["path"] for call in route.calls} == {"users:createMany"}
    assert [r.index for r in report.results] == list(range(1201))
    assert report.results[700].id == "user-700"
    assert report.results[700].status == "exists"
    assert len(report.existing) == 121
    assert len(report.created) == 1080
    assert sent(route.calls[0].request)["args"]["rows"][0] == {
        "firstName": "S",
        "lastName": "0",
        "email": "s0@example.com",
    }


def test_progress_is_reported_after_each_batch(mock: respx.MockRouter) -> None:
    mock.post("/api/mutation").mock(side_effect=server)
    seen: list[tuple[int, int]] = []
    batch: list[Any] = [*rows(1001), {"first_name": "No email", "last_name": "x"}]
    with Doctrina(url=URL, admin_key=ADMIN_KEY) as client:
        client.users.create_many(batch, on_progress=lambda done, total: seen.append((done, total)))
    # The refused row counts from the start; then one call per batch of 500.
    assert seen == [(1, 1002), (501, 1002), (1001, 1002), (1002, 1002)]


def test_invalid_rows_are_reported_not_sent(mock: respx.MockRouter) -> None:
    route = mock.post("/api/mutation").mock(side_effect=server)
    batch: list[Any] = [*rows(2), {"first_name": "No email", "last_name": "x"}, "not a row", *rows(1)]
    with Doctrina(url=URL, admin_key=ADMIN_KEY) as client:
        report = client.users.create_many(batch)
    assert len(sent(route.calls[0].request)["args"]["rows"]) == 3
    assert [r.status for r in report.results] == ["exists", "created", "invalid", "invalid", "exists"]
    assert report.results[2].error is not None
    assert "email" in report.results[2].error
    assert report.results[4].index == 4
    assert report.results[4].id == "user-0"


def test_camel_case_rows_and_absent_optionals(mock: respx.MockRouter) -> None:
    route = mock.post("/api/mutation").mock(side_effect=server)
    with Doctrina(url=URL, admin_key=ADMIN_KEY) as client:
        client.users.create_many([{"firstName": "A", "lastName": "B", "email": "a@b.example", "phone": None}])
    assert sent(route.calls[0].request)["args"]["rows"] == [
        {"firstName": "A", "lastName": "B", "email": "a@b.example"}
    ]


def test_each_batch_has_its_own_idempotency_key(mock: respx.MockRouter) -> None:
    route = mock.post("/api/mutation").mock(side_effect=server)
    with Doctrina(url=URL, admin_key=ADMIN_KEY) as client:
        client.users.create_many(rows(5), chunk_size=2)
        client.users.create_many(rows(5), chunk_size=2, idempotency_key="import-7")
    keys = [sent(call.request)["args"]["idempotencyKey"] for call in route.calls]
    assert len(set(keys[:3])) == 3
    assert keys[3:] == ["import-7:0", "import-7:1", "import-7:2"]


def test_a_failed_batch_is_retried_with_the_same_key(mock: respx.MockRouter) -> None:
    responses = iter([httpx.Response(503, text="overloaded")])
    route = mock.post("/api/mutation").mock(
        side_effect=lambda request: next(responses, None) or server(request)
    )
    with Doctrina(url=URL, admin_key=ADMIN_KEY) as client:
        report = client.users.create_many(rows(3))
    assert route.call_count == 2
    first, second = (sent(call.request)["args"] for call in route.calls)
    assert first["idempotencyKey"] == second["idempotencyKey"]
    assert len(report.results) == 3


def test_chunk_size_is_bounded(mock: respx.MockRouter) -> None:
    with Doctrina(url=URL, admin_key=ADMIN_KEY) as client, pytest.raises(ValidationError):
        client.users.create_many(rows(1), chunk_size=501)
    assert mock.calls.call_count == 0


def test_a_row_missing_from_the_answer_is_an_error(mock: respx.MockRouter) -> None:
    body = {"status": "success", "value": {"results": []}, "logLines": []}
    mock.post("/api/mutation").mock(return_value=httpx.Response(200, json=body))
    with Doctrina(url=URL, admin_key=ADMIN_KEY) as client, pytest.raises(ResponseValidationError):
        client.users.create_many(rows(1))


def test_nothing_to_import_sends_nothing(mock: respx.MockRouter) -> None:
    with Doctrina(url=URL, admin_key=ADMIN_KEY) as client:
        assert client.users.create_many([]).results == []
    assert mock.calls.call_count == 0


async def test_async_twin(mock: respx.MockRouter) -> None:
    route = mock.post("/api/mutation").mock(side_effect=server)
    async with AsyncDoctrina(url=URL, admin_key=ADMIN_KEY) as client:
        report = await client.users.create_many(rows(3), chunk_size=2)
    assert route.call_count == 2
    assert [r.id for r in report.results] == ["user-0", "user-1", "user-2"]
    assert repr(report) == "BulkCreateReport(rows=3, created=2, existing=1, invalid=0)"
