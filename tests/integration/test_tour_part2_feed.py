"""sdk-tour part 2, "Audit trail and the event feed", as written, sync and async, on the real local backend.

A course is bought, learned and certified, then refunded; the audit trail of the
certificate shows its issue and its revocation, and a consumer that stores its
cursor follows the feed across a restart (a new `watch` from the saved cursor),
seeing each event exactly once (in the async run the refund arrives live); so
does one whose backend restarts in between (the cursors and the events are
durable). The authorization matrix uses real signed-in callers (development
JWTs) besides the service.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from doctrina_sdk import (
    AsyncDoctrina,
    AuthenticationError,
    Doctrina,
    FunctionError,
    LocalBackend,
    PermissionDeniedError,
    ValidationError,
)
from doctrina_sdk.types import CertificateId, FeedEvent, PurchaseId, UserId

pytestmark = pytest.mark.integration

T = TypeVar("T")


@dataclass
class Scenario:
    bob_id: UserId
    purchase_id: PurchaseId
    certificate_id: CertificateId


def last_cursor(service: Doctrina) -> float:
    """Where a consumer that starts now begins: the newest cursor of the (shared) backend."""
    cursor = 0.0
    while page := service.events.list(after=cursor, limit=1000):
        cursor = page[-1].cursor
    return cursor


def certified(service: Doctrina) -> Scenario:
    """Jane (approved instructor) publishes a paid course; Bob buys it, learns it and gets the certificate."""
    run = uuid.uuid4().hex[:8]
    jane = service.users.create(first_name="Jane", last_name="Doe", email=f"jane.{run}@clinic.example")
    service.users.set_roles(jane.id, is_instructor=True)
    as_jane = service.acting_as(jane.id)
    course = as_jane.courses.create(
        title="Botox Foundations", description="...", category="botox", price=49900, certificate_enabled=True
    )
    module = as_jane.course_modules.create(course_id=course.id, title="Anatomy")
    video = as_jane.lessons.create(
        module_id=module.id, title="Facial muscles", type="video", content="https://video.example/1"
    )
    as_jane.courses.publish(course.id)
    bob = service.users.create(first_name="Bob", last_name="Lee", email=f"bob.{run}@clinic.example")
    as_bob = service.acting_as(bob.id)
    checkout = as_bob.purchases.create_checkout(course_id=course.id)
    service.purchases.complete(checkout.id, stripe_checkout_session_id=f"cs_{run}")
    as_bob.lesson_progress.complete(lesson_id=video.id)
    cert = as_bob.certificates.list()[0]
    return Scenario(bob_id=bob.id, purchase_id=checkout.id, certificate_id=cert.id)


def is_refund(event: FeedEvent, scenario: Scenario) -> bool:
    return event.type == "purchase.refunded" and event.target_id == scenario.purchase_id


def check_trail(service: Doctrina, scenario: Scenario) -> None:
    rows = []
    for e in service.audit_log.list(
        target_id=scenario.certificate_id
    ):  # admins and the service only; paginated
        rows.append((e.at, e.action, e.actor_id, e.target_table, e.target_id, e.details))
    assert [row[1] for row in rows] == ["certificates.issue", "certificates.revoke"]
    issued, revoked = rows
    assert issued[2] == scenario.bob_id  # the service acting as Bob completed the last lesson
    assert revoked[2] is None  # the refund came from the payment side (the service itself)
    assert issued[3:5] == ("certificates", scenario.certificate_id)
    assert issued[0] <= revoked[0]
    assert revoked[5]["reason"] == "Purchase refunded"


def check_exactly_once(service: Doctrina, start: float, handled: list[FeedEvent], scenario: Scenario) -> None:
    cursors = [event.cursor for event in handled]
    assert cursors == sorted(set(cursors))  # strictly increasing: nothing repeated
    expected = service.events.list(after=start, limit=1000)
    assert [e.id for e in handled] == [e.id for e in expected][: len(handled)]  # nothing missed
    mine = {(e.type, e.target_id) for e in handled}
    assert ("certificate.issued", scenario.certificate_id) in mine
    assert ("purchase.completed", scenario.purchase_id) in mine
    assert any(
        e.type == "enrollment.created" and e.data.get("purchaseId") == scenario.purchase_id for e in handled
    )


def test_audit_trail_and_feed_sync(backend: LocalBackend) -> None:
    service = backend.client()
    saved_cursor = start = last_cursor(service)
    scenario = certified(service)
    handled: list[FeedEvent] = []
    with service.events.watch(after=saved_cursor) as feed:
        for event in feed:
            handled.append(event)
            saved_cursor = event.cursor
            if event.type == "certificate.issued" and event.target_id == scenario.certificate_id:
                break
    # The consumer is down while the purchase is refunded; it restarts from its saved cursor.
    service.purchases.refund(scenario.purchase_id)
    for event in service.events.watch(after=saved_cursor):
        handled.append(event)
        saved_cursor = event.cursor
        if is_refund(event, scenario):
            break
    check_exactly_once(service, start, handled, scenario)
    check_trail(service, scenario)


def test_audit_trail_and_feed_async(backend: LocalBackend) -> None:
    service = backend.client()
    start = last_cursor(service)
    scenario = certified(service)
    handled = asyncio.run(asyncio.wait_for(follow_async(backend, start, scenario), 120))
    check_exactly_once(service, start, handled, scenario)
    check_trail(service, scenario)


def test_feed_resumes_across_a_backend_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    handled: list[FeedEvent] = []
    with LocalBackend.start(data_dir=data_dir, startup_timeout=120) as first:
        service = first.client()
        scenario = certified(service)
        with service.events.watch(after=0) as feed:
            for event in feed:
                handled.append(event)
                if event.type == "certificate.issued" and event.target_id == scenario.certificate_id:
                    break
        service.purchases.refund(scenario.purchase_id)  # recorded just before the backend stops
    saved_cursor = handled[-1].cursor
    with LocalBackend.start(data_dir=data_dir, startup_timeout=120) as second:
        service = second.client()
        wait_until_listed(service, saved_cursor, lambda event: is_refund(event, scenario))
        for event in service.events.watch(after=saved_cursor):
            handled.append(event)
            if is_refund(event, scenario):
                break
        check_exactly_once(service, 0, handled, scenario)
        check_trail(service, scenario)


def wait_until_listed(service: Doctrina, after: float, wanted: Callable[[FeedEvent], bool]) -> None:
    """Polls the feed until an event ``wanted`` is numbered: a test failure, not a hang, when none comes."""
    deadline = time.monotonic() + 60
    while not any(wanted(event) for event in service.events.list(after=after, limit=1000)):
        assert time.monotonic() < deadline, "the event was not numbered within 60 s"
        time.sleep(0.2)


async def follow_async(backend: LocalBackend, saved_cursor: float, scenario: Scenario) -> list[FeedEvent]:
    """Reads the feed in two sessions, the second resuming from the first's saved cursor and
    receiving the refund live: it is made while that watch waits for its next event."""
    handled: list[FeedEvent] = []
    async with AsyncDoctrina(url=backend.url, admin_key=backend.admin_key) as service:
        async for event in service.events.watch(after=saved_cursor):  # a service's exactly-once feed
            handled.append(event)
            saved_cursor = event.cursor
            if event.type == "certificate.issued" and event.target_id == scenario.certificate_id:
                break
        async with service.events.watch(after=saved_cursor) as feed:
            refund = asyncio.ensure_future(service.purchases.refund(scenario.purchase_id))
            while not handled or not is_refund(handled[-1], scenario):
                event = await within(anext(feed))
                handled.append(event)
                saved_cursor = event.cursor
            await refund
        page = [e async for e in service.audit_log.list(target_id=scenario.certificate_id)]
        assert [e.action for e in page] == ["certificates.issue", "certificates.revoke"]
    return handled


async def within(value: Awaitable[T], seconds: float = 30) -> T:
    """``value``, or a test failure instead of a hang when an event never comes."""
    return await asyncio.wait_for(value, seconds)


# ---------------------------------------------------------------- who may read the trail and the feed


def signed_in(backend: LocalBackend, service: Doctrina, name: str, **roles: bool) -> Doctrina:
    """A real signed-in caller: a development JWT linked to a new user holding ``roles``."""
    address = f"{name}-{uuid.uuid4().hex[:12]}@clinic.example"
    user = service.users.create(first_name=name.title(), last_name="Tester", email=address)
    if roles:
        service.users.set_roles(user.id, **roles)
    token = backend.dev_token(f"sub-{uuid.uuid4().hex}", claims={"email": address, "email_verified": True})
    client = Doctrina(url=backend.url, auth_token=token)
    assert client.users.ensure_current().id == user.id
    return client


def test_authorization_matrix(backend: LocalBackend) -> None:
    service = backend.client()
    callers = {
        "anonymous": backend.client(anonymous=True),
        "student": signed_in(backend, service, "student"),
        "instructor": signed_in(backend, service, "instructor", is_instructor=True),
        "admin": signed_in(backend, service, "admin", is_admin=True),
        "service": service,
    }
    refused = {
        "anonymous": AuthenticationError,
        "student": PermissionDeniedError,
        "instructor": PermissionDeniedError,
    }
    for name, client in callers.items():
        error = refused.get(name)
        if error is None:
            assert isinstance(list(client.audit_log.list(page_size=5)), list)
            assert isinstance(client.events.list(limit=5), list)
            continue
        with pytest.raises(error):
            list(client.audit_log.list())
        with pytest.raises(error):
            client.events.list()
        with client.events.watch() as feed, pytest.raises(error):
            next(feed)
    # The sequencer and the pruning job are internal: Convex runs them for admin-key callers only.
    for name in ("anonymous", "student", "instructor", "admin"):
        with pytest.raises(FunctionError, match="Could not find public function"):
            callers[name].events.sequence()
        with pytest.raises(FunctionError, match="Could not find public function"):
            callers[name].events.prune()
    assert service.events.prune().done is True


def test_bad_feed_arguments(backend: LocalBackend) -> None:
    service = backend.client()
    with pytest.raises(ValidationError):
        service.events.list(limit=0)
    with pytest.raises(ValidationError):
        service.events.list(after=last_cursor(service) + 1000)
    with pytest.raises(ValidationError):
        list(service.audit_log.list(target_id="x", action="courses.publish"))
