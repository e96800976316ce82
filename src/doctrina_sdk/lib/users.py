"""`client.users` with what no single function gives: `create_many`, a bulk import in batches."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pydantic

from .._exceptions import ResponseValidationError, ValidationError
from .._types import FunctionCall
from ..resources import users
from ..resources._base import describe_errors, function_call
from ..types import BulkCreateResult, BulkCreateRowResult
from ..types._args.users import UsersCreateManyArgs, UsersCreateManyArgsRow

__all__ = ["MAX_ROWS_PER_CALL", "AsyncUsers", "BulkCreateReport", "BulkProgress", "Users"]

BulkProgress = Callable[[int, int], None]
"""``on_progress(done, total)``: rows answered so far (batches sent, rows refused locally) of all rows."""

# `users:createMany` rejects larger batches (LIMIT); it stays well inside Convex's
# per-mutation read/write limits.
MAX_ROWS_PER_CALL = 500


class Users(users.Users):
    """`client.users`: accounts, roles, the caller's own user, and bulk import."""

    def create_many(
        self,
        rows: Sequence[Mapping[str, Any]],
        *,
        chunk_size: int = MAX_ROWS_PER_CALL,
        idempotency_key: str | None = None,
        on_progress: BulkProgress | None = None,
    ) -> BulkCreateReport:
        """Imports users in batches (service only); one result per row, in input order.

        Rows take `create`'s arguments (``first_name``, ``last_name``, ``email``, ``image``,
        ``phone``). A row that fails local validation is reported ``invalid`` and not sent;
        the server reports ``created``, ``exists`` (the email is taken; ``id`` is its holder)
        or ``invalid``. Running the same rows again is safe: imported rows come back
        ``exists``. With ``idempotency_key``, a rerun returns the first run's results for
        every batch that completed. ``on_progress(done, total)`` is called after each batch
        (and once before the first). Calls `users:createMany` once per ``chunk_size`` rows.
        """
        plan = _BulkPlan.of(rows, chunk_size, idempotency_key, on_progress)
        for batch in plan.batches:
            plan.record(batch, self._client._request(batch.call, cast_to=BulkCreateResult))
        return plan.report()


class AsyncUsers(users.AsyncUsers):
    """`client.users` of `AsyncDoctrina`."""

    async def create_many(
        self,
        rows: Sequence[Mapping[str, Any]],
        *,
        chunk_size: int = MAX_ROWS_PER_CALL,
        idempotency_key: str | None = None,
        on_progress: BulkProgress | None = None,
    ) -> BulkCreateReport:
        """Imports users in batches; see `Users.create_many`. Calls `users:createMany`."""
        plan = _BulkPlan.of(rows, chunk_size, idempotency_key, on_progress)
        for batch in plan.batches:
            plan.record(batch, await self._client._request(batch.call, cast_to=BulkCreateResult))
        return plan.report()


# ---------------------------------------------------------------- bulk import


@dataclass(frozen=True)
class BulkCreateReport:
    """What `create_many` did with each row: ``results[i]`` is about ``rows[i]``."""

    results: list[BulkCreateRowResult]

    @property
    def created(self) -> list[BulkCreateRowResult]:
        return [r for r in self.results if r.status == "created"]

    @property
    def existing(self) -> list[BulkCreateRowResult]:
        return [r for r in self.results if r.status == "exists"]

    @property
    def invalid(self) -> list[BulkCreateRowResult]:
        return [r for r in self.results if r.status == "invalid"]

    def __repr__(self) -> str:
        return (
            f"BulkCreateReport(rows={len(self.results)}, created={len(self.created)}, "
            f"existing={len(self.existing)}, invalid={len(self.invalid)})"
        )


@dataclass(frozen=True)
class _Batch:
    indices: list[int]  # positions in the caller's rows, in the batch's order
    call: FunctionCall


@dataclass
class _BulkPlan:
    """Rows checked locally and cut into `users:createMany` calls; collects the results."""

    size: int
    on_progress: BulkProgress | None = None
    results: dict[int, BulkCreateRowResult] = field(default_factory=dict)
    batches: list[_Batch] = field(default_factory=list)

    @classmethod
    def of(
        cls,
        rows: Sequence[Mapping[str, Any]],
        chunk_size: int,
        key: str | None,
        on_progress: BulkProgress | None = None,
    ) -> _BulkPlan:
        if not 1 <= chunk_size <= MAX_ROWS_PER_CALL:
            raise ValidationError(
                f"chunk_size must be between 1 and {MAX_ROWS_PER_CALL}",
                code="VALIDATION",
                data={"field": "chunk_size"},
            )
        plan = cls(size=len(rows), on_progress=on_progress)
        valid: list[tuple[int, dict[str, Any]]] = []
        for index, row in enumerate(rows):
            checked = _check_row(index, row)
            if isinstance(checked, BulkCreateRowResult):
                plan.results[index] = checked
            else:
                valid.append((index, checked))
        for start in range(0, len(valid), chunk_size):
            chunk = valid[start : start + chunk_size]
            call = function_call(UsersCreateManyArgs, rows=[row for _, row in chunk])
            if key is not None:
                # One key per batch, the same on every run of the same rows.
                call = replace(call, args={**call.args, "idempotencyKey": f"{key}:{start // chunk_size}"})
            plan.batches.append(_Batch([index for index, _ in chunk], call))
        plan.progress()
        return plan

    def progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(len(self.results), self.size)

    def record(self, batch: _Batch, result: BulkCreateResult) -> None:
        for row in result.results:
            index = batch.indices[int(row.index)]
            self.results[index] = row.model_copy(update={"index": index})
        self.progress()

    def report(self) -> BulkCreateReport:
        missing = [i for i in range(self.size) if i not in self.results]
        if missing:
            # The server answers every row; a gap means the response was not what was asked.
            raise ResponseValidationError(
                f"users:createMany returned no result for rows {missing[:10]}",
                function_path="users:createMany",
            )
        return BulkCreateReport([self.results[i] for i in range(self.size)])


def _check_row(index: int, row: Mapping[str, Any]) -> dict[str, Any] | BulkCreateRowResult:
    """The row's wire form, or its `invalid` result when it cannot be sent."""
    try:
        if not isinstance(row, Mapping):
            raise TypeError(f"a row must be a mapping, not {type(row).__name__}")
        given = {k: v for k, v in row.items() if v is not None}
        return UsersCreateManyArgsRow.model_validate(given).to_wire()
    except (pydantic.ValidationError, TypeError) as exc:
        return BulkCreateRowResult(index=index, status="invalid", error=_row_error(exc))


def _row_error(exc: Exception) -> str:
    return describe_errors(exc) if isinstance(exc, pydantic.ValidationError) else str(exc)
