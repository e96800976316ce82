"""`courseDiscussions`: threaded posts of a course's students (convex/courseDiscussions.ts)."""

from __future__ import annotations

from ..types import CourseDiscussion, CourseDiscussionId, CourseId
from ..types._args.course_discussions import (
    CourseDiscussionsCreateArgs,
    CourseDiscussionsGetArgs,
    CourseDiscussionsListRepliesArgs,
    CourseDiscussionsListThreadsArgs,
    CourseDiscussionsRemoveArgs,
    CourseDiscussionsUpdateArgs,
)
from ._base import (
    AsyncAPIResource,
    Call,
    PageCall,
    SyncAPIResource,
    asynchronous,
    pages,
    returns,
    returns_nothing,
    returns_optional,
    sync,
)

__all__ = ["AsyncCourseDiscussions", "CourseDiscussions"]


class _CourseDiscussions:
    @staticmethod
    def create(
        *,
        course_id: CourseId,
        content: str,
        title: str | None = None,
        parent_id: CourseDiscussionId | None = None,
    ) -> Call[CourseDiscussion]:
        """Posts a thread (``title`` required) or, with ``parent_id``, a reply.

        For those who can learn the course, when its discussion is enabled.
        Calls `courseDiscussions:create`.
        """
        return returns(
            CourseDiscussion,
            CourseDiscussionsCreateArgs,
            course_id=course_id,
            content=content,
            title=title,
            parent_id=parent_id,
        )

    @staticmethod
    def update(
        id: CourseDiscussionId, *, title: str | None = None, content: str | None = None
    ) -> Call[CourseDiscussion]:
        """Edits the caller's own post. Calls `courseDiscussions:update`."""
        return returns(CourseDiscussion, CourseDiscussionsUpdateArgs, id=id, title=title, content=content)

    @staticmethod
    def remove(id: CourseDiscussionId) -> Call[None]:
        """Soft-deletes a post: its author, the course's instructor, admins.

        Calls `courseDiscussions:remove`.
        """
        return returns_nothing(CourseDiscussionsRemoveArgs, id=id)

    @staticmethod
    def get(id: CourseDiscussionId) -> Call[CourseDiscussion | None]:
        """A post, or None. Calls `courseDiscussions:get`."""
        return returns_optional(CourseDiscussion, CourseDiscussionsGetArgs, id=id)

    @staticmethod
    def list_threads(course_id: CourseId, *, page_size: int | None = None) -> PageCall[CourseDiscussion]:
        """A course's threads, newest first. Calls `courseDiscussions:listThreads`."""
        return pages(
            CourseDiscussion, CourseDiscussionsListThreadsArgs, page_size=page_size, course_id=course_id
        )

    @staticmethod
    def list_replies(
        parent_id: CourseDiscussionId, *, page_size: int | None = None
    ) -> PageCall[CourseDiscussion]:
        """A post's direct replies, oldest first. Calls `courseDiscussions:listReplies`."""
        return pages(
            CourseDiscussion, CourseDiscussionsListRepliesArgs, page_size=page_size, parent_id=parent_id
        )


class CourseDiscussions(SyncAPIResource):
    """`client.course_discussions`: a course's discussion threads and replies."""

    create = sync(_CourseDiscussions.create)
    update = sync(_CourseDiscussions.update)
    remove = sync(_CourseDiscussions.remove)
    get = sync(_CourseDiscussions.get)
    list_threads = sync(_CourseDiscussions.list_threads)
    list_replies = sync(_CourseDiscussions.list_replies)


class AsyncCourseDiscussions(AsyncAPIResource):
    """`client.course_discussions` of `AsyncDoctrina`."""

    create = asynchronous(_CourseDiscussions.create)
    update = asynchronous(_CourseDiscussions.update)
    remove = asynchronous(_CourseDiscussions.remove)
    get = asynchronous(_CourseDiscussions.get)
    list_threads = asynchronous(_CourseDiscussions.list_threads)
    list_replies = asynchronous(_CourseDiscussions.list_replies)
