/**
 * Batched recounts (convex/model/recounts.ts): exact for more rows than one
 * transaction reads, exact while rows change between its steps, and every step
 * under half of each Convex limit.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import type { MutationCtx } from "../../convex/_generated/server";
import { ratingFields, setStudents, studentCount } from "../../convex/model/counters";
import { markCompleted } from "../../convex/model/enrollments";
import * as Migrations from "../../convex/model/migrations";
import { MAX_RECOUNT_STEP, step } from "../../convex/model/recounts";
import { insertCourse, settle, setup, type World } from "./fixtures";
import { emptyUsage, meteredDb, overLimits } from "./limits";
import { recountCourse } from "./recounts";

type Status = Doc<"courseEnrollments">["status"];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Inserts `statuses.length` learners enrolled with those statuses; returns their enrollments in creation order. */
async function enrollMany(world: World, courseId: Id<"courses">, statuses: Status[]) {
  const ids: { userId: Id<"users">; enrollmentId: Id<"courseEnrollments"> }[] = [];
  for (let from = 0; from < statuses.length; from += 2000) {
    const chunk = await world.t.run(async (ctx) => {
      const made = [];
      for (const [i, status] of statuses.slice(from, from + 2000).entries()) {
        const userId = await ctx.db.insert("users", {
          firstName: "L",
          lastName: `Earner ${from + i}`,
          email: `learner${from + i}@example.com`,
          isInstructor: false,
          isAdmin: false,
        });
        const enrollmentId = await ctx.db.insert("courseEnrollments", {
          userId,
          courseId,
          status,
          source: "admin",
          enrolledAt: Date.now(),
        });
        made.push({ userId, enrollmentId });
      }
      return made;
    });
    ids.push(...chunk);
  }
  return ids;
}

const counted = (statuses: Status[]) => statuses.filter((status) => status !== "revoked").length;
const statusesFor = (n: number): Status[] =>
  Array.from({ length: n }, (_, i) => (i % 10 === 0 ? "revoked" : i % 4 === 1 ? "completed" : "active"));
const jobs = (world: World) => world.t.run((ctx) => ctx.db.query("counterRecounts").collect());
const driftLogs = (warn: { mock: { calls: unknown[][] } }) =>
  warn.mock.calls.filter((call) => String(call[0]).startsWith("recountCounters")).map((call) => String(call[1]));

describe("migrations:recountCounters on a course larger than one step", () => {
  test("continues through scheduled steps and repairs the exact count", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    const statuses = statusesFor(130);
    await enrollMany(world, courseId, statuses);
    const truth = counted(statuses);
    await world.t.run((ctx) => setStudents(ctx, courseId, truth - 7));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);

    const report = await world.t.mutation(internal.migrations.recountCounters, { table: "courses", repair: true, scanSize: 25 });
    // 25 rows in this batch: the students' recount (and the reviews', for lack of budget) go on in the background.
    expect(report).toMatchObject({ checked: 1, drift: [], pending: 2, done: true });
    expect(await world.t.run((ctx) => studentCount(ctx, courseId))).toBe(truth - 7);

    await settle(world.t);
    expect(await jobs(world)).toEqual([]);
    expect(await world.t.run((ctx) => studentCount(ctx, courseId))).toBe(truth);
    expect((await world.t.run((ctx) => ctx.db.get(courseId)))?.studentCount).toBe(truth);
    expect(driftLogs(warn)).toEqual([
      JSON.stringify([{ id: courseId, field: "studentCount", expected: truth, found: truth - 7 }]),
    ]);
  });
});

