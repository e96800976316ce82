/**
 * Data migrations and counter audits. Each call handles one batch of a table
 * (cursor-paginated, within Convex's per-transaction limits); the functions in
 * `migrations.ts` continue through the table via the scheduler. Each batch is
 * idempotent, so re-running a migration or a batch is always safe.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { hasAdminRole, hasInstructorRole } from "./auth";
import * as Counters from "./counters";
import { backfillQuizRow } from "./progress";
import { backfillPurchase } from "./revenue";

export type CounterTable = "courses" | "resources" | "courseDiscussions";
export type Drift = { id: string; field: string; expected: number | null; found: number | null };
type Page = { cursor: string | null; size: number };

/** The boolean roles a legacy `role` stands for; `student` is neither. */
export function rolePatch(user: Doc<"users">): Partial<Doc<"users">> | null {
  if (user.role === undefined) return null;
  return {
    isAdmin: hasAdminRole(user),
    isInstructor: hasInstructorRole(user),
    role: undefined,
    updatedAt: new Date().toISOString(),
  };
}

/**
 * `users.role` -> `isAdmin`/`isInstructor`, then `role` removed; users without `role` are untouched.
 * With `dryRun`, counts the users it would change and writes nothing.
 */
export async function usersRoleToBooleans(ctx: MutationCtx, { cursor, size }: Page, dryRun = false) {
  const batch = await ctx.db.query("users").paginate({ cursor, numItems: size });
  let updated = 0;
  for (const user of batch.page) {
    const patch = rolePatch(user);
    if (patch === null) continue;
    if (!dryRun) await ctx.db.patch(user._id, patch);
    updated++;
  }
  return {
    processed: batch.page.length,
    updated,
    done: batch.isDone,
    cursor: batch.isDone ? null : batch.continueCursor,
  };
}

// Counters stored as absent read as 0 (`rating` stays absent without reviews).
const asFound = (value: number | undefined, zeroWhenAbsent: boolean): number | null =>
  value ?? (zeroWhenAbsent ? 0 : null);

function compare(
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

async function recount(ctx: MutationCtx, table: CounterTable, doc: Doc<CounterTable>) {
  switch (table) {
    case "courses":
      return await Counters.recountCourse(ctx, doc._id as Id<"courses">);
    case "resources":
      return await Counters.recountResource(ctx, doc._id as Id<"resources">);
    case "courseDiscussions":
      return { replyCount: await Counters.recountReplies(ctx, doc._id as Id<"courseDiscussions">) };
  }
}

/**
 * The counters as stored; a course's `studentCount` is its shards' sum (the
 * field on the course lags by a rollup, which is not drift).
 */
async function storedCounters(ctx: MutationCtx, table: CounterTable, doc: Doc<CounterTable>) {
  const fields = doc as unknown as Record<string, number | undefined>;
  if (table !== "courses") return fields;
  return { ...fields, studentCount: await Counters.studentCount(ctx, doc._id as Id<"courses">) };
}

/** Writes the recounts; a course's `studentCount` through its shards (`Counters.setStudents`). */
async function write(ctx: MutationCtx, id: Id<CounterTable>, expected: Record<string, number | undefined>) {
  const { studentCount, ...fields } = expected;
  await ctx.db.patch(id, fields);
  if (studentCount !== undefined) await Counters.setStudents(ctx, id as Id<"courses">, studentCount);
}

/** Compares one batch's denormalized counters with recounts; with `repair`, writes the recounts. */
export async function recountCounters(ctx: MutationCtx, table: CounterTable, page: Page, repair: boolean) {
  const batch = await ctx.db.query(table).paginate({ cursor: page.cursor, numItems: page.size });
  const drift: Drift[] = [];
  for (const doc of batch.page) {
    const expected = await recount(ctx, table, doc);
    const found = compare(doc._id, await storedCounters(ctx, table, doc), expected);
    if (found.length > 0 && repair) await write(ctx, doc._id, expected);
    drift.push(...found);
  }
  return {
    table,
    checked: batch.page.length,
    drift,
    repaired: repair && drift.length > 0,
    done: batch.isDone,
    cursor: batch.isDone ? null : batch.continueCursor,
  };
}

/** One batch of a compliance backfill: quiz progress rows (`bestScore`, `quizAttemptId`) or purchases (revenue). */
export async function backfill(ctx: MutationCtx, table: "lessonProgress" | "purchases", { cursor, size }: Page) {
  const batch = await ctx.db.query(table).paginate({ cursor, numItems: size });
  let updated = 0;
  for (const row of batch.page) {
    const wrote =
      table === "purchases"
        ? await backfillPurchase(ctx, row as Doc<"purchases">)
        : await backfillQuizRow(ctx, row as Doc<"lessonProgress">);
    if (wrote) updated++;
  }
  return {
    processed: batch.page.length,
    updated,
    done: batch.isDone,
    cursor: batch.isDone ? null : batch.continueCursor,
  };
}
