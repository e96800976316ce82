"""`certificates`: issued on course completion, publicly verifiable (convex/certificates.ts)."""

from __future__ import annotations

from datetime import datetime

from ..types import BatchResult, Certificate, CertificateId, CertificateVerification
from ..types._args.certificates import (
    CertificatesExpireArgs,
    CertificatesExpireDueArgs,
    CertificatesGetArgs,
    CertificatesListMineArgs,
    CertificatesRevokeArgs,
    CertificatesSetExpiryArgs,
    CertificatesVerifyArgs,
)
from ._base import (
    AsyncAPIResource,
    Call,
    SyncAPIResource,
    asynchronous,
    returns,
    returns_list,
    returns_nothing,
    returns_optional,
    sync,
)

__all__ = ["AsyncCertificates", "Certificates"]


class _Certificates:
    @staticmethod
    def list() -> Call[list[Certificate]]:
        """The caller's certificates, one per completed course. Calls `certificates:listMine`."""
        return returns_list(Certificate, CertificatesListMineArgs)

    @staticmethod
    def get(id: CertificateId) -> Call[Certificate | None]:
        """A certificate (its holder and admins), or None. Calls `certificates:get`."""
        return returns_optional(Certificate, CertificatesGetArgs, id=id)

    @staticmethod
    def verify(verification_code: str) -> Call[CertificateVerification | None]:
        """Public check of a code: status, names, course and dates; None for an unknown code.

        Calls `certificates:verify`.
        """
        return returns_optional(
            CertificateVerification, CertificatesVerifyArgs, verification_code=verification_code
        )

    @staticmethod
    def revoke(id: CertificateId, *, reason: str) -> Call[Certificate]:
        """Admins: revokes a certificate; verification then reports it revoked.

        Calls `certificates:revoke`.
        """
        return returns(Certificate, CertificatesRevokeArgs, id=id, reason=reason)

    @staticmethod
    def set_expiry(id: CertificateId, *, expiry_date: datetime | None) -> Call[Certificate]:
        """Admins: sets (after the issue date) or clears (None) the expiry date.

        Calls `certificates:setExpiry`.
        """
        return returns(Certificate, CertificatesSetExpiryArgs, id=id, expiry_date=expiry_date)

    @staticmethod
    def expire(id: CertificateId) -> Call[None]:
        """Service: stores `expired` once the expiry date has come. Calls `certificates:expire`."""
        return returns_nothing(CertificatesExpireArgs, id=id)

    @staticmethod
    def expire_due(*, batch_size: int | None = None) -> Call[BatchResult]:
        """Service: marks valid certificates past their expiry date `expired`, one batch.

        The daily cron does this; ``done`` tells whether any are left. Calls `certificates:expireDue`.
        """
        return returns(BatchResult, CertificatesExpireDueArgs, batch_size=batch_size)


class Certificates(SyncAPIResource):
    """`client.certificates`: the caller's certificates, public verification, admin revocation."""

    list = sync(_Certificates.list)
    get = sync(_Certificates.get)
    verify = sync(_Certificates.verify)
    revoke = sync(_Certificates.revoke)
    set_expiry = sync(_Certificates.set_expiry)
    expire = sync(_Certificates.expire)
    expire_due = sync(_Certificates.expire_due)


class AsyncCertificates(AsyncAPIResource):
    """`client.certificates` of `AsyncDoctrina`."""

    list = asynchronous(_Certificates.list)
    get = asynchronous(_Certificates.get)
    verify = asynchronous(_Certificates.verify)
    revoke = asynchronous(_Certificates.revoke)
    set_expiry = asynchronous(_Certificates.set_expiry)
    expire = asynchronous(_Certificates.expire)
    expire_due = asynchronous(_Certificates.expire_due)
