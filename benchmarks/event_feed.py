"""What the audit trail and the event feed cost a state change, and how far the feed lags behind.

    .venv/bin/python benchmarks/event_feed.py [--learners 50] [--rounds 3]

Starts the embedded local backend in a temporary directory. Each round, `--learners`
enrolled learners call at once, through the async SDK:
- `lessonProgress:recordTime` (writes their progress row; records nothing), then
- `lessonProgress:complete` (writes their progress row, an audit entry and a pending
  event, and schedules `events:sequence`: convex/model/audit.ts).
Both write one row per learner, so the latency ratio is the cost of recording. Then it
waits until every `lesson.completed` event of the round has a cursor (the sequencer's
lag after the last commit) and checks the feed: one event per completion, cursors dense
and increasing. Prints one table, ratios side by side; exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from doctrina_sdk import AsyncDoctrina, Doctrina, LocalBackend
from doctrina_sdk.types import LessonId, UserId

FEED_WAIT_SECONDS = 30.0


@dataclass
class Round:
    plain_ms: list[float]
    recorded_ms: list[float]
    lag_ms: float
    events: int
    feed_ok: bool


def course_with_learners(service: Doctrina, n: int, learners: int) -> tuple[LessonId, list[UserId]]:
    """A free published course of two video lessons (so one completion does not complete it)."""
    jane = service.users.create(first_name="Jane", last_name=f"Doe{n}", email=f"jane{n}@bench.example")
    service.users.set_roles(jane.id, is_instructor=True)
    as_jane = service.acting_as(jane.id)
    course = as_jane.courses.create(title=f"Feed {n}", description="Benchmark", category="botox")
    module = as_jane.course_modules.create(course_id=course.id, title="Only")
    lesson = as_jane.lessons.create(
        module_id=module.id, title="One", type="video", content="https://v.example/1"
    )
    as_jane.lessons.create(module_id=module.id, title="Two", type="video", content="https://v.example/2")
    as_jane.courses.publish(course.id)
    ids = []
    for i in range(learners):
        user = service.users.create(first_name="L", last_name=f"{i}", email=f"r{n}l{i}@bench.example")
        service.acting_as(user.id).course_enrollments.enroll_free(course.id)
        ids.append(user.id)
    return lesson.id, ids


async def timed_together(calls: list[Callable[[], Awaitable[object]]]) -> list[float]:
    go = asyncio.Event()

    async def one(call: Callable[[], Awaitable[object]]) -> float:
        await go.wait()
        started = time.perf_counter()
        await call()
        return (time.perf_counter() - started) * 1000

    pending = [asyncio.ensure_future(one(call)) for call in calls]
    go.set()
    return list(await asyncio.gather(*pending))


async def concurrent_calls(
    backend: LocalBackend, lesson: LessonId, learners: list[UserId]
) -> tuple[list[float], list[float]]:
    async with AsyncDoctrina(url=backend.url, admin_key=backend.admin_key) as client:
        as_learners = [client.acting_as(user) for user in learners]
        plain = await timed_together([record_time(c, lesson) for c in as_learners])
        recorded = await timed_together([complete(c, lesson) for c in as_learners])
    return plain, recorded


def record_time(client: AsyncDoctrina, lesson: LessonId) -> Callable[[], Awaitable[object]]:
    return lambda: client.lesson_progress.record_time(lesson, seconds=30)


def complete(client: AsyncDoctrina, lesson: LessonId) -> Callable[[], Awaitable[object]]:
    return lambda: client.lesson_progress.complete(lesson_id=lesson)


def feed_after(service: Doctrina, cursor: float) -> list[tuple[float, str, str]]:
    events: list[tuple[float, str, str]] = []
    while page := service.events.list(after=cursor, limit=1000):
        events += [(e.cursor, e.type, str(e.data.get("lessonId"))) for e in page]
        cursor = page[-1].cursor
    return events


def one_round(backend: LocalBackend, service: Doctrina, n: int, learners: int) -> Round:
    lesson, ids = course_with_learners(service, n, learners)
    start = feed_after(service, 0)[-1][0] if service.events.list(limit=1) else 0.0
    plain, recorded = asyncio.run(concurrent_calls(backend, lesson, ids))
    committed = time.perf_counter()
    deadline = time.monotonic() + FEED_WAIT_SECONDS
    while True:
        events = feed_after(service, start)
        mine = [e for e in events if e[1] == "lesson.completed" and e[2] == lesson]
        if len(mine) >= learners or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    lag = (time.perf_counter() - committed) * 1000
    cursors = [e[0] for e in events]
    dense = cursors == [start + i + 1 for i in range(len(cursors))]
    return Round(plain, recorded, lag, len(mine), dense and len(mine) == learners)


def report(rounds: list[Round], learners: int) -> str:
    lines = [
        f"{learners} concurrent calls per column, per round (ms)",
        "",
        "| round | recordTime median | complete median | ratio | recordTime p95 | complete p95 | ratio "
        "| feed lag | events | feed exact |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for i, r in enumerate(rounds, 1):
        a, b = sorted(r.plain_ms), sorted(r.recorded_ms)
        pa, pb = a[int(0.95 * (len(a) - 1))], b[int(0.95 * (len(b) - 1))]
        ma, mb = statistics.median(a), statistics.median(b)
        lines.append(
            f"| {i} | {ma:.1f} | {mb:.1f} | {mb / ma:.2f} | {pa:.1f} | {pb:.1f} | {pb / pa:.2f} "
            f"| {r.lag_ms:.0f} | {r.events} | {'yes' if r.feed_ok else 'NO'} |"
        )
    return "\n".join(lines)


def main() -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir, LocalBackend.start(data_dir=data_dir) as backend:
        service = backend.client()
        rounds = [one_round(backend, service, n, args.learners) for n in range(args.rounds)]
    print(report(rounds, args.learners))
    exact = all(r.feed_ok for r in rounds)
    print("feed exact: one event per completion, cursors dense" if exact else "FAILED: feed not exact")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
