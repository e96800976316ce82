"""Concurrent enrolments into one course: exact counts, no OCC failure reaches a caller.

    .venv/bin/python benchmarks/enrolment_contention.py [--students 50] [--rounds 3]

Starts the embedded local backend in a temporary directory. Each round publishes a
free course and signs in `--students` learners (development JWTs, real signed-in
callers), then has all of them call `courseEnrollments:enrollFree` at once through
the async SDK (its default retries). Afterwards it checks that every call
succeeded, that the course has exactly one enrolment per learner, and that
`studentCount` (sharded per enrolment, rolled up to the course within about a
second: `convex/model/counters.ts`) equals it. Prints per-call latency
(median, p95, max), the round's wall time, errors surfaced to callers, and the
counts; exits 1 if any count is off or any call failed. For scale, each round
first has SOLO of the learners enrol one at a time into another course (no
contention): the table shows that median and the concurrent median's ratio to it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass

from doctrina_sdk import AsyncDoctrina, Doctrina, LocalBackend
from doctrina_sdk.types import CourseId

ROLLUP_WAIT_SECONDS = 15.0
SOLO = 5


@dataclass
class Round:
    solo: list[float]
    latencies: list[float]
    wall: float
    errors: list[str]
    enrolments: int
    student_count: int


def published_course(service: Doctrina, n: int) -> CourseId:
    jane = service.users.create(first_name="Jane", last_name=f"Doe{n}", email=f"jane{n}@bench.example")
    service.users.set_roles(jane.id, is_instructor=True)
    as_jane = service.acting_as(jane.id)
    course = as_jane.courses.create(title=f"Contention {n}", description="Benchmark", category="botox")
    module = as_jane.course_modules.create(course_id=course.id, title="Only")
    as_jane.lessons.create(module_id=module.id, title="Intro", type="video", content="https://v.example/1")
    as_jane.courses.publish(course.id)
    return course.id


@dataclass
class Call:
    started: float
    ended: float
    error: str | None


async def enrol(learner: AsyncDoctrina, course_id: CourseId, go: asyncio.Event) -> Call:
    await go.wait()
    started = time.perf_counter()
    try:
        await learner.course_enrollments.enroll_free(course_id)
    except Exception as error:  # any failure surfaced to the caller counts
        return Call(started, time.perf_counter(), f"{type(error).__name__}: {error}")
    return Call(started, time.perf_counter(), None)


def rolled_up(service: Doctrina, course_id: CourseId, expected: int) -> int:
    deadline = time.monotonic() + ROLLUP_WAIT_SECONDS
    while True:
        course = service.courses.get(course_id)
        count = int(course.student_count) if course is not None else -1
        if count == expected or time.monotonic() > deadline:
            return count
        time.sleep(0.2)


async def one_round(backend: LocalBackend, service: Doctrina, n: int, students: int) -> Round:
    course_id = published_course(service, n)
    emails = [f"r{n}s{i}@bench.example" for i in range(students)]
    tokens = [backend.dev_token(email, claims={"email": email, "name": email}) for email in emails]
    learners = [AsyncDoctrina(url=backend.url, auth_token=token) for token in tokens]
    await asyncio.gather(*(learner.users.ensure_current() for learner in learners))
    alone_id = published_course(service, 10_000 + n)
    solo = []
    for learner in learners[:SOLO]:
        started = time.perf_counter()
        await learner.course_enrollments.enroll_free(alone_id)
        solo.append(time.perf_counter() - started)
    go = asyncio.Event()  # every learner is signed in and waiting: the enrolments start together
    pending = [asyncio.ensure_future(enrol(learner, course_id, go)) for learner in learners]
    go.set()
    calls = await asyncio.gather(*pending)
    for learner in learners:
        await learner.close()
    enrolments = sum(1 for _ in service.course_enrollments.list_by_course(course_id))
    return Round(
        solo=solo,
        latencies=[call.ended - call.started for call in calls],
        wall=max(call.ended for call in calls) - min(call.started for call in calls),
        errors=[call.error for call in calls if call.error is not None],
        enrolments=enrolments,
        student_count=rolled_up(service, course_id, enrolments),
    )


def report(rounds: list[Round], students: int) -> str:
    lines = [
        f"{students} concurrent enrolFree calls into one course, per round",
        "",
        "| round | alone median ms | median ms | x alone | p95 ms | max ms | wall ms | errors "
        "| enrolments | studentCount |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i, r in enumerate(rounds, 1):
        ms = sorted(x * 1000 for x in r.latencies)
        alone = statistics.median(x * 1000 for x in r.solo)
        median = statistics.median(ms)
        p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
        lines.append(
            f"| {i} | {alone:.1f} | {median:.1f} | {median / alone:.1f} | {p95:.1f} | {ms[-1]:.1f} "
            f"| {r.wall * 1000:.0f} | {len(r.errors)} | {r.enrolments} | {r.student_count} |"
        )
    return "\n".join(lines)


def main() -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir, LocalBackend.start(data_dir=data_dir) as backend:
        service = backend.client()
        rounds = [asyncio.run(one_round(backend, service, n, args.students)) for n in range(args.rounds)]
    print(report(rounds, args.students))
    for r in rounds:
        for error in r.errors[:5]:
            print("error:", error)
    exact = all(r.enrolments == args.students == r.student_count and not r.errors for r in rounds)
    print("counts exact, no errors surfaced" if exact else "FAILED: counts off or errors surfaced")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
