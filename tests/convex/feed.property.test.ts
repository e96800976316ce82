/**
 * Property: over any sequence of enrolments, grants, revocations, lesson
 * completions, quiz attempts, certificate revocations and expiry dates, role
 * changes and course publishing, each step adds exactly the audit entries its state changes call
 * for (a model of the rules predicts them), in order, each with exactly one
 * event of the matching type; a refused or no-op call adds none (also one
 * refused after its record was written: an expiry date before the issue date). Once the
 * sequencer ran, the feed's cursors are 1..n in creation order, and a consumer
 * resuming from any cursor, page by page, reads exactly the events after it.
 * A consumer that reads between the steps (while events may still be pending)
 * and resumes from its saved cursor each time sees every event exactly once.
 */
import fc from "fast-check";
import { ConvexError } from "convex/values";
import { expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { EVENT_OF } from "../../convex/model/audit";
import type { AuditAction } from "../../convex/validators";
import { insertLearningCourse, settle, setup, useScheduler, type World } from "./fixtures";

useScheduler();

const RUNS = 25;
const DAY_MS = 24 * 60 * 60 * 1000;
const LEARNERS = ["student", "otherStudent"] as const;
type Learner = (typeof LEARNERS)[number];
type Enrollment = "none" | "active" | "completed" | "revoked";
type Learning = { enrollment: Enrollment; video: boolean; quiz: boolean; certificate: "none" | "valid" | "revoked" };
type Course = { courseId: Id<"courses">; videoId: Id<"lessons">; quizId: Id<"lessons">; published: boolean };
type Consumer = { cursor: number; seen: number[] };
type Fixture = { world: World; courses: Course[]; learning: Map<string, Learning>; consumer: Consumer };

// Skewed towards one learner and one course, so that their steps add up to completions.
const who = fc.oneof({ weight: 3, arbitrary: fc.constant(LEARNERS[0]) }, { weight: 1, arbitrary: fc.constant(LEARNERS[1]) });
const course = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) });
/** Weighted towards learning, so that runs reach completed courses and certificates to revoke or expire. */
const step = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("enrollFree" as const), who, course }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("grant" as const), who, course }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("revoke" as const), who, course }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("video" as const), who, course }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("quiz" as const), who, course, correct: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("revokeCertificate" as const), who, course }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("setExpiry" as const), who, course, expiry: fc.constantFrom("later", "beforeIssue", "clear") }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("setRoles" as const), who, isInstructor: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("publish" as const), course }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("archive" as const), course }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("refused" as const), who, course }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("sequence" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("consume" as const) }) },
);
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

async function prepare(): Promise<Fixture> {
  const world = await setup();
  const courses: Course[] = [];
  for (let i = 0; i < 2; i++) {
    courses.push({ ...(await insertLearningCourse(world, { certificateEnabled: true })), published: true });
  }
  return { world, courses, learning: new Map(), consumer: { cursor: 0, seen: [] } };
}

function learningOf(fx: Fixture, learner: Learner, course: number): Learning {
  const key = `${learner}/${course}`;
  const found = fx.learning.get(key) ?? { enrollment: "none", video: false, quiz: false, certificate: "none" };
  fx.learning.set(key, found);
  return found;
}

const hasAccess = (l: Learning) => l.enrollment === "active" || l.enrollment === "completed";

/** The model's completion rule: an active enrollment with every lesson done completes, and earns a certificate once. */
function completion(l: Learning): AuditAction[] {
  if (l.enrollment !== "active" || !l.video || !l.quiz) return [];
  l.enrollment = "completed";
  if (l.certificate !== "none") return ["courseEnrollments.complete"];
  l.certificate = "valid";
  return ["courseEnrollments.complete", "certificates.issue"];
}

/** What the step should record, by the model; updates the model. */
function expected(fx: Fixture, s: Step): AuditAction[] {
  if (s.kind === "sequence" || s.kind === "consume" || s.kind === "refused") return [];
  if (s.kind === "setRoles") return ["users.setRoles"];
  if (s.kind === "publish" || s.kind === "archive") {
    fx.courses[s.course].published = s.kind === "publish";
    return [s.kind === "publish" ? "courses.publish" : "courses.archive"];
  }
  const l = learningOf(fx, s.who, s.course);
  switch (s.kind) {
    case "enrollFree":
      if (!fx.courses[s.course].published || l.enrollment !== "none") return [];
      l.enrollment = "active";
      return ["courseEnrollments.enroll"];
    case "grant":
      if (hasAccess(l)) return [];
      l.enrollment = "active";
      return ["courseEnrollments.grant", ...completion(l)];
    case "revoke":
      if (!hasAccess(l)) return [];
      l.enrollment = "revoked";
      return ["courseEnrollments.revoke"];
    case "video":
      if (!hasAccess(l) || l.video) return [];
      l.video = true;
      return ["lessonProgress.complete", ...completion(l)];
    case "quiz":
      if (!hasAccess(l)) return [];
      if (!s.correct || l.quiz) return ["quizAttempts.submit"];
      l.quiz = true;
      return ["quizAttempts.submit", "lessonProgress.complete", ...completion(l)];
    case "revokeCertificate":
      if (l.certificate !== "valid") return [];
      l.certificate = "revoked";
      return ["certificates.revoke"];
    case "setExpiry":
      return l.certificate === "valid" && s.expiry !== "beforeIssue" ? ["certificates.setExpiry"] : [];
  }
}

async function enrollmentId(fx: Fixture, learner: Learner, courseId: Id<"courses">) {
  const userId = fx.world.ids[learner];
  return await fx.world.t.run(
    async (ctx) =>
      (
        await ctx.db
          .query("courseEnrollments")
          .withIndex("by_user_course", (q) => q.eq("userId", userId).eq("courseId", courseId))
          .unique()
      )?._id ?? null,
  );
}

