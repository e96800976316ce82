import { describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { MutationCtx } from "../../convex/_generated/server";
import {
  ARCHIVE_AFTER_MS,
  MAX_SEND_MANY,
  sendMany as sendManyRows,
  UNREAD_LIST_LIMIT,
} from "../../convex/model/notifications";
import { archiveOld, markAllReadBatch, send, sendMany } from "../../convex/notifications";
import { expectAllowed, expectCode, seededWorld, setup, type World } from "./fixtures";
import { emptyUsage, meteredDb, overLimits } from "./limits";

const page = { numItems: 10, cursor: null };
const USERS = ["student", "otherStudent", "instructor", "otherInstructor", "admin"] as const;
const DAY = 24 * 60 * 60 * 1000;

/** Inserts `count` notifications for `userId`, one millisecond apart, ending at `until`. */
async function insertNotifications(
  world: World,
  userId: Id<"users">,
  count: number,
  { until = Date.now(), read = false } = {},
): Promise<Id<"notifications">[]> {
  return await world.t.run(async (ctx) => {
    const ids = [];
    for (let i = 0; i < count; i++) {
      ids.push(
        await ctx.db.insert("notifications", {
          userId,
          type: "announcement",
          title: `N${i}`,
          description: "d",
          read,
          createdAt: until - (count - 1 - i),
        }),
      );
    }
    return ids;
  });
}

const rows = (world: World) => world.t.run((ctx) => ctx.db.query("notifications").collect());

describe("notifications:send (internal)", () => {
  const message = { type: "message" as const, title: " Welcome ", description: "Glad to have you", link: "/courses" };

  test("creates an unread notification with validated fields", async () => {
    const world = await setup();
    const note = await world.t.mutation(internal.notifications.send, { ...message, userId: world.ids.student });
    expect(note).toMatchObject({ userId: world.ids.student, title: "Welcome", read: false, type: "message" });
    expect(note.createdAt).toBeTypeOf("number");
  });

  test.each([
    ["title", { title: " " }],
    ["description", { description: "" }],
    ["link", { link: "javascript:alert(1)" }],
    ["link", { link: "courses" }],
  ])("rejects a bad %s and writes nothing", async (field, change) => {
    const world = await setup();
    const call = world.t.mutation(internal.notifications.send, { ...message, ...change, userId: world.ids.student });
    await expect(call).rejects.toMatchObject({ data: { code: "VALIDATION", field } });
    expect(await rows(world)).toHaveLength(0);
  });

  test("rejects an unknown type (argument validator) and an unknown user", async () => {
    const world = await setup();
    const type = "spam" as unknown as "message";
    await expect(world.t.mutation(internal.notifications.send, { ...message, type, userId: world.ids.student })).rejects.toThrow();
    await world.t.run((ctx) => ctx.db.delete(world.ids.otherStudent));
    await expectCode(world.t.mutation(internal.notifications.send, { ...message, userId: world.ids.otherStudent }), "NOT_FOUND");
    expect(await rows(world)).toHaveLength(0);
  });

  test("the same idempotency key twice sends once", async () => {
    const world = await setup();
    const args = { ...message, userId: world.ids.student, idempotencyKey: "n1" };
    const first = await world.t.mutation(internal.notifications.send, args);
    const again = await world.t.mutation(internal.notifications.send, args);
    expect(again._id).toBe(first._id);
    expect(await rows(world)).toHaveLength(1);
  });

  test("send, sendMany, markAllReadBatch and archiveOld are internal", () => {
    for (const fn of [send, sendMany, markAllReadBatch, archiveOld]) {
      expect((fn as unknown as { isInternal: boolean }).isInternal).toBe(true);
    }
  });
});

describe("notifications:sendMany (internal)", () => {
  const message = { type: "announcement" as const, title: " Welcome ", description: "Glad to have you", link: "/dashboard" };

  test("sends each row, checked as send checks it, and returns the ids in order", async () => {
    const world = await setup();
    const users = [world.ids.student, world.ids.otherStudent, world.ids.student];
    const ids = await world.t.mutation(internal.notifications.sendMany, {
      rows: users.map((userId) => ({ ...message, userId })),
    });
    const sent = await world.t.run((ctx) => Promise.all(ids.map((id) => ctx.db.get(id))));
    expect(sent.map((note) => note?.userId)).toEqual(users);
    expect(sent.every((note) => note?.title === "Welcome" && note.read === false)).toBe(true);
  });

  test("one bad row (text, link or user) fails the call and writes nothing", async () => {
    const world = await setup();
    await world.t.run((ctx) => ctx.db.delete(world.ids.otherStudent));
    const good = { ...message, userId: world.ids.student };
    for (const bad of [{ ...good, title: " " }, { ...good, link: "javascript:alert(1)" }, { ...good, userId: world.ids.otherStudent }]) {
      const call = world.t.mutation(internal.notifications.sendMany, { rows: [good, good, bad] });
      await expect(call).rejects.toMatchObject({ data: { code: expect.stringMatching(/VALIDATION|NOT_FOUND/) } });
    }
    expect(await rows(world)).toHaveLength(0);
  });

  test(`more than ${MAX_SEND_MANY} rows is LIMIT and writes nothing`, async () => {
    const world = await setup();
    const rowsOver = Array.from({ length: MAX_SEND_MANY + 1 }, () => ({ ...message, userId: world.ids.student }));
    await expectCode(world.t.mutation(internal.notifications.sendMany, { rows: rowsOver }), "LIMIT");
    expect(await rows(world)).toHaveLength(0);
  });

  test("the same idempotency key twice sends once", async () => {
    const world = await setup();
    const args = { rows: [{ ...message, userId: world.ids.student }], idempotencyKey: "welcome-1" };
    const first = await world.t.mutation(internal.notifications.sendMany, args);
    expect(await world.t.mutation(internal.notifications.sendMany, args)).toEqual(first);
    expect(await rows(world)).toHaveLength(1);
  });

  test("a full call of the longest rows stays within a quarter of Convex's limits", async () => {
    const world = await setup();
    const longest = { ...message, title: "T".repeat(200), description: "D".repeat(2000), userId: world.ids.student };
    const usage = emptyUsage();
    const ids = await world.t.run((ctx) =>
      sendManyRows(
        { ...ctx, db: meteredDb(ctx.db, usage) } as unknown as MutationCtx,
        Array.from({ length: MAX_SEND_MANY }, () => longest),
      ),
    );
    expect(ids).toHaveLength(MAX_SEND_MANY);
    expect(overLimits(usage, 4), JSON.stringify(usage)).toEqual([]);
  });
});

describe("notifications:list, listUnread and unreadCount", () => {
  test("each user reads only their own, newest first", async () => {
    const world = await setup();
    const mine = await insertNotifications(world, world.ids.student, 3);
    await insertNotifications(world, world.ids.otherStudent, 2);
    await world.as.student.mutation(api.notifications.markRead, { id: mine[2] });

    const all = await world.as.student.query(api.notifications.list, { paginationOpts: page });
    expect(all.page.map((n) => n._id)).toEqual([...mine].reverse());
    const unread = await world.as.student.query(api.notifications.list, { unreadOnly: true, paginationOpts: page });
    expect(unread.page.map((n) => n._id)).toEqual([mine[1], mine[0]]);
    const first = await world.as.student.query(api.notifications.list, { paginationOpts: { numItems: 2, cursor: null } });
    expect(first.isDone).toBe(false);
    expect((await world.as.student.query(api.notifications.listUnread, {})).map((n) => n._id)).toEqual([mine[1], mine[0]]);
    expect(await world.as.student.query(api.notifications.unreadCount, {})).toBe(2);
    expect(await world.as.otherStudent.query(api.notifications.unreadCount, {})).toBe(2);
  });

  test("listUnread returns the newest 100 unread", async () => {
    const world = await setup();
    const ids = await insertNotifications(world, world.ids.student, UNREAD_LIST_LIMIT + 5);
    const unread = await world.as.student.query(api.notifications.listUnread, {});
    expect(unread).toHaveLength(UNREAD_LIST_LIMIT);
    expect(unread[0]._id).toBe(ids[ids.length - 1]);
    expect(await world.as.student.query(api.notifications.unreadCount, {})).toBe(UNREAD_LIST_LIMIT + 5);
  });

  test("signed-in users only (the service acts as a user)", async () => {
    await expectAllowed(USERS, (client) => client.query(api.notifications.list, { paginationOpts: page }));
    await expectAllowed(USERS, (client) => client.query(api.notifications.listUnread, {}));
    await expectAllowed(USERS, (client) => client.query(api.notifications.unreadCount, {}));
  });
});

describe("notifications:markRead and markAllRead", () => {
  test("markRead: own only; another user's notification is NOT_FOUND and stays unread", async () => {
    const world = await setup();
    const [id] = await insertNotifications(world, world.ids.student, 1);
    for (const role of ["otherStudent", "instructor", "admin"] as const) {
      await expectCode(world.as[role].mutation(api.notifications.markRead, { id }), "NOT_FOUND");
    }
    await expectCode(world.as.anonymous.mutation(api.notifications.markRead, { id }), "UNAUTHENTICATED");
    await expectCode(world.as.service.mutation(api.notifications.markRead, { id }), "FORBIDDEN");
    expect((await rows(world))[0].read).toBe(false);
    await world.as.student.mutation(api.notifications.markRead, { id });
    await world.as.student.mutation(api.notifications.markRead, { id });
    expect((await rows(world))[0].read).toBe(true);
  });

  test("markAllRead marks only the caller's, in batches", async () => {
    vi.useFakeTimers();
    try {
      const world = await setup();
      await insertNotifications(world, world.ids.student, 520);
      await insertNotifications(world, world.ids.otherStudent, 3);
      expect(await world.as.student.mutation(api.notifications.markAllRead, {})).toBe(500);
      expect(await world.as.student.query(api.notifications.unreadCount, {})).toBe(20);
      await world.t.finishAllScheduledFunctions(vi.runAllTimers);
      expect(await world.as.student.query(api.notifications.unreadCount, {})).toBe(0);
      expect(await world.as.otherStudent.query(api.notifications.unreadCount, {})).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  test("markAllRead: signed-in users", async () => {
    await expectAllowed(USERS, (client) => client.mutation(api.notifications.markAllRead, {}));
  });

  test("markRead: the owner only", async () => {
    const seeded = seededWorld((world) => insertNotifications(world, world.ids.student, 1));
    const results: string[] = [];
    for (const role of ["anonymous", ...USERS, "service"] as const) {
      const world = await seeded.prepare();
      const [id] = seeded.value();
      const outcome = await world.as[role].mutation(api.notifications.markRead, { id }).then(
        () => "ok",
        (e: { data?: { code: string } }) => e.data?.code ?? "error",
      );
      results.push(`${role}:${outcome}`);
    }
    expect(results).toEqual([
      "anonymous:UNAUTHENTICATED",
      "student:ok",
      "otherStudent:NOT_FOUND",
      "instructor:NOT_FOUND",
      "otherInstructor:NOT_FOUND",
      "admin:NOT_FOUND",
      "service:FORBIDDEN",
    ]);
  });
});

describe("notifications:archiveOld (cron)", () => {
  test("moves notifications older than 90 days, batched, rescheduling itself", async () => {
    vi.useFakeTimers();
    try {
      const world = await setup();
      const old = await insertNotifications(world, world.ids.student, 5, { until: Date.now() - ARCHIVE_AFTER_MS - DAY });
      const recent = await insertNotifications(world, world.ids.student, 2, { until: Date.now() - ARCHIVE_AFTER_MS + DAY });
      const first = await world.t.mutation(internal.notifications.archiveOld, { batchSize: 2 });
      expect(first).toEqual({ processed: 2, done: false });
      await world.t.finishAllScheduledFunctions(vi.runAllTimers);
      expect((await rows(world)).map((n) => n._id)).toEqual(recent);
      const archived = await world.t.run((ctx) => ctx.db.query("archivedNotifications").collect());
      expect(archived).toHaveLength(old.length);
      expect(archived[0]).toMatchObject({ userId: world.ids.student, title: "N0", read: false });
      expect(archived[0].archivedAt).toBeTypeOf("number");
      expect(await world.t.mutation(internal.notifications.archiveOld, {})).toEqual({ processed: 0, done: true });
    } finally {
      vi.useRealTimers();
    }
  });

  test("rejects a bad batch size", async () => {
    const world = await setup();
    await expectCode(world.t.mutation(internal.notifications.archiveOld, { batchSize: 0 }), "VALIDATION");
  });
});
