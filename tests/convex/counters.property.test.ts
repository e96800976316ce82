/**
 * Property: whatever sequence of enrolments, purchases, refunds, revocations,
 * reviews, favorites, downloads, curriculum edits, course deletions and
 * discussion replies happens, every denormalized counter equals its recount
 * after EVERY step. Steps go through the real public and internal functions;
 * a step the rules reject (ConvexError) must leave everything unchanged, which
 * the same check verifies. Each step is checked twice: right after it, with its
 * scheduled work (cascade batches, rollups) still pending, where the sharded
 * student count must already be exact; and once that work ran, where the
 * rolled-up `courses.studentCount` must be too.
 */
import fc from "fast-check";
import { ConvexError } from "convex/values";
import { afterAll, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { studentCount } from "../../convex/model/counters";
import { recountCourse, recountReplies, recountResource } from "./recounts";
import { insertCourse, settle, setup, type Client, type World } from "./fixtures";

const RUNS = 50;
const STEPS = { minLength: 25, maxLength: 40 };
const LEARNERS = ["student", "otherStudent", "otherInstructor", "admin"] as const;
const COURSES = 3;
const RESOURCES = 2;

type Learner = (typeof LEARNERS)[number];
type Fixture = {
  world: World;
  courses: Id<"courses">[];
  resources: Id<"resources">[];
  threads: Id<"courseDiscussions">[];
  sessions: number;
};

const learner = fc.constantFrom(...LEARNERS);
const course = fc.nat({ max: COURSES - 1 });
const resource = fc.nat({ max: RESOURCES - 1 });
const rating = fc.integer({ min: 1, max: 5 });

// Weights favour the steps that make later steps meaningful (enrolments before reviews and
// replies) and keep course deletion, which ends a course's part in the run, rare.
const weighted = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
const step = fc.oneof(
  weighted(3, fc.record({ kind: fc.constant("enrollFree" as const), who: learner, course })),
  weighted(3, fc.record({ kind: fc.constant("buy" as const), who: learner, course })),
  weighted(2, fc.record({ kind: fc.constant("refund" as const), who: learner, course })),
  weighted(2, fc.record({ kind: fc.constant("revoke" as const), who: learner, course })),
  weighted(3, fc.record({ kind: fc.constant("grant" as const), who: learner, course })),
  weighted(4, fc.record({ kind: fc.constant("review" as const), who: learner, course, rating })),
  weighted(2, fc.record({ kind: fc.constant("editReview" as const), who: learner, course, rating })),
  weighted(2, fc.record({ kind: fc.constant("removeReview" as const), who: learner, course })),
  weighted(2, fc.record({ kind: fc.constant("completeLessons" as const), who: learner, course })),
  weighted(2, fc.record({ kind: fc.constant("favorite" as const), who: learner, resource })),
  weighted(2, fc.record({ kind: fc.constant("download" as const), who: learner, resource })),
  weighted(2, fc.record({ kind: fc.constant("addLesson" as const), course })),
  weighted(2, fc.record({ kind: fc.constant("removeLesson" as const), course })),
  weighted(1, fc.record({ kind: fc.constant("removeModule" as const), course })),
  weighted(1, fc.record({ kind: fc.constant("removeCourse" as const), course })),
  weighted(3, fc.record({ kind: fc.constant("reply" as const), who: learner, course })),
  weighted(2, fc.record({ kind: fc.constant("removeReply" as const), course })),
);
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

let stepsChecked = 0;

/** Three public courses (free, paid, free) of two lessons each, two resources, a thread per course. */
async function prepare(): Promise<Fixture> {
  const world = await setup();
  const instructor = world.as.instructor;
  const courses: Id<"courses">[] = [];
  const threads: Id<"courseDiscussions">[] = [];
  for (const price of [0, 2500, 0]) {
    const courseId = await insertCourse(world.t, world.ids.instructor, { price, certificateEnabled: price > 0 });
    const module = await instructor.mutation(api.courseModules.create, { courseId, title: "Basics" });
    for (const title of ["One", "Two"]) {
      await instructor.mutation(api.lessons.create, {
        moduleId: module._id,
        title,
        type: "video",
        content: "https://v.example/1",
      });
    }
    const thread = await instructor.mutation(api.courseDiscussions.create, {
      courseId,
      title: "Questions",
      content: "Ask here",
    });
    courses.push(courseId);
    threads.push(thread._id);
  }
  const resources: Id<"resources">[] = [];
  for (const title of ["Dilution chart", "Consent form"]) {
    const created = await instructor.mutation(api.resources.create, {
      title,
      description: "A handout",
      type: "pdf",
      url: "https://files.example/handout.pdf",
      difficulty: "beginner",
    });
    resources.push(created._id);
  }
  return { world, courses, resources, threads, sessions: 0 };
}

const enrollmentOf = (fx: Fixture, who: Learner, courseId: Id<"courses">) =>
  fx.world.t.run((ctx) =>
    ctx.db
      .query("courseEnrollments")
      .withIndex("by_user_course", (q) => q.eq("userId", fx.world.ids[who]).eq("courseId", courseId))
      .unique(),
  );

const firstRow = <T>(rows: T[]): T | undefined => rows[0];

async function run(fx: Fixture, s: Step): Promise<void> {
  const { as, t, ids } = fx.world;
  const admin: Client = as.admin;
  switch (s.kind) {
    case "enrollFree":
      await as[s.who].mutation(api.courseEnrollments.enrollFree, { courseId: fx.courses[s.course] });
      return;
    case "buy": {
      const checkout = await as[s.who].mutation(api.purchases.createCheckout, { courseId: fx.courses[s.course] });
      fx.sessions += 1;
      await t.mutation(internal.purchases.complete, { id: checkout._id, stripeCheckoutSessionId: `cs_${fx.sessions}` });
      return;
    }
    case "refund": {
      const purchase = await t.run((ctx) =>
        ctx.db
          .query("purchases")
          .withIndex("by_user_course", (q) =>
            q.eq("userId", ids[s.who]).eq("courseId", fx.courses[s.course]).eq("status", "complete"),
          )
          .first(),
      );
      if (purchase !== null) await t.mutation(internal.purchases.refund, { id: purchase._id });
      return;
    }
    case "revoke": {
      const enrollment = await enrollmentOf(fx, s.who, fx.courses[s.course]);
      if (enrollment !== null) await admin.mutation(api.courseEnrollments.revoke, { id: enrollment._id });
      return;
    }
    case "grant":
      await admin.mutation(api.courseEnrollments.grant, { userId: ids[s.who], courseId: fx.courses[s.course] });
      return;
    case "review":
      await as[s.who].mutation(api.courseReviews.create, {
        courseId: fx.courses[s.course],
        rating: s.rating,
        content: "Useful",
      });
      return;
    case "editReview":
    case "removeReview": {
      const review = await as[s.who].query(api.courseReviews.getMine, { courseId: fx.courses[s.course] });
      if (review === null) return;
      if (s.kind === "editReview")
        await as[s.who].mutation(api.courseReviews.update, { id: review._id, rating: s.rating });
      else await as[s.who].mutation(api.courseReviews.remove, { id: review._id });
      return;
    }
    case "completeLessons": {
      const lessons = await t.run((ctx) =>
        ctx.db
          .query("lessons")
          .withIndex("by_course", (q) => q.eq("courseId", fx.courses[s.course]))
          .collect(),
      );
      for (const lesson of lessons) await as[s.who].mutation(api.lessonProgress.complete, { lessonId: lesson._id });
      return;
    }
    case "favorite":
      await as[s.who].mutation(api.favorites.toggle, { resourceId: fx.resources[s.resource] });
      return;
    case "download":
      await as[s.who].mutation(api.resources.recordDownload, { id: fx.resources[s.resource] });
      return;
    case "addLesson": {
      const module = firstRow(await modulesOf(fx, s.course));
      const moduleId =
        module?._id ??
        (await as.instructor.mutation(api.courseModules.create, { courseId: fx.courses[s.course], title: "More" }))._id;
      await as.instructor.mutation(api.lessons.create, {
        moduleId,
        title: "Extra",
        type: "document",
        content: "Read me",
      });
      return;
    }
    case "removeLesson": {
      const lesson = await t.run((ctx) =>
        ctx.db
          .query("lessons")
          .withIndex("by_course", (q) => q.eq("courseId", fx.courses[s.course]))
          .first(),
      );
      if (lesson !== null) await as.instructor.mutation(api.lessons.remove, { id: lesson._id });
      return;
    }
    case "removeModule": {
      const module = firstRow(await modulesOf(fx, s.course));
      if (module !== undefined) await as.instructor.mutation(api.courseModules.remove, { id: module._id });
      return;
    }
    case "removeCourse":
      await as.instructor.mutation(api.courses.remove, { id: fx.courses[s.course] });
      return;
    case "reply":
      await as[s.who].mutation(api.courseDiscussions.create, {
        courseId: fx.courses[s.course],
        parentId: fx.threads[s.course],
        content: "Same question",
      });
      return;
    case "removeReply": {
      const reply = await t.run((ctx) =>
        ctx.db
          .query("courseDiscussions")
          .withIndex("by_parent", (q) => q.eq("parentId", fx.threads[s.course]))
          .collect(),
      );
      const live = reply.find((post) => post.deletedAt === undefined);
      if (live !== undefined) await admin.mutation(api.courseDiscussions.remove, { id: live._id });
      return;
    }
  }
}

const modulesOf = (fx: Fixture, course: number) =>
  fx.world.t.run((ctx) =>
    ctx.db
      .query("courseModules")
      .withIndex("by_course", (q) => q.eq("courseId", fx.courses[course]))
      .collect(),
  );

/** Runs a step; a rejection by the rules (ConvexError) is an allowed outcome, anything else fails. */
async function attempt(fx: Fixture, s: Step): Promise<void> {
  try {
    await run(fx, s);
  } catch (error) {
    if (!(error instanceof ConvexError)) throw error;
  }
}

/** Every denormalized counter of every row, next to its recount (absent review counters read as 0). */
async function expectCountersInStep(fx: Fixture, s: Step, settled: boolean): Promise<void> {
  const mismatches = await fx.world.t.run(async (ctx) => {
    const found: string[] = [];
    const check = (what: string, stored: unknown, expected: unknown) => {
      if (stored !== expected) found.push(`${what}: stored ${String(stored)}, recount ${String(expected)}`);
    };
    for (const course of await ctx.db.query("courses").collect()) {
      const recount = await recountCourse(ctx, course._id);
      check(`${course._id}.lessonCount`, course.lessonCount, recount.lessonCount);
      check(`${course._id}.studentCount (shards)`, await studentCount(ctx, course._id), recount.studentCount);
      if (settled) check(`${course._id}.studentCount`, course.studentCount, recount.studentCount);
      check(`${course._id}.reviewCount`, course.reviewCount ?? 0, recount.reviewCount);
      check(`${course._id}.ratingSum`, course.ratingSum ?? 0, recount.ratingSum);
      check(`${course._id}.rating`, course.rating, recount.rating);
    }
    for (const resource of await ctx.db.query("resources").collect()) {
      const recount = await recountResource(ctx, resource._id);
      check(`${resource._id}.favoriteCount`, resource.favoriteCount, recount.favoriteCount);
      check(`${resource._id}.downloadCount`, resource.downloadCount, recount.downloadCount);
    }
    for (const post of await ctx.db.query("courseDiscussions").collect()) {
      check(`${post._id}.replyCount`, post.replyCount, await recountReplies(ctx, post._id));
    }
    return found;
  });
  expect(mismatches, `after ${JSON.stringify(s)}${settled ? " and its scheduled work" : ""}`).toEqual([]);
  if (settled) stepsChecked += 1;
}

test("every denormalized counter equals its recount after every step", { timeout: 120_000 }, async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  await fc.assert(
    fc.asyncProperty(fc.array(step, STEPS), async (steps) => {
      const fx = await prepare();
      for (const s of steps) {
        await attempt(fx, s);
        await expectCountersInStep(fx, s, false);
        await settle(fx.world.t);
        await expectCountersInStep(fx, s, true);
      }
    }),
    { numRuns: RUNS },
  );
  vi.useRealTimers();
});

