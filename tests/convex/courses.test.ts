import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import {
  createCourseWithCurriculum,
  expectAllowed,
  expectCode,
  insertEnrollment,
  seededWorld,
  settle,
  setup,
  useScheduler,
  type Client,
  type TestConvex,
  type World,
} from "./fixtures";

useScheduler();

const page = { numItems: 20, cursor: null };
const ALL = ["anonymous", "student", "otherStudent", "instructor", "otherInstructor", "admin", "service"] as const;
const EDITORS = ["instructor", "admin", "service"] as const;
const draft = { title: "Botox Foundations", description: "Safe neurotoxin practice", category: "botox" };

const createDraft = (client: Client, overrides = {}) => client.mutation(api.courses.create, { ...draft, ...overrides });
const rows = <T extends "courses" | "courseTags" | "courseModules" | "lessons" | "quizQuestions">(
  t: TestConvex,
  table: T,
) => t.run((ctx) => ctx.db.query(table).collect());
const courseOf = (t: TestConvex, id: Id<"courses">) => t.run((ctx) => ctx.db.get(id));

/** `courseTags` mirror the course's tags and visibility; `searchText` is title + description + tags. */
async function expectDerivedInStep(t: TestConvex, courseId: Id<"courses">): Promise<void> {
  const course = (await courseOf(t, courseId)) as Doc<"courses">;
  const tagRows = await t.run((ctx) =>
    ctx.db
      .query("courseTags")
      .withIndex("by_course", (q) => q.eq("courseId", courseId))
      .collect(),
  );
  expect(tagRows.map((row) => row.tag).sort()).toEqual([...course.tags].sort());
  expect(tagRows.every((row) => row.visibility === course.visibility)).toBe(true);
  expect(course.searchText).toBe([course.title, course.description, ...course.tags].join(" "));
}

/** A published course with its curriculum, built in each fresh world. */
const published = seededWorld((world) => createCourseWithCurriculum(world));
/** A draft course with a curriculum (ready to publish). */
const unpublished = seededWorld((world) => createCourseWithCurriculum(world, { publish: false }));

describe("the course wizard (SDK tour)", () => {
  test("draft, curriculum, publish, anonymous outline and catalog", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world, { price: 49900, tags: ["Neurotoxins", "anatomy "] });
    const full = await world.as.anonymous.query(api.courses.getWithCurriculum, { id: ids.courseId });
    expect(full?.modules.map((m) => m.title)).toEqual(["Anatomy"]);
    expect(full?.modules[0].lessons.map((l) => l.title)).toEqual(["Facial muscles", "Check yourself"]);
    expect(full?.modules[0].lessons.every((l) => l.content === undefined)).toBe(true);
    expect(full).toMatchObject({
      visibility: "public",
      lessonCount: 2,
      tags: ["neurotoxins", "anatomy"],
      canLearn: false,
    });
    const catalog = await world.as.anonymous.query(api.courses.list, { category: "botox", paginationOpts: page });
    expect(catalog.page.map((c) => c._id)).toEqual([ids.courseId]);
  });
});

