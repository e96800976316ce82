import { afterEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import crons from "../../convex/crons";
import * as IdempotencyKeys from "../../convex/idempotencyKeys";
import { IDEMPOTENCY_TTL_MS } from "../../convex/model/idempotency";
import { expectCode, insertCourse, setup } from "./fixtures";

afterEach(() => {
  vi.useRealTimers();
});

describe("crons.ts", () => {
  test("schedules the five maintenance jobs", () => {
    const jobs = Object.entries(crons.crons).map(([id, job]) => [id, job.name, job.schedule.type]);
    expect(jobs).toEqual([
      ["archive old notifications", "notifications:archiveOld", "daily"],
      ["expire stale checkouts", "purchases:expireStale", "hourly"],
      ["expire certificates", "certificates:expireDue", "daily"],
      ["licence watch", "instructorApplications:notifyExpiring", "daily"],
      ["idempotency keys cleanup", "idempotencyKeys:cleanup", "daily"],
      ["prune old events", "events:prune", "daily"],
    ]);
  });
});

describe("idempotencyKeys:cleanup", () => {
  test("deletes keys older than seven days in self-continuing batches, keeping fresh ones", async () => {
    const { t } = await setup();
    const old = Date.now() - IDEMPOTENCY_TTL_MS - 1000;
    await t.run(async (ctx) => {
      for (let i = 0; i < 5; i++) {
        await ctx.db.insert("idempotencyKeys", {
          scope: "s",
          key: `old${i}`,
          argsHash: "h",
          result: null,
          createdAt: old - i,
        });
      }
      await ctx.db.insert("idempotencyKeys", {
        scope: "s",
        key: "fresh",
        argsHash: "h",
        result: null,
        createdAt: Date.now(),
      });
    });
    vi.useFakeTimers();
    expect(await t.mutation(internal.idempotencyKeys.cleanup, { batchSize: 2 })).toEqual({ processed: 2, done: false });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const left = await t.run(async (ctx) => (await ctx.db.query("idempotencyKeys").collect()).map((k) => k.key));
    expect(left).toEqual(["fresh"]);
  });

  test("a key deleted by the cleanup no longer replays: the same key writes again", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    const args = { courseId, idempotencyKey: "k" };
    const first = await world.as.student.mutation(api.courseEnrollments.enrollFree, args);
    await world.t.run(async (ctx) => {
      const key = await ctx.db.query("idempotencyKeys").unique();
      await ctx.db.patch(key!._id, { createdAt: Date.now() - IDEMPOTENCY_TTL_MS - 1 });
    });
    await world.t.mutation(internal.idempotencyKeys.cleanup, {});
    await expectCode(world.as.student.mutation(api.courseEnrollments.enrollFree, args), "CONFLICT");
    expect(first.status).toBe("active");
  });

  test("rejects a bad batch size and is internal", async () => {
    const { t } = await setup();
    await expectCode(t.mutation(internal.idempotencyKeys.cleanup, { batchSize: 5000 }), "VALIDATION");
    expect(IdempotencyKeys.cleanup.isInternal).toBe(true);
  });
});
