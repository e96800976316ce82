/**
 * Batched recounts of the denormalized counters (model/counters.ts), exact at
 * any scale and while the counted rows keep changing.
 *
 * One job (a `counterRecounts` row) per counter and target scans the target's
 * counted rows in index-key order, at most `size` per transaction, each step
 * continuing strictly after `lastKey`, the key of the last row it scanned.
 * The job holds `count`/`sum`, and keeps this invariant:
 *
 *   count (sum) = the counted rows (their weights) whose key is <= lastKey, now.
 *
 * - A step reads the rows after `lastKey` up to a new `lastKey` and adds them:
 *   in its own transaction those rows are exactly the ones between the old and
 *   the new key, so the invariant holds after it.
 * - Every mutation that changes a counted row (`noteChange`, called beside the
 *   counter's own change) reads the job and, for the row as it was and as it is
 *   now, takes out / adds it when its key is <= `lastKey`: the scan has passed
 *   that place and will not see the change. A change after `lastKey` is left to
 *   the scan, which will see the row as it then is. A row whose key moves (an
 *   enrollment going from active to completed) is both: out at the old key, in
 *   at the new one.
 * - Both read the job row and the change writes the scanned range, so Convex's
 *   serializable transactions (OCC) order every change before or after a step.
 *
 * When a step finds nothing after `lastKey`, `count` is every counted row, now:
 * the step compares it with the stored counter in the same transaction, so the
 * comparison is as exact as a one-transaction recount. Keys end with
 * `_creationTime`, distinct within a table on Convex (and on the local backend
 * and convex-test), so "after `lastKey`" leaves no row out or in twice.
 */
