"""Writes made outside any client request (scheduled functions, crons, an action's
runMutation) reach WebSocket subscribers like any other commit."""

from __future__ import annotations

import uuid
from typing import Any

from convex.http_client import ConvexHttpClient

from convex import ConvexClient

from ._server import BackendProcess
from ._subscriptions import next_value, value_matching


async def test_a_scheduled_mutation_reaches_subscribers(server: BackendProcess) -> None:
    message = f"scheduled-{uuid.uuid4()}"
    subscription = ConvexClient(server.url).subscribe("scheduling:events", {"source": "scheduled"})
    assert message not in await next_value(subscription)
    ConvexHttpClient(server.url).mutation("scheduling:later", {"delayMs": 200, "message": message})
    await value_matching(subscription, lambda messages: message in messages)
    subscription.unsubscribe()


async def test_a_scheduled_action_writing_through_run_mutation_reaches_subscribers(
    server: BackendProcess,
) -> None:
    message = f"action-{uuid.uuid4()}"
    subscription = ConvexClient(server.url).subscribe("scheduling:events", {"source": "action"})
    await next_value(subscription)
    ConvexHttpClient(server.url).mutation("scheduling:laterAction", {"delayMs": 0, "message": message})
    await value_matching(subscription, lambda messages: message in messages)
    subscription.unsubscribe()


async def test_cron_ticks_reach_subscribers(server: BackendProcess) -> None:
    subscription = ConvexClient(server.url).subscribe("scheduling:events", {"source": "cron"})
    ticks: list[Any] = await next_value(subscription)
    # The fixture cron ticks every second.
    await value_matching(subscription, lambda messages: len(messages) > len(ticks))
    subscription.unsubscribe()


async def test_an_actions_mutations_reach_subscribers(
    server: BackendProcess, counter: dict[str, str]
) -> None:
    subscription = ConvexClient(server.url).subscribe("counter:get", counter)
    assert await next_value(subscription) is None
    assert ConvexHttpClient(server.url).action("actions:incrementTwice", counter) == 2
    await value_matching(subscription, lambda value: value == 2)
    subscription.unsubscribe()
