"""`wishlist`: courses a user saved for later (convex/wishlist.ts)."""

from __future__ import annotations

from ..types import CourseId, WishlistItem
from ..types._args.wishlist import (
    WishlistAddArgs,
    WishlistContainsArgs,
    WishlistListMineArgs,
    WishlistRemoveArgs,
)
from ._base import AsyncAPIResource, Call, PageCall, SyncAPIResource, asynchronous, pages, returns, sync

__all__ = ["AsyncWishlist", "Wishlist"]


class _Wishlist:
    @staticmethod
    def add(course_id: CourseId) -> Call[WishlistItem]:
        """Saves a course the caller can see (adding it twice returns the same item). Calls `wishlist:add`."""
        return returns(WishlistItem, WishlistAddArgs, course_id=course_id)

    @staticmethod
    def remove(course_id: CourseId) -> Call[bool]:
        """Removes a course; returns whether it was on the wishlist. Calls `wishlist:remove`."""
        return returns(bool, WishlistRemoveArgs, course_id=course_id)

    @staticmethod
    def contains(course_id: CourseId) -> Call[bool]:
        """Whether the course is on the caller's wishlist. Calls `wishlist:contains`."""
        return returns(bool, WishlistContainsArgs, course_id=course_id)

    @staticmethod
    def list_mine(*, page_size: int | None = None) -> PageCall[WishlistItem]:
        """The caller's wishlist, fetched lazily. Calls `wishlist:listMine`."""
        return pages(WishlistItem, WishlistListMineArgs, page_size=page_size)


class Wishlist(SyncAPIResource):
    """`client.wishlist`: the caller's saved courses."""

    add = sync(_Wishlist.add)
    remove = sync(_Wishlist.remove)
    contains = sync(_Wishlist.contains)
    list_mine = sync(_Wishlist.list_mine)


class AsyncWishlist(AsyncAPIResource):
    """`client.wishlist` of `AsyncDoctrina`."""

    add = asynchronous(_Wishlist.add)
    remove = asynchronous(_Wishlist.remove)
    contains = asynchronous(_Wishlist.contains)
    list_mine = asynchronous(_Wishlist.list_mine)
