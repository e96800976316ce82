"""`migrations`: batched data migrations for the service (convex/migrations.ts)."""

from __future__ import annotations

from typing import Literal

from ..types import MigrationReport, RecountReport
from ..types._args.migrations import MigrationsRecountCountersArgs, MigrationsUsersRoleToBooleansArgs
from ._base import AsyncAPIResource, Call, SyncAPIResource, asynchronous, returns, sync

__all__ = ["AsyncMigrations", "Migrations"]


class _Migrations:
    @staticmethod
    def users_role_to_booleans(
        *, cursor: str | None = None, batch_size: int | None = None, auto_continue: bool | None = None
    ) -> Call[MigrationReport]:
        """Service: legacy ``users.role`` to ``is_admin``/``is_instructor``, one batch; idempotent.

        Later batches continue in the background unless ``auto_continue=False``; then pass
        the returned ``cursor`` yourself. Calls `migrations:usersRoleToBooleans`.
        """
        return returns(
            MigrationReport,
            MigrationsUsersRoleToBooleansArgs,
            cursor=cursor,
            batch_size=batch_size,
            auto_continue=auto_continue,
        )

    @staticmethod
    def recount_counters(
        table: Literal["courses", "resources", "courseDiscussions"],
        *,
        repair: bool,
        cursor: str | None = None,
        batch_size: int | None = None,
        auto_continue: bool | None = None,
    ) -> Call[RecountReport]:
        """Service: recounts denormalized counters of one batch of ``table``; fixes drift when ``repair``.

        Calls `migrations:recountCounters`.
        """
        return returns(
            RecountReport,
            MigrationsRecountCountersArgs,
            table=table,
            repair=repair,
            cursor=cursor,
            batch_size=batch_size,
            auto_continue=auto_continue,
        )


class Migrations(SyncAPIResource):
    """`client.migrations`: data migrations (service only)."""

    users_role_to_booleans = sync(_Migrations.users_role_to_booleans)
    recount_counters = sync(_Migrations.recount_counters)


class AsyncMigrations(AsyncAPIResource):
    """`client.migrations` of `AsyncDoctrina`."""

    users_role_to_booleans = asynchronous(_Migrations.users_role_to_booleans)
    recount_counters = asynchronous(_Migrations.recount_counters)