/**
 * Batched recounts (model/recounts.ts), one after another from a random step on, each moved one
 * row per counter after each step, so rows change on both sides of every scan: counters are
 * always exact, so when the scans end (after the scheduled work) none may report drift.
 */
test("a batched recount interleaved with the steps finds no drift", { timeout: 120_000 }, async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  const tables = ["courses", "resources", "courseDiscussions"] as const;
  await fc.assert(
    fc.asyncProperty(fc.array(step, STEPS), fc.nat({ max: STEPS.minLength - 1 }), async (steps, startAt) => {
      const fx = await prepare();
      const { t } = fx.world;
      const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
      const jobs = () => t.run((ctx) => ctx.db.query("counterRecounts").collect());
      for (const [i, s] of steps.entries()) {
        // From `startAt` on, a new recount whenever the last one has ended.
        if (i >= startAt && (await jobs()).length === 0) {
          for (const table of tables) await t.mutation(internal.migrations.recountCounters, { table, repair: false, scanSize: 1 });
        }
        await attempt(fx, s);
        for (const job of await jobs()) await t.mutation(internal.migrations.recountStep, { id: job._id, scanSize: 1 });
      }
      await settle(t);
      const drift = warn.mock.calls.filter((call) => String(call[0]).startsWith("recountCounters"));
      warn.mockRestore();
      expect(drift, JSON.stringify(steps)).toEqual([]);
      expect(await t.run((ctx) => ctx.db.query("counterRecounts").collect())).toEqual([]);
    }),
    { numRuns: 25 },
  );
  vi.useRealTimers();
});

afterAll(() => {
  // The brief's floor: at least 1,000 random steps checked in a normal run.
  expect(stepsChecked).toBeGreaterThanOrEqual(1000);
});
