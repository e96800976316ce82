"""`resources`: the learning library: guides, charts, videos (convex/resources.ts)."""

from __future__ import annotations

from ..types import CourseId, DownloadLink, Level, Resource, ResourceId
from ..types._args.resources import (
    ResourcesCreateArgs,
    ResourcesGetArgs,
    ResourcesListArgs,
    ResourcesListByCategoryArgs,
    ResourcesListByCourseArgs,
    ResourcesListFeaturedArgs,
    ResourcesListMineArgs,
    ResourcesPurgeDependentsArgs,
    ResourcesRecordDownloadArgs,
    ResourcesRemoveArgs,
    ResourcesSearchArgs,
    ResourcesUpdateArgs,
)
from ._base import (
    AsyncAPIResource,
    Call,
    PageCall,
    SyncAPIResource,
    asynchronous,
    pages,
    returns,
    returns_list,
    returns_nothing,
    returns_optional,
    sync,
)

__all__ = ["AsyncResources", "Resources"]


class _Resources:
    @staticmethod
    def create(
        *,
        title: str,
        description: str,
        type: str,
        url: str,
        difficulty: Level,
        categories: list[str] | None = None,
        tags: list[str] | None = None,
        thumbnail_url: str | None = None,
        author: str | None = None,
        duration: str | None = None,
        file_size: str | None = None,
        course_id: CourseId | None = None,
        restricted: bool | None = None,
        featured: bool | None = None,
    ) -> Call[Resource]:
        """Adds a resource: instructors and admins (the service must name the ``author``).

        ``featured`` only for admins; ``course_id`` only for a course the caller edits;
        ``restricted`` resources (for the course's students) need a course.
        Calls `resources:create`.
        """
        return returns(
            Resource,
            ResourcesCreateArgs,
            title=title,
            description=description,
            type=type,
            url=url,
            difficulty=difficulty,
            categories=categories,
            tags=tags,
            thumbnail_url=thumbnail_url,
            author=author,
            duration=duration,
            file_size=file_size,
            course_id=course_id,
            restricted=restricted,
            featured=featured,
        )

    @staticmethod
    def update(
        id: ResourceId,
        *,
        title: str | None = None,
        description: str | None = None,
        type: str | None = None,
        url: str | None = None,
        difficulty: Level | None = None,
        categories: list[str] | None = None,
        tags: list[str] | None = None,
        thumbnail_url: str | None = None,
        author: str | None = None,
        duration: str | None = None,
        file_size: str | None = None,
        course_id: CourseId | None = None,
        restricted: bool | None = None,
        featured: bool | None = None,
    ) -> Call[Resource]:
        """Edits the given fields: its creator or an admin (``featured`` only admins).

        Calls `resources:update`.
        """
        return returns(
            Resource,
            ResourcesUpdateArgs,
            id=id,
            title=title,
            description=description,
            type=type,
            url=url,
            difficulty=difficulty,
            categories=categories,
            tags=tags,
            thumbnail_url=thumbnail_url,
            author=author,
            duration=duration,
            file_size=file_size,
            course_id=course_id,
            restricted=restricted,
            featured=featured,
        )

    @staticmethod
    def remove(id: ResourceId) -> Call[None]:
        """Deletes a resource with its favorites and downloads. Calls `resources:remove`."""
        return returns_nothing(ResourcesRemoveArgs, id=id)

    @staticmethod
    def purge_dependents(resource_id: ResourceId) -> Call[None]:
        """Service: continues a `remove` of a very popular resource. Calls `resources:purgeDependents`."""
        return returns_nothing(ResourcesPurgeDependentsArgs, resource_id=resource_id)

    @staticmethod
    def get(id: ResourceId) -> Call[Resource | None]:
        """A resource the caller may read, or None. Calls `resources:get`."""
        return returns_optional(Resource, ResourcesGetArgs, id=id)

    @staticmethod
    def list_by_course(course_id: CourseId, *, page_size: int | None = None) -> PageCall[Resource]:
        """A course's resources, newest first (restricted ones only for its students).

        Calls `resources:listByCourse`.
        """
        return pages(Resource, ResourcesListByCourseArgs, page_size=page_size, course_id=course_id)

    @staticmethod
    def list_by_category(category: str, *, page_size: int | None = None) -> PageCall[Resource]:
        """Unrestricted resources in a category, newest first. Calls `resources:listByCategory`."""
        return pages(Resource, ResourcesListByCategoryArgs, page_size=page_size, category=category)

    @staticmethod
    def list_featured(*, limit: int | None = None) -> Call[list[Resource]]:
        """Featured unrestricted resources, newest first (``limit`` 1..50, default 10).

        Calls `resources:listFeatured`.
        """
        return returns_list(Resource, ResourcesListFeaturedArgs, limit=limit)

    @staticmethod
    def list_mine(*, page_size: int | None = None) -> PageCall[Resource]:
        """The resources the caller created, newest first. Calls `resources:listMine`."""
        return pages(Resource, ResourcesListMineArgs, page_size=page_size)

    @staticmethod
    def search(
        query: str, *, type: str | None = None, difficulty: Level | None = None, limit: int | None = None
    ) -> Call[list[Resource]]:
        """Full-text search over unrestricted resources, best first (``limit`` 1..50, default 20).

        Calls `resources:search`.
        """
        return returns_list(
            Resource, ResourcesSearchArgs, query=query, type=type, difficulty=difficulty, limit=limit
        )

    @staticmethod
    def record_download(id: ResourceId) -> Call[DownloadLink]:
        """Counts a download and returns the file's URL. Calls `resources:recordDownload`."""
        return returns(DownloadLink, ResourcesRecordDownloadArgs, id=id)

    # Defined last: from here on, `list` in this class body is the method, not the builtin.
    @staticmethod
    def list(*, page_size: int | None = None) -> PageCall[Resource]:
        """Unrestricted resources, newest first, fetched lazily. Calls `resources:list`."""
        return pages(Resource, ResourcesListArgs, page_size=page_size)


class Resources(SyncAPIResource):
    """`client.resources`: the learning library."""

    create = sync(_Resources.create)
    update = sync(_Resources.update)
    remove = sync(_Resources.remove)
    purge_dependents = sync(_Resources.purge_dependents)
    get = sync(_Resources.get)
    list = sync(_Resources.list)
    list_by_course = sync(_Resources.list_by_course)
    list_by_category = sync(_Resources.list_by_category)
    list_featured = sync(_Resources.list_featured)
    list_mine = sync(_Resources.list_mine)
    search = sync(_Resources.search)
    record_download = sync(_Resources.record_download)


class AsyncResources(AsyncAPIResource):
    """`client.resources` of `AsyncDoctrina`."""

    create = asynchronous(_Resources.create)
    update = asynchronous(_Resources.update)
    remove = asynchronous(_Resources.remove)
    purge_dependents = asynchronous(_Resources.purge_dependents)
    get = asynchronous(_Resources.get)
    list = asynchronous(_Resources.list)
    list_by_course = asynchronous(_Resources.list_by_course)
    list_by_category = asynchronous(_Resources.list_by_category)
    list_featured = asynchronous(_Resources.list_featured)
    list_mine = asynchronous(_Resources.list_mine)
    search = asynchronous(_Resources.search)
    record_download = asynchronous(_Resources.record_download)
