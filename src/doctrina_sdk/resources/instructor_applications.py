"""`instructorApplications`: vetting of would-be instructors (convex/instructorApplications.ts)."""

from __future__ import annotations

from datetime import date

from ..types import ApplicationStatus, InstructorApplication, InstructorApplicationId
from ..types._args.instructor_applications import (
    InstructorApplicationsApproveArgs,
    InstructorApplicationsGetArgs,
    InstructorApplicationsListByStatusArgs,
    InstructorApplicationsListMineArgs,
    InstructorApplicationsRejectArgs,
    InstructorApplicationsSubmitArgs,
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

__all__ = ["AsyncInstructorApplications", "InstructorApplications"]


class _InstructorApplications:
    @staticmethod
    def submit(
        *,
        license_number: str,
        license_state: str,
        license_expiry: date,
        insurance_provider: str,
        documents: list[str],
    ) -> Call[InstructorApplication]:
        """The caller applies to teach (one pending application at a time; the licence must not have expired).

        Calls `instructorApplications:submit`.
        """
        return returns(
            InstructorApplication,
            InstructorApplicationsSubmitArgs,
            license_number=license_number,
            license_state=license_state,
            license_expiry=license_expiry,
            insurance_provider=insurance_provider,
            documents=documents,
        )

    @staticmethod
    def approve(id: InstructorApplicationId) -> Call[InstructorApplication]:
        """Admins: approves a pending application; the applicant becomes an instructor and is notified.

        Calls `instructorApplications:approve`.
        """
        return returns(InstructorApplication, InstructorApplicationsApproveArgs, id=id)

    @staticmethod
    def reject(id: InstructorApplicationId, *, reason: str) -> Call[InstructorApplication]:
        """Admins: rejects a pending application; the applicant is notified of ``reason``.

        Calls `instructorApplications:reject`.
        """
        return returns(InstructorApplication, InstructorApplicationsRejectArgs, id=id, reason=reason)

    @staticmethod
    def get(id: InstructorApplicationId) -> Call[InstructorApplication | None]:
        """An application (its applicant and admins), or None. Calls `instructorApplications:get`."""
        return returns_optional(InstructorApplication, InstructorApplicationsGetArgs, id=id)

    @staticmethod
    def list_mine(*, page_size: int | None = None) -> PageCall[InstructorApplication]:
        """The caller's applications, newest first. Calls `instructorApplications:listMine`."""
        return pages(InstructorApplication, InstructorApplicationsListMineArgs, page_size=page_size)

    @staticmethod
    def list_by_status(
        status: ApplicationStatus, *, page_size: int | None = None
    ) -> PageCall[InstructorApplication]:
        """Admins: applications in ``status``, oldest first (the review queue).

        Calls `instructorApplications:listByStatus`.
        """
        return pages(
            InstructorApplication, InstructorApplicationsListByStatusArgs, page_size=page_size, status=status
        )


class InstructorApplications(SyncAPIResource):
    """`client.instructor_applications`: applying to teach, and the admins' review queue."""

    submit = sync(_InstructorApplications.submit)
    approve = sync(_InstructorApplications.approve)
    reject = sync(_InstructorApplications.reject)
    get = sync(_InstructorApplications.get)
    list_mine = sync(_InstructorApplications.list_mine)
    list_by_status = sync(_InstructorApplications.list_by_status)


class AsyncInstructorApplications(AsyncAPIResource):
    """`client.instructor_applications` of `AsyncDoctrina`."""

    submit = asynchronous(_InstructorApplications.submit)
    approve = asynchronous(_InstructorApplications.approve)
    reject = asynchronous(_InstructorApplications.reject)
    get = asynchronous(_InstructorApplications.get)
    list_mine = asynchronous(_InstructorApplications.list_mine)
    list_by_status = asynchronous(_InstructorApplications.list_by_status)
