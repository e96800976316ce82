"""`users`: accounts, roles and the caller's own user (convex/users.ts)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pydantic

from .._exceptions import ResponseValidationError, ValidationError
from .._types import FunctionCall
from ..types import BulkCreateResult, BulkCreateRowResult, PublicProfile, User, UserId
from ..types._args.users import (
    UsersCreateArgs,
    UsersCreateManyArgs,
    UsersCreateManyArgsRow,
    UsersEnsureCurrentUserArgs,
    UsersGetArgs,
    UsersGetByEmailArgs,
    UsersGetPublicProfileArgs,
    UsersListAdminsArgs,
    UsersListInstructorsArgs,
    UsersMeArgs,
    UsersSetRolesArgs,
    UsersUpdateArgs,
)
from ._base import (
    AsyncAPIResource,
    Call,
    PageCall,
    SyncAPIResource,
    asynchronous,
    describe_errors,
    function_call,
    pages,
    returns,
    returns_optional,
    sync,
)

__all__ = ["MAX_ROWS_PER_CALL", "AsyncUsers", "BulkCreateReport", "Users"]

# `users:createMany` rejects larger batches (LIMIT); it stays well inside Convex's
# per-mutation read/write limits.
MAX_ROWS_PER_CALL = 500


class _Users:
    @staticmethod
    def create(
        *, first_name: str, last_name: str, email: str, image: str | None = None, phone: str | None = None
    ) -> Call[User]:
        """Creates a user (a student, no roles). Admins and the service. Calls `users:create`."""
        return returns(
            User,
            UsersCreateArgs,
            first_name=first_name,
            last_name=last_name,
            email=email,
            image=image,
            phone=phone,
        )

    @staticmethod
    def get(id: UserId) -> Call[User | None]:
        """A user by id, or None: the user themself, admins and the service. Calls `users:get`."""
        return returns_optional(User, UsersGetArgs, id=id)

    @staticmethod
    def get_by_email(email: str) -> Call[User | None]:
        """A user by email (case-insensitive), or None. Admins and the service. Calls `users:getByEmail`."""
        return returns_optional(User, UsersGetByEmailArgs, email=email)

    @staticmethod
    def get_public_profile(id: UserId) -> Call[PublicProfile | None]:
        """Name, picture and whether they teach; anyone may ask. Calls `users:getPublicProfile`."""
        return returns_optional(PublicProfile, UsersGetPublicProfileArgs, id=id)

    @staticmethod
    def ensure_current() -> Call[User]:
        """The caller's user, created or linked from the sign-in identity on first call.

        Sets ``last_login``. Calls `users:ensureCurrentUser`.
        """
        return returns(User, UsersEnsureCurrentUserArgs)

    @staticmethod
    def me() -> Call[User | None]:
        """The caller's user; None for anonymous callers and the service itself. Calls `users:me`."""
        return returns_optional(User, UsersMeArgs)

    @staticmethod
    def update(
        id: UserId,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        image: str | None = None,
        phone: str | None = None,
    ) -> Call[User]:
        """Edits a profile (an empty ``image``/``phone`` removes it). Calls `users:update`."""
        return returns(
            User, UsersUpdateArgs, id=id, first_name=first_name, last_name=last_name, image=image, phone=phone
        )

    @staticmethod
    def set_roles(
        id: UserId, *, is_instructor: bool | None = None, is_admin: bool | None = None
    ) -> Call[User]:
        """Grants or withdraws roles; admins and the service. Calls `users:setRoles`."""
        return returns(User, UsersSetRolesArgs, id=id, is_instructor=is_instructor, is_admin=is_admin)

    @staticmethod
    def list_instructors(*, page_size: int | None = None) -> PageCall[PublicProfile]:
        """Every instructor's public profile, fetched lazily. Calls `users:listInstructors`."""
        return pages(PublicProfile, UsersListInstructorsArgs, page_size=page_size)

    @staticmethod
    def list_admins(*, page_size: int | None = None) -> PageCall[User]:
        """Every administrator, fetched lazily; admins and the service. Calls `users:listAdmins`."""
        return pages(User, UsersListAdminsArgs, page_size=page_size)


class Users(SyncAPIResource):
    """`client.users`: accounts, roles and the caller's own user."""

    create = sync(_Users.create)
    get = sync(_Users.get)
    get_by_email = sync(_Users.get_by_email)
    get_public_profile = sync(_Users.get_public_profile)
    ensure_current = sync(_Users.ensure_current)
    me = sync(_Users.me)
    update = sync(_Users.update)
    set_roles = sync(_Users.set_roles)
    list_instructors = sync(_Users.list_instructors)
    list_admins = sync(_Users.list_admins)

    def create_many(
        self,
        rows: Sequence[Mapping[str, Any]],
        *,
        chunk_size: int = MAX_ROWS_PER_CALL,
        idempotency_key: str | None = None,
    ) -> BulkCreateReport:
        """Imports users in batches (service only); one result per row, in input order.

        Rows take `create`'s arguments (``first_name``, ``last_name``, ``email``, ``image``,
        ``phone``). A row that fails local validation is reported ``invalid`` and not sent;
        the server reports ``created``, ``exists`` (the email is taken; ``id`` is its holder)
        or ``invalid``. Running the same rows again is safe: imported rows come back
        ``exists``. With ``idempotency_key``, a rerun returns the first run's results for
        every batch that completed. Calls `users:createMany` once per ``chunk_size`` rows.
        """
        plan = _BulkPlan.of(rows, chunk_size, idempotency_key)
        for batch in plan.batches:
            plan.record(batch, self._client._request(batch.call, cast_to=BulkCreateResult))
        return plan.report()


class AsyncUsers(AsyncAPIResource):
    """`client.users` of `AsyncDoctrina`."""

    create = asynchronous(_Users.create)
    get = asynchronous(_Users.get)
    get_by_email = asynchronous(_Users.get_by_email)
    get_public_profile = asynchronous(_Users.get_public_profile)
    ensure_current = asynchronous(_Users.ensure_current)
    me = asynchronous(_Users.me)
    update = asynchronous(_Users.update)
    set_roles = asynchronous(_Users.set_roles)
    list_instructors = asynchronous(_Users.list_instructors)
    list_admins = asynchronous(_Users.list_admins)

    async def create_many(
        self,
        rows: Sequence[Mapping[str, Any]],
        *,
        chunk_size: int = MAX_ROWS_PER_CALL,
        idempotency_key: str | None = None,
    ) -> BulkCreateReport:
        """Imports users in batches; see `Users.create_many`. Calls `users:createMany`."""
        plan = _BulkPlan.of(rows, chunk_size, idempotency_key)
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
    results: dict[int, BulkCreateRowResult] = field(default_factory=dict)
    batches: list[_Batch] = field(default_factory=list)

    @classmethod
    def of(cls, rows: Sequence[Mapping[str, Any]], chunk_size: int, key: str | None) -> _BulkPlan:
        if not 1 <= chunk_size <= MAX_ROWS_PER_CALL:
            raise ValidationError(
                f"chunk_size must be between 1 and {MAX_ROWS_PER_CALL}",
                code="VALIDATION",
                data={"field": "chunk_size"},
            )
        plan = cls(size=len(rows))
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
        return plan

    def record(self, batch: _Batch, result: BulkCreateResult) -> None:
        for row in result.results:
            index = batch.indices[int(row.index)]
            self.results[index] = row.model_copy(update={"index": index})

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