describe("courses:create", () => {
  test("a draft owned by the calling instructor, with normalized tags and derived fields", async () => {
    const { as, ids, t } = await setup();
    const course = await createDraft(as.instructor, {
      category: " Botox ",
      level: "beginner",
      price: 49900,
      tags: [" Neurotoxins", "anatomy", "NEUROTOXINS", "facial  anatomy"],
      certificateEnabled: true,
      whatYouWillLearn: ["Dosing"],
    });
    expect(course).toMatchObject({
      instructorId: ids.instructor,
      visibility: "draft",
      category: "botox",
      tags: ["neurotoxins", "anatomy", "facial anatomy"],
      certificateEnabled: true,
      discussionEnabled: false,
      lessonCount: 0,
      studentCount: 0,
      reviewCount: 0,
      whatYouWillLearn: ["Dosing"],
    });
    await expectDerivedInStep(t, course._id);
  });

  test.each([
    ["title", { title: "  " }],
    ["title", { title: "x".repeat(201) }],
    ["description", { description: "" }],
    ["category", { category: "cooking" }],
    ["price", { price: -1 }],
    ["price", { price: 10.5 }],
    ["price", { price: 100_000_001 }],
    ["tags", { tags: ["ok", " "] }],
    ["tags", { tags: ["x".repeat(41)] }],
    ["tags", { tags: Array.from({ length: 21 }, (_, i) => `tag${i}`) }],
    ["thumbnailUrl", { thumbnailUrl: "javascript:alert(1)" }],
    ["duration", { duration: "x".repeat(101) }],
    ["whatYouWillLearn", { whatYouWillLearn: ["Dosing", ""] }],
    ["requirements", { requirements: Array.from({ length: 31 }, () => "RN licence") }],
  ])("rejects a bad %s and writes nothing", async (field, overrides) => {
    const { as, t } = await setup();
    const error = await createDraft(as.instructor, overrides).catch((e: unknown) => e);
    expect(error).toMatchObject({ data: { code: "VALIDATION", field } });
    expect(await rows(t, "courses")).toHaveLength(0);
    expect(await rows(t, "courseTags")).toHaveLength(0);
  });

  test("empty optional texts are left out", async () => {
    const { as } = await setup();
    const course = await createDraft(as.instructor, { duration: " ", thumbnailUrl: "", longDescription: "" });
    expect(course).not.toHaveProperty("duration");
    expect(course).not.toHaveProperty("thumbnailUrl");
    expect(course).not.toHaveProperty("longDescription");
  });

  test("a student cannot create a course and nothing is written (the tour's error example)", async () => {
    const { as, t } = await setup();
    await expectCode(createDraft(as.student, { title: "Mine", description: "x" }), "FORBIDDEN");
    expect(await rows(t, "courses")).toHaveLength(0);
  });

  test("the same idempotency key twice writes once", async () => {
    const { as, t } = await setup();
    const first = await createDraft(as.instructor, { tags: ["a"], idempotencyKey: "k" });
    const again = await createDraft(as.instructor, { tags: ["a"], idempotencyKey: "k" });
    expect(again._id).toBe(first._id);
    expect(await rows(t, "courses")).toHaveLength(1);
    expect(await rows(t, "courseTags")).toHaveLength(1);
  });

  test("instructors only", async () => {
    await expectAllowed(["instructor", "otherInstructor"], (client) => createDraft(client));
  });
});

describe("courses:update", () => {
  test("edits fields and keeps tags rows and searchText in step; empty optional text removes it", async () => {
    const { as, t } = await setup();
    const course = await createDraft(as.instructor, { tags: ["a", "b"], thumbnailUrl: "https://img.example/c.png" });
    const updated = await as.instructor.mutation(api.courses.update, {
      id: course._id,
      title: "Advanced Botox",
      tags: ["B", "c"],
      thumbnailUrl: "",
      price: 0,
    });
    expect(updated).toMatchObject({ title: "Advanced Botox", tags: ["b", "c"], price: 0 });
    expect(updated.thumbnailUrl).toBeUndefined();
    await expectDerivedInStep(t, course._id);
  });

  test("rejects bad fields and writes nothing", async () => {
    const { as, t } = await setup();
    const course = await createDraft(as.instructor, { tags: ["a"] });
    await expectCode(
      as.instructor.mutation(api.courses.update, { id: course._id, tags: ["b"], price: -5 }),
      "VALIDATION",
    );
    await expectCode(as.instructor.mutation(api.courses.update, { id: course._id, category: "cars" }), "VALIDATION");
    expect(await courseOf(t, course._id)).toEqual(course);
    await expectDerivedInStep(t, course._id);
  });

  test("NOT_FOUND for a missing course", async () => {
    const { as, t } = await setup();
    const course = await createDraft(as.instructor);
    await t.run((ctx) => ctx.db.delete(course._id));
    await expectCode(as.admin.mutation(api.courses.update, { id: course._id, title: "X" }), "NOT_FOUND");
  });

  test("the course's instructor, admins and the service", async () => {
    await expectAllowed(
      EDITORS,
      (client) => client.mutation(api.courses.update, { id: published.value().courseId, title: "New title" }),
      published.prepare,
    );
  });
});