describe("a recount while enrollments and reviews change", () => {
  test("counts every change exactly once, wherever the scan stands", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    const learners = await enrollMany(world, courseId, statusesFor(60));
    const reviews = await world.t.run(async (ctx) => {
      const ids: Id<"courseReviews">[] = [];
      for (const [i, learner] of learners.slice(0, 30).entries()) {
        ids.push(
          await ctx.db.insert("courseReviews", {
            courseId,
            userId: learner.userId,
            userName: "L Earner",
            rating: 1 + (i % 5),
            content: "Clear and practical",
            createdAt: Date.now(),
          }),
        );
      }
      return ids;
    });
    // Drift to repair: the repaired values show whether the scan counted the changes below right.
    const truth = await world.t.run((ctx) => recountCourse(ctx, courseId));
    await world.t.run(async (ctx) => {
      await setStudents(ctx, courseId, truth.studentCount + 4);
      await ctx.db.patch(courseId, ratingFields((truth.ratingSum ?? 0) + 5, (truth.reviewCount ?? 0) + 2));
    });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const admin = world.as.admin;
    const enrollment = (i: number) => learners[i].enrollmentId;
    const stepAll = async () => {
      for (const job of await jobs(world)) await world.t.mutation(internal.migrations.recountStep, { id: job._id, scanSize: 20 });
    };

    const report = await world.t.mutation(internal.migrations.recountCounters, { table: "courses", repair: true, scanSize: 20 });
    expect(report.pending).toBe(2);
    // The students' scan has passed the first 20 active rows; the reviews' has not started.
    await admin.mutation(api.courseEnrollments.revoke, { id: enrollment(2) }); // passed
    await admin.mutation(api.courseEnrollments.revoke, { id: enrollment(51) }); // ahead
    await admin.mutation(api.courseEnrollments.grant, { userId: learners[0].userId, courseId }); // revoked, passed
    await world.t.run(async (ctx) => markCompleted(ctx, (await ctx.db.get(enrollment(3)))!)); // passed -> ahead
    await admin.mutation(api.courseEnrollments.grant, { userId: world.ids.student, courseId }); // new, ahead
    await stepAll();
    await world.actingAs(learners[1].userId).mutation(api.courseReviews.update, { id: reviews[1], rating: 5 }); // passed
    await world.actingAs(learners[25].userId).mutation(api.courseReviews.update, { id: reviews[25], rating: 1 }); // ahead
    await world.actingAs(learners[4].userId).mutation(api.courseReviews.remove, { id: reviews[4] }); // passed
    await world.t.run(async (ctx) => markCompleted(ctx, (await ctx.db.get(enrollment(6)))!));
    await admin.mutation(api.courseEnrollments.revoke, { id: enrollment(5) }); // completed, in the completed range
    await stepAll();
    await admin.mutation(api.courseEnrollments.grant, { userId: world.ids.otherStudent, courseId });
    await admin.mutation(api.courseEnrollments.revoke, { id: enrollment(7) });
    await settle(world.t);

    expect(await jobs(world)).toEqual([]);
    const after = await world.t.run((ctx) => recountCourse(ctx, courseId));
    const course = await world.t.run((ctx) => ctx.db.get(courseId));
    expect(await world.t.run((ctx) => studentCount(ctx, courseId))).toBe(after.studentCount);
    expect(course).toMatchObject({ studentCount: after.studentCount, reviewCount: after.reviewCount, ratingSum: after.ratingSum });
    expect(course?.rating).toBe(after.rating);
    // What was found is the drift planted above, no more and no less.
    const found = driftLogs(warn).flatMap((line) => JSON.parse(line) as { field: string; expected: number; found: number }[]);
    const delta = Object.fromEntries(found.map((d) => [d.field, d.found - d.expected]));
    expect(delta).toMatchObject({ studentCount: 4, reviewCount: 2, ratingSum: 5 });
  });
});

describe("each recount transaction at real scale", () => {
  test("a batch and a full step over 9,000 learners stay under half of every Convex limit", { timeout: 120_000 }, async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    const statuses = statusesFor(9000);
    await enrollMany(world, courseId, statuses);
    await world.t.run((ctx) => setStudents(ctx, courseId, counted(statuses)));
    const metered = async <T>(run: (ctx: MutationCtx) => Promise<T>) => {
      const usage = emptyUsage();
      const result = await world.t.run((ctx) => run({ ...ctx, db: meteredDb(ctx.db, usage) } as unknown as MutationCtx));
      expect(overLimits(usage, 2), JSON.stringify(usage)).toEqual([]);
      return { result, usage };
    };

    const batch = await metered((ctx) =>
      Migrations.recountCounters(ctx, "courses", { cursor: null, size: 150 }, { repair: false, scanSize: MAX_RECOUNT_STEP }),
    );
    expect(batch.result.report.pending).toBe(2);
    expect(batch.usage.docsScanned).toBeGreaterThanOrEqual(MAX_RECOUNT_STEP);
    for (const id of batch.result.continued) {
      const done = await metered(async (ctx) => step(ctx, (await ctx.db.get(id))!, MAX_RECOUNT_STEP));
      expect(done.result.drift).toEqual([]);
    }
    expect(await jobs(world)).toEqual([]);
  });

  test("a batch of 150 courses stays under half of every limit", { timeout: 120_000 }, async () => {
    const world = await setup();
    for (let i = 0; i < 150; i++) {
      const courseId = await insertCourse(world.t, world.ids.instructor);
      await enrollMany(world, courseId, ["active"]);
      await world.t.run((ctx) => setStudents(ctx, courseId, 1));
    }
    const usage = emptyUsage();
    const result = await world.t.run((ctx) =>
      Migrations.recountCounters({ ...ctx, db: meteredDb(ctx.db, usage) } as unknown as MutationCtx, "courses", { cursor: null, size: 150 }, {
        repair: true,
        scanSize: MAX_RECOUNT_STEP,
      }),
    );
    expect(result.report).toMatchObject({ checked: 150, drift: [], pending: 0 });
    expect(overLimits(usage, 2), JSON.stringify(usage)).toEqual([]);
  });
});
