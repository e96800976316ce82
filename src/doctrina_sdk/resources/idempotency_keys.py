"""`idempotencyKeys`: stored results of idempotent writes (convex/idempotencyKeys.ts)."""

from __future__ import annotations

from datetime import datetime

from ..types import BatchResult
from ..types._args.idempotency_keys import IdempotencyKeysCleanupArgs
from ._base import AsyncAPIResource, Call, SyncAPIResource, asynchronous, returns, sync

__all__ = ["AsyncIdempotencyKeys", "IdempotencyKeys"]


class _IdempotencyKeys:
    @staticmethod
    def cleanup(*, batch_size: int | None = None, cutoff: datetime | None = None) -> Call[BatchResult]:
        """Service: deletes keys created before ``cutoff`` (default seven days ago), one batch.

        The daily cron's work. Calls `idempotencyKeys:cleanup`.
        """
        return returns(BatchResult, IdempotencyKeysCleanupArgs, batch_size=batch_size, cutoff=cutoff)


class IdempotencyKeys(SyncAPIResource):
    """`client.idempotency_keys`: housekeeping of idempotent-write results (service only)."""

    cleanup = sync(_IdempotencyKeys.cleanup)


class AsyncIdempotencyKeys(AsyncAPIResource):
    """`client.idempotency_keys` of `AsyncDoctrina`."""

    cleanup = asynchronous(_IdempotencyKeys.cleanup)
