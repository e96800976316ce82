"""A live query: Bob's unread notifications, pushed to the script whenever they change.

Run: python examples/live_notifications.py
"""

from __future__ import annotations

import asyncio
import tempfile

from doctrina_sdk import AsyncDoctrina, LocalBackend
from doctrina_sdk.types import UserId

ANNOUNCEMENTS = ["Welcome to Doctrina", "New course: Fillers 101", "Live Q&A on Friday"]


async def announce(service: AsyncDoctrina, user_id: UserId) -> None:
    """The service sends one announcement a second, as an admin tool or a webhook would."""
    for title in ANNOUNCEMENTS:
        await asyncio.sleep(1)
        await service.notifications.send(
            user_id=user_id, type="announcement", title=title, description="See you"
        )


async def watch(as_bob: AsyncDoctrina) -> None:
    """The current value first, then one value per change, until every announcement arrived."""
    async with as_bob.notifications.watch_unread() as updates:
        async for unread in updates:
            print(f"{len(unread)} unread: {[n.title for n in unread]}")
            if len(unread) == len(ANNOUNCEMENTS):
                return


async def main(backend: LocalBackend) -> None:
    async with AsyncDoctrina(url=backend.url, admin_key=backend.admin_key) as service:
        bob = await service.users.create(first_name="Bob", last_name="Lee", email="bob@clinic.example")
        as_bob = service.acting_as(bob.id)
        # gather: if sending fails, its error ends the script instead of a watch waiting forever.
        await asyncio.gather(announce(service, bob.id), watch(as_bob))
        marked = await as_bob.notifications.mark_all_read()
        print(f"marked {marked} read; unread now {await as_bob.notifications.unread_count()}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as data_dir, LocalBackend.start(data_dir=data_dir) as local:
        asyncio.run(main(local))