describe("courses:publish, unpublish, archive", () => {
  test("publishing needs a lesson", async () => {
    const { as, t } = await setup();
    const course = await createDraft(as.instructor, { tags: ["a"] });
    await expectCode(as.instructor.mutation(api.courses.publish, { id: course._id }), "INVALID_STATE");
    expect((await courseOf(t, course._id))?.visibility).toBe("draft");
  });

  test("publish makes it public (tags follow); unpublish takes it out of the catalog", async () => {
    const world = await setup();
    const { courseId } = await createCourseWithCurriculum(world, { publish: false, tags: ["anatomy"] });
    const course = await world.as.instructor.mutation(api.courses.publish, { id: courseId });
    expect(course.visibility).toBe("public");
    expect(course.publishedAt).toBeTypeOf("number");
    await expectDerivedInStep(world.t, courseId);
    const hidden = await world.as.instructor.mutation(api.courses.unpublish, { id: courseId, visibility: "draft" });
    expect(hidden.visibility).toBe("draft");
    expect(hidden.publishedAt).toBe(course.publishedAt);
    await expectDerivedInStep(world.t, courseId);
    expect((await world.as.anonymous.query(api.courses.list, { paginationOpts: page })).page).toHaveLength(0);
    expect(
      (await world.as.anonymous.query(api.courses.listByTag, { tag: "anatomy", paginationOpts: page })).page,
    ).toHaveLength(0);
  });

  test("archive leaves the catalog but keeps enrolled students' access; publishing brings it back", async () => {
    const world = await setup();
    const { courseId } = await createCourseWithCurriculum(world, { tags: ["anatomy"] });
    await insertEnrollment(world.t, world.ids.student, courseId);
    const archived = await world.as.instructor.mutation(api.courses.archive, { id: courseId });
    expect(archived).toMatchObject({ visibility: "private" });
    expect(archived.archivedAt).toBeTypeOf("number");
    await expectDerivedInStep(world.t, courseId);
    expect(await world.as.anonymous.query(api.courses.get, { id: courseId })).toBeNull();
    expect((await world.as.anonymous.query(api.courses.list, { paginationOpts: page })).page).toHaveLength(0);
    const full = await world.as.student.query(api.courses.getWithCurriculum, { id: courseId });
    expect(full?.canLearn).toBe(true);
    const back = await world.as.instructor.mutation(api.courses.publish, { id: courseId });
    expect(back.visibility).toBe("public");
    expect(back.archivedAt).toBeUndefined();
  });

  test("the course's instructor, admins and the service", async () => {
    await expectAllowed(
      EDITORS,
      (client) => client.mutation(api.courses.publish, { id: unpublished.value().courseId }),
      unpublished.prepare,
    );
    await expectAllowed(
      EDITORS,
      (client) => client.mutation(api.courses.unpublish, { id: published.value().courseId, visibility: "private" }),
      published.prepare,
    );
    await expectAllowed(
      EDITORS,
      (client) => client.mutation(api.courses.archive, { id: published.value().courseId }),
      published.prepare,
    );
  });
});

describe("courses:remove", () => {
  test("deletes a never-enrolled course with its curriculum and tags", async () => {
    const world = await setup();
    const { courseId } = await createCourseWithCurriculum(world, { tags: ["a", "b"] });
    const other = await createCourseWithCurriculum(world, { tags: ["a"] });
    await world.as.instructor.mutation(api.courses.remove, { id: courseId });
    // Gone for readers at once; its rows go in scheduled batches.
    expect(await world.as.instructor.query(api.courses.get, { id: courseId })).toBeNull();
    expect(await courseOf(world.t, courseId)).toMatchObject({ visibility: "draft", deletingAt: expect.any(Number) });
    expect((await rows(world.t, "courseTags")).every((row) => row.courseId === other.courseId)).toBe(true);
    await expectCode(world.as.instructor.mutation(api.courses.remove, { id: courseId }), "NOT_FOUND");
    await settle(world.t);
    expect(await courseOf(world.t, courseId)).toBeNull();
    for (const table of ["courseTags", "courseModules", "lessons", "quizQuestions"] as const) {
      const left = (await rows(world.t, table)) as { courseId: Id<"courses"> }[];
      expect(left.every((row) => row.courseId === other.courseId)).toBe(true);
      expect(left.length).toBeGreaterThan(0);
    }
  });

  test("refused once anyone ever enrolled (even if revoked): archive instead; nothing is deleted", async () => {
    const world = await setup();
    const { courseId } = await createCourseWithCurriculum(world, { tags: ["a"] });
    await insertEnrollment(world.t, world.ids.student, courseId, "revoked");
    const error = await world.as.instructor.mutation(api.courses.remove, { id: courseId }).catch((e: unknown) => e);
    expect(error).toMatchObject({ data: { code: "INVALID_STATE", message: expect.stringMatching(/archive/) } });
    expect(await courseOf(world.t, courseId)).not.toBeNull();
    expect(await rows(world.t, "lessons")).toHaveLength(2);
    expect(await rows(world.t, "courseTags")).toHaveLength(1);
  });

  test("refused while a purchase points at the course", async () => {
    const world = await setup();
    const { courseId } = await createCourseWithCurriculum(world, { price: 100 });
    await world.t.run((ctx) =>
      ctx.db.insert("purchases", {
        userId: world.ids.student,
        courseId,
        amount: 100,
        currency: "usd",
        status: "expired",
        createdAt: 1,
        expiresAt: 2,
      }),
    );
    await expectCode(world.as.admin.mutation(api.courses.remove, { id: courseId }), "INVALID_STATE");
  });

  test("the course's instructor, admins and the service", async () => {
    await expectAllowed(
      EDITORS,
      (client) => client.mutation(api.courses.remove, { id: published.value().courseId }),
      published.prepare,
    );
  });
});

