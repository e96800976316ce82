"""`purchases`: checkouts, payment webhooks and refunds (convex/purchases.ts)."""

from __future__ import annotations

from ..types import BatchResult, CourseId, Purchase, PurchaseId, PurchaseStatus
from ..types._args.purchases import (
    PurchasesCompleteArgs,
    PurchasesCreateCheckoutArgs,
    PurchasesExpireArgs,
    PurchasesExpireStaleArgs,
    PurchasesGetArgs,
    PurchasesHasAccessArgs,
    PurchasesListMineArgs,
    PurchasesRefundArgs,
)
from ._base import (
    AsyncAPIResource,
    Call,
    PageCall,
    SyncAPIResource,
    asynchronous,
    pages,
    returns,
    returns_optional,
    sync,
)

__all__ = ["AsyncPurchases", "Purchases"]


class _Purchases:
    @staticmethod
    def create_checkout(course_id: CourseId) -> Call[Purchase]:
        """Opens (or reuses) the caller's checkout for a paid, published course; amount = its price.

        Calls `purchases:createCheckout`.
        """
        return returns(Purchase, PurchasesCreateCheckoutArgs, course_id=course_id)

    @staticmethod
    def complete(id: PurchaseId, *, stripe_checkout_session_id: str) -> Call[Purchase]:
        """Service (payment webhook): the checkout was paid; enrolls the buyer.

        Idempotent on the session id. Calls `purchases:complete`.
        """
        return returns(
            Purchase, PurchasesCompleteArgs, id=id, stripe_checkout_session_id=stripe_checkout_session_id
        )

    @staticmethod
    def expire(id: PurchaseId) -> Call[Purchase]:
        """Service (payment webhook): the checkout lapsed unpaid. Calls `purchases:expire`."""
        return returns(Purchase, PurchasesExpireArgs, id=id)

    @staticmethod
    def refund(id: PurchaseId, *, reason: str | None = None) -> Call[Purchase]:
        """Service (payment webhook): refunded; the enrollment ends in the same transaction.

        Calls `purchases:refund`.
        """
        return returns(Purchase, PurchasesRefundArgs, id=id, reason=reason)

    @staticmethod
    def expire_stale(*, batch_size: int | None = None) -> Call[BatchResult]:
        """Service: expires one batch of open checkouts past ``expires_at`` (the hourly cron's work).

        Calls `purchases:expireStale`.
        """
        return returns(BatchResult, PurchasesExpireStaleArgs, batch_size=batch_size)

    @staticmethod
    def has_access(course_id: CourseId) -> Call[bool]:
        """Whether the caller may learn the course through an enrollment. Calls `purchases:hasAccess`."""
        return returns(bool, PurchasesHasAccessArgs, course_id=course_id)

    @staticmethod
    def get(id: PurchaseId) -> Call[Purchase | None]:
        """A purchase (its buyer and admins), or None. Calls `purchases:get`."""
        return returns_optional(Purchase, PurchasesGetArgs, id=id)

    @staticmethod
    def list_mine(
        *, status: PurchaseStatus | None = None, page_size: int | None = None
    ) -> PageCall[Purchase]:
        """The caller's purchases, optionally of one status. Calls `purchases:listMine`."""
        return pages(Purchase, PurchasesListMineArgs, page_size=page_size, status=status)


class Purchases(SyncAPIResource):
    """`client.purchases`: buying courses; payment webhooks for the service."""

    create_checkout = sync(_Purchases.create_checkout)
    complete = sync(_Purchases.complete)
    expire = sync(_Purchases.expire)
    refund = sync(_Purchases.refund)
    expire_stale = sync(_Purchases.expire_stale)
    has_access = sync(_Purchases.has_access)
    get = sync(_Purchases.get)
    list_mine = sync(_Purchases.list_mine)


class AsyncPurchases(AsyncAPIResource):
    """`client.purchases` of `AsyncDoctrina`."""

    create_checkout = asynchronous(_Purchases.create_checkout)
    complete = asynchronous(_Purchases.complete)
    expire = asynchronous(_Purchases.expire)
    refund = asynchronous(_Purchases.refund)
    expire_stale = asynchronous(_Purchases.expire_stale)
    has_access = asynchronous(_Purchases.has_access)
    get = asynchronous(_Purchases.get)
    list_mine = asynchronous(_Purchases.list_mine)
