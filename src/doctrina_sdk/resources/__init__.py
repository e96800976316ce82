"""One resource per table; `Doctrina` and `AsyncDoctrina` inherit these mixins."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, cast

from .users import AsyncUsers, BulkCreateReport, Users

if TYPE_CHECKING:
    from .._base_client import AsyncAPIClient, SyncAPIClient

__all__ = ["AsyncResourcesMixin", "AsyncUsers", "BulkCreateReport", "ResourcesMixin", "Users"]


class ResourcesMixin:
    """``client.<table>`` for the sync client (mixed into a `SyncAPIClient`)."""

    @cached_property
    def users(self) -> Users:
        return Users(cast("SyncAPIClient", self))


class AsyncResourcesMixin:
    """``client.<table>`` for the async client (mixed into an `AsyncAPIClient`)."""

    @cached_property
    def users(self) -> AsyncUsers:
        return AsyncUsers(cast("AsyncAPIClient", self))
