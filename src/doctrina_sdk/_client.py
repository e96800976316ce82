"""`Doctrina` and `AsyncDoctrina`: the clients users construct.

Configuration, `with_options` and `acting_as` live in `_base_client.py` (shared by
both); the per-table resources (``client.users``, ``client.courses``, ...) come from
the mixins in `resources/`.
"""

from __future__ import annotations

from ._base_client import AsyncAPIClient, SyncAPIClient
from .resources import AsyncResourcesMixin, ResourcesMixin

__all__ = ["AsyncDoctrina", "Doctrina"]


class Doctrina(SyncAPIClient, ResourcesMixin):
    """The sync client of a Doctrina deployment.

    ``Doctrina(url=..., admin_key=...)`` is a trusted service, ``Doctrina(url=...,
    auth_token=jwt)`` a signed-in user, ``Doctrina(url=...)`` anonymous, and
    ``Doctrina()`` reads ``DOCTRINA_URL``/``CONVEX_URL`` and a credential from the
    environment or ``.env.local``. Options: ``timeout`` (seconds or
    ``httpx.Timeout``; default 60 s read, 5 s connect), ``max_retries`` (default 2),
    ``deadline`` (seconds for a whole call, retries included), ``transport``
    (``"http"`` or ``"websocket"``) and ``http_client`` (an ``httpx.Client`` to use).
    """


class AsyncDoctrina(AsyncAPIClient, AsyncResourcesMixin):
    """The async client: the same as `Doctrina`, with awaitable methods and ``async for`` pagers."""