describe("courses:get and courses:getWithCurriculum", () => {
  test("public courses for anyone; drafts only for editors; null when missing", async () => {
    const world = await setup();
    const pub = await createCourseWithCurriculum(world);
    const hidden = await createCourseWithCurriculum(world, { publish: false });
    for (const role of ALL) {
      const client = world.as[role];
      expect((await client.query(api.courses.get, { id: pub.courseId }))?._id).toBe(pub.courseId);
      const seen = await client.query(api.courses.get, { id: hidden.courseId });
      expect(seen === null, role).toBe(!(EDITORS as readonly string[]).includes(role));
    }
    await world.t.run((ctx) => ctx.db.delete(pub.courseId));
    expect(await world.as.admin.query(api.courses.get, { id: pub.courseId })).toBeNull();
  });

  test("lesson content only for those who can learn", async () => {
    const world = await setup();
    const { courseId } = await createCourseWithCurriculum(world);
    await insertEnrollment(world.t, world.ids.student, courseId);
    for (const role of ALL) {
      const full = await world.as[role].query(api.courses.getWithCurriculum, { id: courseId });
      const learner = ["student", ...EDITORS].includes(role);
      expect(full?.canLearn, role).toBe(learner);
      expect(full?.modules[0].lessons[0].content, role).toBe(learner ? "https://video.example/1" : undefined);
    }
  });

  test("a draft's curriculum is null for the public, full for its instructor", async () => {
    const world = await setup();
    const { courseId } = await createCourseWithCurriculum(world, { publish: false });
    expect(await world.as.anonymous.query(api.courses.getWithCurriculum, { id: courseId })).toBeNull();
    expect(await world.as.otherInstructor.query(api.courses.getWithCurriculum, { id: courseId })).toBeNull();
    const mine = await world.as.instructor.query(api.courses.getWithCurriculum, { id: courseId });
    expect(mine?.modules[0].lessons).toHaveLength(2);
  });

  test("anyone may call them", async () => {
    await expectAllowed(
      ALL,
      (client) => client.query(api.courses.get, { id: published.value().courseId }),
      published.prepare,
    );
    await expectAllowed(
      ALL,
      (client) => client.query(api.courses.getWithCurriculum, { id: published.value().courseId }),
      published.prepare,
    );
  });
});

/** Three public courses (botox/beginner, botox/advanced, laser/beginner) and a botox draft. */
async function catalog(world: World) {
  const make = async (fields: Record<string, unknown>, publish = true) =>
    (await createCourseWithCurriculum(world, { publish, ...fields })).courseId;
  const botoxBasics = await make({ title: "Botox basics", tags: ["neurotoxins"] });
  const botoxAdvanced = await make({ title: "Botox mastery", tags: ["neurotoxins", "complications"] });
  await world.t.run((ctx) => ctx.db.patch(botoxAdvanced, { level: "advanced" }));
  const laser = await make({ title: "Laser resurfacing", category: "laser", tags: ["lasers"] });
  const hidden = await make({ title: "Botox draft", tags: ["neurotoxins"] }, false);
  return { botoxBasics, botoxAdvanced, laser, hidden };
}

describe("courses:list", () => {
  test("public courses only, newest first, filtered by category and/or level", async () => {
    const world = await setup();
    const c = await catalog(world);
    const list = async (args: { category?: string; level?: "beginner" | "advanced" }) =>
      (await world.as.anonymous.query(api.courses.list, { ...args, paginationOpts: page })).page.map((x) => x._id);
    expect(await list({})).toEqual([c.laser, c.botoxAdvanced, c.botoxBasics]);
    expect(await list({ category: "botox" })).toEqual([c.botoxAdvanced, c.botoxBasics]);
    expect(await list({ level: "beginner" })).toEqual([c.laser, c.botoxBasics]);
    expect(await list({ category: "botox", level: "advanced" })).toEqual([c.botoxAdvanced]);
  });

  test("pages through the catalog", async () => {
    const world = await setup();
    await catalog(world);
    const first = await world.as.anonymous.query(api.courses.list, { paginationOpts: { numItems: 2, cursor: null } });
    expect(first.page).toHaveLength(2);
    const rest = await world.as.anonymous.query(api.courses.list, {
      paginationOpts: { numItems: 2, cursor: first.continueCursor },
    });
    expect(rest.page).toHaveLength(1);
    expect(rest.isDone).toBe(true);
  });

  test("an unknown category is a VALIDATION error", async () => {
    const { as } = await setup();
    await expectCode(as.anonymous.query(api.courses.list, { category: "cooking", paginationOpts: page }), "VALIDATION");
  });

  test("anyone", async () => {
    await expectAllowed(ALL, (client) => client.query(api.courses.list, { paginationOpts: page }));
  });
});