async function certificateId(fx: Fixture, learner: Learner, courseId: Id<"courses">) {
  const userId = fx.world.ids[learner];
  return await fx.world.t.run(
    async (ctx) =>
      (
        await ctx.db
          .query("certificates")
          .withIndex("by_user_course", (q) => q.eq("userId", userId).eq("courseId", courseId))
          .unique()
      )?._id ?? null,
  );
}

async function run(fx: Fixture, s: Step): Promise<void> {
  const { as, ids, t } = fx.world;
  if (s.kind === "sequence") return await settle(t);
  if (s.kind === "consume") return await consume(fx);
  if (s.kind === "setRoles") {
    await as.admin.mutation(api.users.setRoles, { id: ids[s.who], isInstructor: s.isInstructor });
    return;
  }
  const c = fx.courses[s.course];
  if (s.kind === "publish" || s.kind === "archive") {
    await as.instructor.mutation(s.kind === "publish" ? api.courses.publish : api.courses.archive, { id: c.courseId });
    return;
  }
  const learner = as[s.who];
  switch (s.kind) {
    case "enrollFree":
      await learner.mutation(api.courseEnrollments.enrollFree, { courseId: c.courseId });
      return;
    case "grant":
      await as.admin.mutation(api.courseEnrollments.grant, { userId: ids[s.who], courseId: c.courseId });
      return;
    case "refused":
      await learner.mutation(api.courseEnrollments.grant, { userId: ids[s.who], courseId: c.courseId });
      return;
    case "revoke": {
      const id = await enrollmentId(fx, s.who, c.courseId);
      if (id !== null) await as.admin.mutation(api.courseEnrollments.revoke, { id });
      return;
    }
    case "video":
      await learner.mutation(api.lessonProgress.complete, { lessonId: c.videoId });
      return;
    case "quiz":
      await learner.mutation(api.quizAttempts.submit, { lessonId: c.quizId, answers: [s.correct ? 0 : 1] });
      return;
    case "revokeCertificate": {
      const id = await certificateId(fx, s.who, c.courseId);
      if (id !== null) await as.admin.mutation(api.certificates.revoke, { id, reason: "Audit" });
      return;
    }
    case "setExpiry": {
      const id = await certificateId(fx, s.who, c.courseId);
      if (id !== null) await as.admin.mutation(api.certificates.setExpiry, { id, expiryDate: await expiryDate(fx, id, s.expiry) });
      return;
    }
  }
}

/** A day after now, a day before the certificate's issue date (refused), or none. */
async function expiryDate(fx: Fixture, id: Id<"certificates">, expiry: "later" | "beforeIssue" | "clear") {
  if (expiry === "clear") return null;
  if (expiry === "later") return new Date(Date.now() + DAY_MS).toISOString();
  const issued = await fx.world.t.run(async (ctx) => (await ctx.db.get(id))!.issueDate);
  return new Date(Date.parse(issued) - DAY_MS).toISOString();
}

const recorded = (fx: Fixture) =>
  fx.world.t.run(async (ctx) => ({
    entries: await ctx.db.query("auditLog").collect(),
    events: await ctx.db.query("events").collect(),
  }));

async function checkStep(fx: Fixture, s: Step): Promise<void> {
  const before = await recorded(fx);
  const want = expected(fx, s);
  try {
    await run(fx, s);
  } catch (error) {
    if (!(error instanceof ConvexError)) throw error;
    expect(want, `${JSON.stringify(s)} was refused`).toEqual([]);
  }
  const after = await recorded(fx);
  const entries = after.entries.slice(before.entries.length);
  const events = after.events.slice(before.events.length);
  expect(entries.map((e) => e.action), JSON.stringify(s)).toEqual(want);
  expect(events.map((e) => [e.type, e.targetId])).toEqual(entries.map((e) => [EVENT_OF[e.action], e.targetId]));
}

/** Reads the feed from `after` in pages of 3, as a consumer that saves its cursor would. */
async function readFrom(fx: Fixture, after: number): Promise<number[]> {
  const seen: number[] = [];
  let cursor = after;
  for (;;) {
    const page = await fx.world.as.service.query(api.events.list, { after: cursor, limit: 3 });
    if (page.length === 0) return seen;
    seen.push(...page.map((e) => e.cursor));
    cursor = page[page.length - 1].cursor;
  }
}

/** The consumer reads what is numbered after its saved cursor, then saves the last cursor it handled. */
async function consume(fx: Fixture): Promise<void> {
  const read = await readFrom(fx, fx.consumer.cursor);
  fx.consumer.seen.push(...read);
  fx.consumer.cursor = read.at(-1) ?? fx.consumer.cursor;
}

test("one audit entry and one event per state change; the feed resumes exactly from any cursor", { timeout: 300_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 20, maxLength: 60 }), fc.nat(), async (steps, pick) => {
      const fx = await prepare();
      for (const s of steps) await checkStep(fx, s);
      await settle(fx.world.t);
      const { entries, events } = await recorded(fx);
      expect(events).toHaveLength(entries.length);
      expect(events.map((e) => e.cursor)).toEqual(events.map((_, i) => i + 1));
      const resumeAt = events.length === 0 ? 0 : pick % (events.length + 1);
      expect(await readFrom(fx, resumeAt)).toEqual(events.slice(resumeAt).map((e) => e.cursor));
      await consume(fx);
      expect(fx.consumer.seen).toEqual(events.map((e) => e.cursor));
    }),
    { numRuns: RUNS },
  );
});