import type { Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { recountedCounter } from "../validators";
import * as Counters from "./counters";
import { MAX_LESSONS_PER_COURSE } from "./curriculum";

export type Counter = Infer<typeof recountedCounter>;
export type Drift = { id: string; field: string; expected: number | null; found: number | null };
type Key = (string | number)[];
type Row = { _id: string; _creationTime: number };
type Totals = { count: number; sum: number };
type Job = Doc<"counterRecounts">;

/** Rows one step reads at most (a quarter of Convex's 32,000 documents scanned per transaction). */
export const MAX_RECOUNT_STEP = 8000;

/** Keys compare as tuples; strings here are ASCII (statuses, no other), so JS order is Convex's byte order. */
function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

type Spec = {
  /** Up to `size` counted rows strictly after `lastKey` in key order. */
  next(ctx: QueryCtx, targetId: string, lastKey: Key | null, size: number): Promise<Row[]>;
  counted(row: Row): boolean;
  key(row: Row): Key;
  weight(row: Row): number;
  /** The stored counter as the recount's fields; `null` once the target is gone. */
  stored(ctx: QueryCtx, targetId: string): Promise<Record<string, number | undefined> | null>;
  expected(totals: Totals): Record<string, number | undefined>;
  write(ctx: MutationCtx, targetId: string, totals: Totals): Promise<void>;
};

/** The course, unless gone or being deleted (its purge removes the counter shards a repair would write). */
async function liveCourse(ctx: QueryCtx, targetId: string): Promise<Doc<"courses"> | null> {
  const course = await ctx.db.get(targetId as Id<"courses">);
  return course === null || course.deletingAt !== undefined ? null : course;
}

const ENROLLED = ["active", "completed"] as const;
const lastTime = (lastKey: Key | null): number => (lastKey === null ? -1 : (lastKey[lastKey.length - 1] as number));

const students: Spec = {
  async next(ctx, targetId, lastKey, size) {
    const courseId = targetId as Id<"courses">;
    const rows: Row[] = [];
    // One range per counted status, in index order: the rest of the current one, then the later ones.
    for (const status of ENROLLED) {
      if (lastKey !== null && status < (lastKey[0] as string)) continue;
      const after = lastKey !== null && status === lastKey[0] ? lastTime(lastKey) : -1;
      rows.push(
        ...(await ctx.db
          .query("courseEnrollments")
          .withIndex("by_course", (q) => q.eq("courseId", courseId).eq("status", status).gt("_creationTime", after))
          .take(size - rows.length)),
      );
      if (rows.length >= size) break;
    }
    return rows;
  },
  counted: (row) => (ENROLLED as readonly string[]).includes((row as Doc<"courseEnrollments">).status),
  key: (row) => [(row as Doc<"courseEnrollments">).status, row._creationTime],
  weight: () => 0,
  async stored(ctx, targetId) {
    const course = await liveCourse(ctx, targetId);
    return course === null ? null : { studentCount: await Counters.studentCount(ctx, course._id) };
  },
  expected: ({ count }) => ({ studentCount: count }),
  write: (ctx, targetId, { count }) => Counters.setStudents(ctx, targetId as Id<"courses">, count),
};

const reviews: Spec = {
  async next(ctx, targetId, lastKey, size) {
    const courseId = targetId as Id<"courses">;
    const index = ctx.db.query("courseReviews");
    if (lastKey === null) {
      return await index.withIndex("by_course", (q) => q.eq("courseId", courseId)).take(size);
    }
    // Key (createdAt, _creationTime): the rest of the same `createdAt`, then the later ones.
    const createdAt = lastKey[0] as number;
    const same = await index
      .withIndex("by_course", (q) => q.eq("courseId", courseId).eq("createdAt", createdAt).gt("_creationTime", lastTime(lastKey)))
      .take(size);
    if (same.length >= size) return same;
    const later = await ctx.db
      .query("courseReviews")
      .withIndex("by_course", (q) => q.eq("courseId", courseId).gt("createdAt", createdAt))
      .take(size - same.length);
    return [...same, ...later];
  },
  counted: () => true,
  key: (row) => [(row as Doc<"courseReviews">).createdAt, row._creationTime],
  weight: (row) => (row as Doc<"courseReviews">).rating,
  async stored(ctx, targetId) {
    const course = await liveCourse(ctx, targetId);
    return course === null
      ? null
      : { reviewCount: course.reviewCount, ratingSum: course.ratingSum, rating: course.rating };
  },
  expected: ({ count, sum }) => Counters.ratingFields(sum, count),
  write: (ctx, targetId, { count, sum }) => ctx.db.patch(targetId as Id<"courses">, Counters.ratingFields(sum, count)),
};

/** A counter of rows by one indexed parent, keyed by `_creationTime` alone. */
function byParent(
  field: "favoriteCount" | "downloadCount",
  next: (ctx: QueryCtx, id: Id<"resources">, after: number, size: number) => Promise<Row[]>,
): Spec {
  return {
    next: (ctx, targetId, lastKey, size) => next(ctx, targetId as Id<"resources">, lastTime(lastKey), size),
    counted: () => true,
    key: (row) => [row._creationTime],
    weight: () => 0,
    async stored(ctx, targetId) {
      const resource = await ctx.db.get(targetId as Id<"resources">);
      return resource === null ? null : { [field]: resource[field] };
    },
    expected: ({ count }) => ({ [field]: count }),
    write: (ctx, targetId, { count }) => ctx.db.patch(targetId as Id<"resources">, { [field]: count }),
  };
}

const favorites = byParent("favoriteCount", (ctx, id, after, size) =>
  ctx.db
    .query("favorites")
    .withIndex("by_resource", (q) => q.eq("resourceId", id).gt("_creationTime", after))
    .take(size),
);

const downloads = byParent("downloadCount", (ctx, id, after, size) =>
  ctx.db
    .query("resourceDownloads")
    .withIndex("by_resource", (q) => q.eq("resourceId", id).gt("_creationTime", after))
    .take(size),
);

/** Direct replies not deleted: a deletion leaves the scanned range (`deletedAt` set). */
const replies: Spec = {
  next: (ctx, targetId, lastKey, size) =>
    ctx.db
      .query("courseDiscussions")
      .withIndex("by_parent_deleted", (q) =>
        q
          .eq("parentId", targetId as Id<"courseDiscussions">)
          .eq("deletedAt", undefined)
          .gt("_creationTime", lastTime(lastKey)),
      )
      .take(size),
  counted: (row) => (row as Doc<"courseDiscussions">).deletedAt === undefined,
  key: (row) => [row._creationTime],
  weight: () => 0,
  async stored(ctx, targetId) {
    const post = await ctx.db.get(targetId as Id<"courseDiscussions">);
    return post === null ? null : { replyCount: post.replyCount };
  },
  expected: ({ count }) => ({ replyCount: count }),
  write: (ctx, targetId, { count }) => ctx.db.patch(targetId as Id<"courseDiscussions">, { replyCount: count }),
};

const SPECS: Record<Counter, Spec> = { students, reviews, favorites, downloads, replies };

/** The counters recounted for each table's rows. */
export const COUNTERS_OF = {
  courses: ["students", "reviews"],
  resources: ["favorites", "downloads"],
  courseDiscussions: ["replies"],
} as const satisfies Record<string, readonly Counter[]>;

const findJob = (ctx: QueryCtx, counter: Counter, targetId: string): Promise<Job | null> =>
  ctx.db
    .query("counterRecounts")
    .withIndex("by_target", (q) => q.eq("targetId", targetId).eq("counter", counter))
    .unique();

/**
 * Keeps a running recount of `targetId` exact across a change of one counted row:
 * `before` is the row as it was (`null`: inserted), `rowId` the row, read as it is
 * now (`null` once deleted). Costs one index read when no recount runs.
 */
export async function noteChange(
  ctx: MutationCtx,
  counter: Counter,
  targetId: string,
  before: Row | null,
  rowId: Id<"courseEnrollments" | "courseReviews" | "favorites" | "resourceDownloads" | "courseDiscussions">,
): Promise<void> {
  const job = await findJob(ctx, counter, targetId);
  if (job === null || job.lastKey === null) return;
  const lastKey = job.lastKey;
  const spec = SPECS[counter];
  const after = (await ctx.db.get(rowId)) as Row | null;
  let { count, sum } = job;
  for (const [row, sign] of [
    [before, -1],
    [after, 1],
  ] as const) {
    if (row === null || !spec.counted(row) || compareKeys(spec.key(row), lastKey) > 0) continue;
    count += sign;
    sum += sign * spec.weight(row);
  }
  if (count !== job.count || sum !== job.sum) await ctx.db.patch(job._id, { count, sum });
}

/** Starts a recount of one counter of `targetId`; `null` when one is already running (it goes on). */
export async function start(ctx: MutationCtx, counter: Counter, targetId: string, repair: boolean) {
  if ((await findJob(ctx, counter, targetId)) !== null) return null;
  const id = await ctx.db.insert("counterRecounts", { counter, targetId, repair, lastKey: null, count: 0, sum: 0 });
  return (await ctx.db.get(id)) as Job;
}

// Counters stored as absent read as 0 (`rating` stays absent without reviews).
const asFound = (value: number | undefined, zeroWhenAbsent: boolean): number | null =>
  value ?? (zeroWhenAbsent ? 0 : null);

export function compare(
  id: string,
  stored: Record<string, number | undefined>,
  expected: Record<string, number | undefined>,
): Drift[] {
  return Object.entries(expected).flatMap(([field, value]) => {
    const absentIsZero = field !== "rating";
    const want = asFound(value, absentIsZero);
    const found = asFound(stored[field], absentIsZero);
    return want === found ? [] : [{ id, field, expected: want, found }];
  });
}

/**
 * One step of a job: scans up to `size` rows. Returns the rows scanned and, once
 * the scan is complete (the job is then deleted), the drift it found (repaired
 * when the job repairs); `drift` is `null` while rows remain.
 */
export async function step(ctx: MutationCtx, job: Job, size: number): Promise<{ scanned: number; drift: Drift[] | null }> {
  const spec = SPECS[job.counter];
  const rows = await spec.next(ctx, job.targetId, job.lastKey, size);
  let { count, sum } = job;
  for (const row of rows) {
    if (!spec.counted(row)) continue;
    count++;
    sum += spec.weight(row);
  }
  if (rows.length === size) {
    await ctx.db.patch(job._id, { lastKey: spec.key(rows[rows.length - 1]), count, sum });
    return { scanned: rows.length, drift: null };
  }
  await ctx.db.delete(job._id);
  const stored = await spec.stored(ctx, job.targetId);
  if (stored === null) return { scanned: rows.length, drift: [] };
  const expected = spec.expected({ count, sum });
  const drift = compare(job.targetId, stored, expected);
  if (drift.length > 0 && job.repair) await spec.write(ctx, job.targetId, { count, sum });
  return { scanned: rows.length, drift };
}

/**
 * A course's lesson count drift (repaired with `repair`): one transaction suffices, a
 * course holds at most MAX_LESSONS_PER_COURSE lessons (model/curriculum.ts).
 */
export async function lessonDrift(ctx: MutationCtx, course: Doc<"courses">, repair: boolean): Promise<Drift[]> {
  const lessons = await ctx.db
    .query("lessons")
    .withIndex("by_course", (q) => q.eq("courseId", course._id))
    .take(MAX_LESSONS_PER_COURSE + 1);
  const drift = compare(course._id, { lessonCount: course.lessonCount }, { lessonCount: lessons.length });
  if (drift.length > 0 && repair) await ctx.db.patch(course._id, { lessonCount: lessons.length });
  return drift;
}
