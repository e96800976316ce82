import { describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { recountReplies } from "./recounts";
import {
  expectAllowed,
  expectCode,
  insertCourse,
  insertEnrollment,
  seededWorld,
  setup,
  type TestConvex,
  type World,
} from "./fixtures";

const page = { numItems: 10, cursor: null };
const LEARNERS = ["student", "instructor", "admin"] as const;
const READERS = [...LEARNERS, "service"] as const;

/** A course taught by `instructor`, `student` enrolled, and one thread by the student. */
async function forum(world: World, discussionEnabled = true) {
  const courseId = await insertCourse(world.t, world.ids.instructor, { discussionEnabled });
  await insertEnrollment(world.t, world.ids.student, courseId);
  const threadId = await world.t.run((ctx) =>
    ctx.db.insert("courseDiscussions", {
      courseId,
      userId: world.ids.student,
      userName: "Sam Student",
      title: "Dilution?",
      content: "How many units per vial?",
      replyCount: 0,
      createdAt: 1,
      updatedAt: 1,
    }),
  );
  return { courseId, threadId };
}

const posts = (world: World) => world.t.run((ctx) => ctx.db.query("courseDiscussions").collect());

async function expectRepliesInStep(t: TestConvex, postId: Id<"courseDiscussions">): Promise<void> {
  const [post, recount] = await t.run(async (ctx) => [await ctx.db.get(postId), await recountReplies(ctx, postId)] as const);
  expect(post?.replyCount).toBe(recount);
}

describe("courseDiscussions:create", () => {
  test("threads need a title; replies bump the parent's replyCount", async () => {
    const world = await setup();
    const { courseId, threadId } = await forum(world);
    const thread = await world.as.instructor.mutation(api.courseDiscussions.create, {
      courseId,
      title: " Welcome ",
      content: " Introduce yourselves ",
    });
    expect(thread).toMatchObject({ title: "Welcome", content: "Introduce yourselves", userName: "Ines Instructor" });
    expect(thread.parentId).toBeUndefined();

    const reply = await world.as.instructor.mutation(api.courseDiscussions.create, {
      courseId,
      content: "About 2.5 ml",
      parentId: threadId,
    });
    expect(reply).toMatchObject({ parentId: threadId, replyCount: 0 });
    const nested = await world.as.student.mutation(api.courseDiscussions.create, {
      courseId,
      content: "Thanks!",
      parentId: reply._id,
    });
    expect(nested.parentId).toBe(reply._id);
    await expectRepliesInStep(world.t, threadId);
    await expectRepliesInStep(world.t, reply._id);
    expect((await world.t.run((ctx) => ctx.db.get(threadId)))?.replyCount).toBe(1);
  });

  test.each([
    ["title", { title: undefined }],
    ["title", { title: "  " }],
    ["content", { content: " " }],
    ["content", { content: "x".repeat(10_001) }],
  ])("rejects a bad %s and writes nothing", async (field, change) => {
    const world = await setup();
    const { courseId } = await forum(world);
    const call = world.as.student.mutation(api.courseDiscussions.create, { courseId, title: "T", content: "C", ...change });
    await expect(call).rejects.toMatchObject({ data: { code: "VALIDATION", field } });
    expect(await posts(world)).toHaveLength(1);
  });

  test("a reply must be in its parent's course and answer a live post", async () => {
    const world = await setup();
    const { courseId, threadId } = await forum(world);
    const other = await forum(world);
    await expectCode(
      world.as.student.mutation(api.courseDiscussions.create, { courseId: other.courseId, content: "x", parentId: threadId }),
      "VALIDATION",
    );
    await world.as.student.mutation(api.courseDiscussions.remove, { id: threadId });
    await expectCode(
      world.as.student.mutation(api.courseDiscussions.create, { courseId, content: "x", parentId: threadId }),
      "INVALID_STATE",
    );
    expect(await posts(world)).toHaveLength(2);
    await expectRepliesInStep(world.t, threadId);
  });

  test("discussions turned off: INVALID_STATE", async () => {
    const world = await setup();
    const { courseId } = await forum(world, false);
    await expectCode(
      world.as.student.mutation(api.courseDiscussions.create, { courseId, title: "T", content: "C" }),
      "INVALID_STATE",
    );
    expect(await posts(world)).toHaveLength(1);
  });

  test("the same idempotency key twice posts once", async () => {
    const world = await setup();
    const { courseId, threadId } = await forum(world);
    const args = { courseId, content: "Same", parentId: threadId, idempotencyKey: "d1" };
    const first = await world.as.student.mutation(api.courseDiscussions.create, args);
    const again = await world.as.student.mutation(api.courseDiscussions.create, args);
    expect(again._id).toBe(first._id);
    expect(await posts(world)).toHaveLength(2);
    await expectRepliesInStep(world.t, threadId);
  });

  test("those who can learn the course (enrolled students, its instructor, admins)", async () => {
    const seeded = seededWorld((world) => forum(world));
    await expectAllowed(
      LEARNERS,
      (client) =>
        client.mutation(api.courseDiscussions.create, { courseId: seeded.value().courseId, title: "T", content: "C" }),
      seeded.prepare,
    );
  });
});

describe("courseDiscussions:update", () => {
  test("the author edits their live post", async () => {
    vi.useFakeTimers();
    try {
      const world = await setup();
      const { threadId } = await forum(world);
      vi.advanceTimersByTime(5000);
      const post = await world.as.student.mutation(api.courseDiscussions.update, { id: threadId, content: " Edited " });
      expect(post).toMatchObject({ content: "Edited", title: "Dilution?" });
      expect(post.updatedAt).toBeGreaterThan(post.createdAt);
      await expectCode(world.as.student.mutation(api.courseDiscussions.update, { id: threadId, title: "" }), "VALIDATION");
      await world.as.student.mutation(api.courseDiscussions.remove, { id: threadId });
      await expectCode(
        world.as.student.mutation(api.courseDiscussions.update, { id: threadId, content: "again" }),
        "INVALID_STATE",
      );
    } finally {
      vi.useRealTimers();
    }
  });

  test("only the author", async () => {
    const seeded = seededWorld((world) => forum(world));
    await expectAllowed(
      ["student"],
      (client) => client.mutation(api.courseDiscussions.update, { id: seeded.value().threadId, content: "New" }),
      seeded.prepare,
    );
  });
});

describe("courseDiscussions:remove", () => {
  test("soft delete blanks the content and keeps the parent's replyCount in step", async () => {
    const world = await setup();
    const { courseId, threadId } = await forum(world);
    const reply = await world.as.student.mutation(api.courseDiscussions.create, { courseId, content: "r", parentId: threadId });
    await world.as.instructor.mutation(api.courseDiscussions.remove, { id: reply._id });
    const removed = await world.t.run((ctx) => ctx.db.get(reply._id));
    expect(removed).toMatchObject({ content: "" });
    expect(removed?.deletedAt).toBeTypeOf("number");
    await expectRepliesInStep(world.t, threadId);
    await world.as.admin.mutation(api.courseDiscussions.remove, { id: reply._id });
    await expectRepliesInStep(world.t, threadId);
    expect((await world.t.run((ctx) => ctx.db.get(threadId)))?.replyCount).toBe(0);
  });

  test("the author, the course's instructor and admins", async () => {
    const seeded = seededWorld((world) => forum(world));
    await expectAllowed(
      ["student", "instructor", "admin", "service"],
      (client) => client.mutation(api.courseDiscussions.remove, { id: seeded.value().threadId }),
      seeded.prepare,
    );
  });
});

describe("courseDiscussions lists and get", () => {
  test("listThreads: top-level posts newest first, paginated; listReplies: oldest first", async () => {
    vi.useFakeTimers();
    try {
      const world = await setup();
      const { courseId, threadId } = await forum(world);
      vi.advanceTimersByTime(1000);
      const newer = await world.as.instructor.mutation(api.courseDiscussions.create, { courseId, title: "B", content: "b" });
      for (const content of ["first", "second"]) {
        vi.advanceTimersByTime(1000);
        await world.as.student.mutation(api.courseDiscussions.create, { courseId, content, parentId: threadId });
      }
      const threads = await world.as.student.query(api.courseDiscussions.listThreads, { courseId, paginationOpts: page });
      expect(threads.page.map((p) => p._id)).toEqual([newer._id, threadId]);
      const one = await world.as.student.query(api.courseDiscussions.listThreads, {
        courseId,
        paginationOpts: { numItems: 1, cursor: null },
      });
      expect(one.isDone).toBe(false);
      const replies = await world.as.student.query(api.courseDiscussions.listReplies, { parentId: threadId, paginationOpts: page });
      expect(replies.page.map((p) => p.content)).toEqual(["first", "second"]);
      expect(await world.as.student.query(api.courseDiscussions.get, { id: threadId })).toMatchObject({ _id: threadId });
    } finally {
      vi.useRealTimers();
    }
  });

  test("readers: those who can learn the course (and the service)", async () => {
    const seeded = seededWorld((world) => forum(world));
    await expectAllowed(
      READERS,
      (client) => client.query(api.courseDiscussions.listThreads, { courseId: seeded.value().courseId, paginationOpts: page }),
      seeded.prepare,
    );
    await expectAllowed(
      READERS,
      (client) => client.query(api.courseDiscussions.listReplies, { parentId: seeded.value().threadId, paginationOpts: page }),
      seeded.prepare,
    );
    await expectAllowed(
      READERS,
      (client) => client.query(api.courseDiscussions.get, { id: seeded.value().threadId }),
      seeded.prepare,
    );
  });
});
