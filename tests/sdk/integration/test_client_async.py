"""`AsyncDoctrina` against the local backend, over both transports, and live queries."""

from __future__ import annotations

import asyncio

import pytest
from integration_support import unique_email

import doctrina_sdk as sdk
from doctrina_sdk import AsyncDoctrina, Doctrina, LocalBackend
from doctrina_sdk.types import Notification


async def test_create_and_read(async_service: AsyncDoctrina) -> None:
    email = unique_email("async")
    user = await async_service.users.create(first_name="Asy", last_name="Nc", email=email)
    assert await async_service.users.get(user.id) == user
    as_user = async_service.acting_as(user.id)
    me = await as_user.users.me()
    assert me is not None
    assert me.id == user.id
    with pytest.raises(sdk.PermissionDeniedError):
        await as_user.users.get_by_email(email)


async def test_concurrent_calls_share_the_client(async_service: AsyncDoctrina) -> None:
    emails = [unique_email(f"many{i}") for i in range(10)]
    users = await asyncio.gather(
        *(async_service.users.create(first_name="M", last_name="Any", email=e) for e in emails)
    )
    assert sorted(u.email for u in users) == sorted(emails)


async def test_async_pagination(async_service: AsyncDoctrina) -> None:
    user = await async_service.users.create(first_name="T", last_name="Each", email=unique_email("t"))
    await async_service.users.set_roles(user.id, is_instructor=True)
    profiles = [p async for p in async_service.users.list_instructors(page_size=1)]
    assert user.id in {p.id for p in profiles}


async def test_live_query_receives_updates(backend: LocalBackend) -> None:
    subject = unique_email("live")
    token = backend.dev_token(subject, claims={"email": subject, "name": "Live User"})
    with backend.client() as service:
        async with AsyncDoctrina(url=backend.url, auth_token=token) as user:
            me = await user.users.ensure_current()
            updates = user.notifications.watch_unread()
            assert await asyncio.wait_for(updates.__anext__(), 30) == []
            sent = service.notifications.send(user_id=me.id, type="message", title="Hey", description="Hi")
            latest: list[Notification] = await asyncio.wait_for(updates.__anext__(), 30)
            assert [n.id for n in latest] == [sent.id]
            assert isinstance(latest[0], Notification)
            await user.notifications.mark_read(sent.id)
            assert await asyncio.wait_for(updates.__anext__(), 30) == []
            await updates.aclose()  # type: ignore[attr-defined]


async def test_live_query_acting_as_a_user(backend: LocalBackend, websocket_service_identity: bool) -> None:
    """The tour's example: the service watches a user's unread notifications."""
    if not websocket_service_identity:
        pytest.skip("the local backend does not accept the service identity in the sync Admin token")
    with backend.client() as service:
        bob = service.users.create(first_name="Bob", last_name="Live", email=unique_email("bob"))
        async with AsyncDoctrina(url=backend.url, admin_key=backend.admin_key) as client:
            updates = client.acting_as(bob.id).notifications.watch_unread()
            assert await asyncio.wait_for(updates.__anext__(), 30) == []
            service.notifications.send(user_id=bob.id, type="message", title="Hello", description="Bob")
            assert [n.title for n in await asyncio.wait_for(updates.__anext__(), 30)] == ["Hello"]
            await updates.aclose()  # type: ignore[attr-defined]


def test_sync_live_query_leaves_other_threads_running(backend: LocalBackend) -> None:
    subject = unique_email("thread")
    token = backend.dev_token(subject, claims={"email": subject, "name": "Thread User"})
    with Doctrina(url=backend.url, auth_token=token) as user, backend.client() as service:
        me = user.users.ensure_current()
        with user.notifications.watch_unread() as updates:  # type: ignore[attr-defined]
            assert next(updates) == []
            # This thread keeps working while the subscription waits on its own thread.
            service.notifications.send(user_id=me.id, type="message", title="Hi", description="there")
            assert [n.title for n in next(updates)] == ["Hi"]
