"""`favorites`: resources a user marked (convex/favorites.ts)."""

from __future__ import annotations

from ..types import FavoriteWithResource, ResourceId
from ..types._args.favorites import FavoritesIsFavoriteArgs, FavoritesListMineArgs, FavoritesToggleArgs
from ._base import AsyncAPIResource, Call, PageCall, SyncAPIResource, asynchronous, pages, returns, sync

__all__ = ["AsyncFavorites", "Favorites"]


class _Favorites:
    @staticmethod
    def toggle(resource_id: ResourceId) -> Call[bool]:
        """Favorites the resource, or un-favorites it; returns whether it is now a favorite.

        Calls `favorites:toggle`.
        """
        return returns(bool, FavoritesToggleArgs, resource_id=resource_id)

    @staticmethod
    def is_favorite(resource_id: ResourceId) -> Call[bool]:
        """Whether the caller has favorited the resource. Calls `favorites:isFavorite`."""
        return returns(bool, FavoritesIsFavoriteArgs, resource_id=resource_id)

    @staticmethod
    def list_mine(*, page_size: int | None = None) -> PageCall[FavoriteWithResource]:
        """The caller's favorites with their resources (None once unreadable). Calls `favorites:listMine`."""
        return pages(FavoriteWithResource, FavoritesListMineArgs, page_size=page_size)


class Favorites(SyncAPIResource):
    """`client.favorites`: the caller's favorite resources."""

    toggle = sync(_Favorites.toggle)
    is_favorite = sync(_Favorites.is_favorite)
    list_mine = sync(_Favorites.list_mine)


class AsyncFavorites(AsyncAPIResource):
    """`client.favorites` of `AsyncDoctrina`."""

    toggle = asynchronous(_Favorites.toggle)
    is_favorite = asynchronous(_Favorites.is_favorite)
    list_mine = asynchronous(_Favorites.list_mine)