describe("courses:listByInstructor", () => {
  test("public courses for everyone else; all of them for the instructor and admins", async () => {
    const world = await setup();
    const c = await catalog(world);
    for (const role of ALL) {
      const result = await world.as[role].query(api.courses.listByInstructor, {
        instructorId: world.ids.instructor,
        paginationOpts: page,
      });
      const expected = (EDITORS as readonly string[]).includes(role) ? 4 : 3;
      expect(result.page, role).toHaveLength(expected);
      expect(
        result.page.some((x) => x._id === c.hidden),
        role,
      ).toBe(expected === 4);
    }
  });

  test("anyone", async () => {
    await expectAllowed(ALL, (client, { ids }) =>
      client.query(api.courses.listByInstructor, { instructorId: ids.instructor, paginationOpts: page }),
    );
  });
});

describe("courses:listFeatured", () => {
  test("public courses rated 4.5 or more, best first, at most `limit`", async () => {
    const world = await setup();
    const c = await catalog(world);
    const rate = (id: Id<"courses">, rating: number) => world.t.run((ctx) => ctx.db.patch(id, { rating }));
    await rate(c.botoxBasics, 4.6);
    await rate(c.botoxAdvanced, 4.9);
    await rate(c.laser, 4.4);
    await rate(c.hidden, 5);
    const featured = await world.as.anonymous.query(api.courses.listFeatured, {});
    expect(featured.map((x) => x._id)).toEqual([c.botoxAdvanced, c.botoxBasics]);
    expect(await world.as.anonymous.query(api.courses.listFeatured, { limit: 1 })).toHaveLength(1);
  });

  test("limit must be 1..50", async () => {
    const { as } = await setup();
    await expectCode(as.anonymous.query(api.courses.listFeatured, { limit: 51 }), "VALIDATION");
    await expectCode(as.anonymous.query(api.courses.listFeatured, { limit: 0 }), "VALIDATION");
  });

  test("anyone", async () => {
    await expectAllowed(ALL, (client) => client.query(api.courses.listFeatured, {}));
  });
});

describe("courses:listByTag", () => {
  test("public courses with the tag, matched after normalizing it", async () => {
    const world = await setup();
    const c = await catalog(world);
    const tagged = await world.as.anonymous.query(api.courses.listByTag, {
      tag: "  NeuroToxins ",
      paginationOpts: page,
    });
    expect(tagged.page.map((x) => x._id).sort()).toEqual([c.botoxBasics, c.botoxAdvanced].sort());
    await expectCode(world.as.anonymous.query(api.courses.listByTag, { tag: " ", paginationOpts: page }), "VALIDATION");
  });

  test("anyone", async () => {
    await expectAllowed(ALL, (client) => client.query(api.courses.listByTag, { tag: "x", paginationOpts: page }));
  });
});

describe("courses:search", () => {
  test("public courses by title, description or tag words; filters and limit", async () => {
    const world = await setup();
    const c = await catalog(world);
    const search = async (args: { query: string; category?: string; level?: "advanced"; limit?: number }) =>
      (await world.as.anonymous.query(api.courses.search, args)).map((x) => x._id);
    expect((await search({ query: "botox" })).sort()).toEqual([c.botoxBasics, c.botoxAdvanced].sort());
    expect(await search({ query: "complications" })).toEqual([c.botoxAdvanced]);
    expect(await search({ query: "neurotoxin" })).toHaveLength(3); // every description mentions it
    expect(await search({ query: "lasers", category: "laser" })).toEqual([c.laser]);
    expect(await search({ query: "botox", level: "advanced" })).toEqual([c.botoxAdvanced]);
    expect(await search({ query: "botox", limit: 1 })).toHaveLength(1);
    expect(await search({ query: "   " })).toEqual([]);
    await expectCode(world.as.anonymous.query(api.courses.search, { query: "x".repeat(201) }), "VALIDATION");
  });

  test("anyone", async () => {
    await expectAllowed(ALL, (client) => client.query(api.courses.search, { query: "botox" }));
  });
});
