import { describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Doc, TableNames } from "../../convex/_generated/dataModel";
import { PURGE_BATCH } from "../../convex/model/resources";
import { purgeDependents } from "../../convex/resources";
import {
  expectAllowed,
  expectCode,
  expectResourceCountersInStep,
  insertCourse,
  insertEnrollment,
  seededWorld,
  setup,
  type Client,
  type World,
} from "./fixtures";

const chart = {
  title: " Dilution chart ",
  description: "Units per vial",
  type: "PDF",
  url: "https://files.example/chart.pdf",
  difficulty: "beginner" as const,
  categories: [" Injection-Techniques ", "injection-techniques", "Anatomy"],
  tags: ["Dilution"],
};

const tableRows = <T extends TableNames>(world: World, table: T): Promise<Doc<T>[]> =>
  world.t.run((ctx) => ctx.db.query(table).collect());

/** A course taught by `instructor` with `student` enrolled, and a restricted resource of it. */
async function courseWorld(world: World) {
  const courseId = await insertCourse(world.t, world.ids.instructor);
  await insertEnrollment(world.t, world.ids.student, courseId);
  const restricted = await world.as.instructor.mutation(api.resources.create, { ...chart, courseId, restricted: true });
  const open = await world.as.instructor.mutation(api.resources.create, { ...chart, title: "Open guide" });
  return { courseId, restricted: restricted._id, open: open._id };
}

describe("resources:create", () => {
  test("normalizes the input, starts counters at 0 and mirrors categories", async () => {
    const world = await setup();
    const resource = await world.as.instructor.mutation(api.resources.create, chart);
    expect(resource).toMatchObject({
      title: "Dilution chart",
      type: "pdf",
      categories: ["injection-techniques", "anatomy"],
      tags: ["dilution"],
      author: "Ines Instructor",
      createdBy: world.ids.instructor,
      featured: false,
      restricted: false,
      downloadCount: 0,
      favoriteCount: 0,
      rating: 0,
      reviewCount: 0,
    });
    expect(resource.searchText).toContain("dilution");
    expect(Date.parse(resource.dateAdded)).not.toBeNaN();
    const rows = await tableRows(world, "resourceCategories");
    expect(rows.map((r) => [r.category, r.restricted]).sort()).toEqual([
      ["anatomy", false],
      ["injection-techniques", false],
    ]);
  });

  test("categories and tags may be omitted or empty", async () => {
    const { as } = await setup();
    const { categories: _c, tags: _t, ...bare } = chart;
    expect(await as.instructor.mutation(api.resources.create, bare)).toMatchObject({ categories: [], tags: [] });
    expect(await as.instructor.mutation(api.resources.create, { ...bare, categories: [], tags: [] })).toMatchObject({
      categories: [],
    });
  });

  test.each([
    ["title", { title: "  " }],
    ["description", { description: "" }],
    ["url", { url: "ftp://files.example/chart.pdf" }],
    ["url", { url: "not a url" }],
    ["categories", { categories: ["ok", " "] }],
    ["tags", { tags: ["x".repeat(51)] }],
    ["thumbnailUrl", { thumbnailUrl: "javascript:alert(1)" }],
    // The URL rule shared with users and courses: at most 2048 characters.
    ["url", { url: `https://files.example/${"x".repeat(2048)}` }],
  ])("rejects a bad %s and writes nothing", async (field, change) => {
    const world = await setup();
    const call = world.as.instructor.mutation(api.resources.create, { ...chart, ...change });
    await expect(call).rejects.toMatchObject({ data: { code: "VALIDATION", field } });
    expect(await tableRows(world, "resources")).toHaveLength(0);
    expect(await tableRows(world, "resourceCategories")).toHaveLength(0);
  });

  test("rejects an unknown difficulty (argument validator)", async () => {
    const { as } = await setup();
    const difficulty = "expert" as unknown as "beginner";
    await expect(as.instructor.mutation(api.resources.create, { ...chart, difficulty })).rejects.toThrow();
  });

  test("a restricted resource must belong to a course", async () => {
    const { as } = await setup();
    await expectCode(as.instructor.mutation(api.resources.create, { ...chart, restricted: true }), "VALIDATION");
  });

  test("only the course's editors may attach a resource to it", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    await expectCode(world.as.otherInstructor.mutation(api.resources.create, { ...chart, courseId }), "FORBIDDEN");
    const missing = await insertCourse(world.t, world.ids.admin);
    await world.t.run((ctx) => ctx.db.delete(missing));
    await expectCode(world.as.admin.mutation(api.resources.create, { ...chart, courseId: missing }), "NOT_FOUND");
    expect(await world.as.instructor.mutation(api.resources.create, { ...chart, courseId })).toMatchObject({ courseId });
  });

  test("only admins may feature a resource", async () => {
    const world = await setup();
    await expectCode(world.as.instructor.mutation(api.resources.create, { ...chart, featured: true }), "FORBIDDEN");
    expect(await tableRows(world, "resources")).toHaveLength(0);
    expect(await world.as.admin.mutation(api.resources.create, { ...chart, featured: true })).toMatchObject({
      featured: true,
      author: "Ada Admin",
    });
  });

  test("the service names the author", async () => {
    const { as } = await setup();
    await expectCode(as.service.mutation(api.resources.create, chart), "VALIDATION");
    const resource = await as.service.mutation(api.resources.create, { ...chart, author: "Doctrina" });
    expect(resource.author).toBe("Doctrina");
    expect(resource.createdBy).toBeUndefined();
  });

  test("the same idempotency key twice creates one resource", async () => {
    const world = await setup();
    const first = await world.as.instructor.mutation(api.resources.create, { ...chart, idempotencyKey: "r1" });
    const again = await world.as.instructor.mutation(api.resources.create, { ...chart, idempotencyKey: "r1" });
    expect(again._id).toBe(first._id);
    expect(await tableRows(world, "resources")).toHaveLength(1);
    expect(await tableRows(world, "resourceCategories")).toHaveLength(2);
    await expectCode(
      world.as.instructor.mutation(api.resources.create, { ...chart, title: "Other", idempotencyKey: "r1" }),
      "CONFLICT",
    );
  });

  test("instructors, admins and the service may create resources", async () => {
    await expectAllowed(["instructor", "otherInstructor", "admin", "service"], (client) =>
      client.mutation(api.resources.create, { ...chart, author: "Someone" }),
    );
  });
});

describe("resources:update", () => {
  test("keeps category rows and searchText in step", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    const { _id: id } = await world.as.instructor.mutation(api.resources.create, chart);
    const updated = await world.as.instructor.mutation(api.resources.update, {
      id,
      categories: ["Anatomy", "Safety"],
      tags: ["vials"],
      courseId,
      restricted: true,
    });
    expect(updated).toMatchObject({ categories: ["anatomy", "safety"], restricted: true, title: "Dilution chart" });
    expect(updated.searchText).toContain("vials");
    expect(updated.searchText).not.toContain("dilution ");
    const rows = await tableRows(world, "resourceCategories");
    expect(rows.map((r) => [r.category, r.restricted]).sort()).toEqual([
      ["anatomy", true],
      ["safety", true],
    ]);
  });

  test("validates like create and writes nothing when rejected", async () => {
    const world = await setup();
    const { _id: id } = await world.as.instructor.mutation(api.resources.create, chart);
    await expectCode(world.as.instructor.mutation(api.resources.update, { id, title: " " }), "VALIDATION");
    await expectCode(world.as.instructor.mutation(api.resources.update, { id, restricted: true }), "VALIDATION");
    await expectCode(
      world.as.instructor.mutation(api.resources.update, { id, categories: ["new"], featured: true }),
      "FORBIDDEN",
    );
    expect(await world.t.run((ctx) => ctx.db.get(id))).toMatchObject({ title: "Dilution chart", featured: false });
    expect(await tableRows(world, "resourceCategories")).toHaveLength(2);
    expect(await world.as.admin.mutation(api.resources.update, { id, featured: true })).toMatchObject({
      featured: true,
    });
  });

  test("the creator and admins may change a resource", async () => {
    const seeded = seededWorld(async (world) => (await world.as.instructor.mutation(api.resources.create, chart))._id);
    await expectAllowed(
      ["instructor", "admin", "service"],
      (client) => client.mutation(api.resources.update, { id: seeded.value(), title: "New" }),
      seeded.prepare,
    );
  });

  test("a missing resource is NOT_FOUND", async () => {
    const world = await setup();
    const { _id: id } = await world.as.instructor.mutation(api.resources.create, chart);
    await world.as.instructor.mutation(api.resources.remove, { id });
    await expectCode(world.as.instructor.mutation(api.resources.update, { id, title: "x" }), "NOT_FOUND");
  });
});

describe("resources:remove", () => {
  test("cascades category rows, favorites and downloads", async () => {
    const world = await setup();
    const { _id: id } = await world.as.instructor.mutation(api.resources.create, chart);
    await world.as.student.mutation(api.favorites.toggle, { resourceId: id });
    await world.as.student.mutation(api.resources.recordDownload, { id });
    await world.as.anonymous.mutation(api.resources.recordDownload, { id });
    const other = await world.as.instructor.mutation(api.resources.create, { ...chart, title: "Kept" });
    await world.as.student.mutation(api.favorites.toggle, { resourceId: other._id });

    await world.as.instructor.mutation(api.resources.remove, { id });
    expect((await tableRows(world, "resources")).map((r) => r._id)).toEqual([other._id]);
    expect((await tableRows(world, "resourceCategories")).every((r) => r.resourceId === other._id)).toBe(true);
    expect(await tableRows(world, "resourceDownloads")).toHaveLength(0);
    expect((await tableRows(world, "favorites")).map((f) => f.resourceId)).toEqual([other._id]);
    await expectResourceCountersInStep(world.t, other._id);
  });

  test("finishes purging very popular resources in follow-up transactions", async () => {
    vi.useFakeTimers();
    try {
      const world = await setup();
      const { _id: id } = await world.as.instructor.mutation(api.resources.create, chart);
      await world.t.run(async (ctx) => {
        for (let i = 0; i < PURGE_BATCH + 20; i++) {
          await ctx.db.insert("resourceDownloads", { resourceId: id, downloadedAt: i });
        }
      });
      await world.as.admin.mutation(api.resources.remove, { id });
      expect(await tableRows(world, "resourceDownloads")).toHaveLength(20);
      await world.t.finishAllScheduledFunctions(vi.runAllTimers);
      expect(await tableRows(world, "resourceDownloads")).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });

  test("purgeDependents is internal", () => {
    expect((purgeDependents as unknown as { isInternal: boolean }).isInternal).toBe(true);
  });

  test("the creator and admins may remove a resource", async () => {
    const seeded = seededWorld(async (world) => (await world.as.instructor.mutation(api.resources.create, chart))._id);
    await expectAllowed(
      ["instructor", "admin", "service"],
      (client) => client.mutation(api.resources.remove, { id: seeded.value() }),
      seeded.prepare,
    );
  });
});

describe("resources:get and recordDownload", () => {
  test("unrestricted resources are public; missing ones are null", async () => {
    const world = await setup();
    const { _id: id } = await world.as.instructor.mutation(api.resources.create, chart);
    expect(await world.as.anonymous.query(api.resources.get, { id })).toMatchObject({ _id: id });
    await world.as.instructor.mutation(api.resources.remove, { id });
    expect(await world.as.anonymous.query(api.resources.get, { id })).toBeNull();
  });

  test("restricted resources: students of the course, its creator and admins", async () => {
    const seeded = seededWorld(courseWorld);
    const allowed = ["student", "instructor", "admin", "service"] as const;
    await expectAllowed(
      allowed,
      (client) => client.query(api.resources.get, { id: seeded.value().restricted }),
      seeded.prepare,
    );
    await expectAllowed(
      allowed,
      (client) => client.mutation(api.resources.recordDownload, { id: seeded.value().restricted }),
      seeded.prepare,
    );
  });

  test("a revoked enrollment loses access", async () => {
    const world = await setup();
    const { restricted } = await courseWorld(world);
    await world.t.run(async (ctx) => {
      const rows = await ctx.db.query("courseEnrollments").collect();
      await ctx.db.patch(rows[0]._id, { status: "revoked" });
    });
    await expectCode(world.as.student.query(api.resources.get, { id: restricted }), "FORBIDDEN");
  });

  test("recordDownload counts one row per download and returns the url", async () => {
    const world = await setup();
    const { _id: id } = await world.as.instructor.mutation(api.resources.create, chart);
    expect(await world.as.anonymous.mutation(api.resources.recordDownload, { id })).toEqual({ url: chart.url });
    await world.as.student.mutation(api.resources.recordDownload, { id });
    const rows = await tableRows(world, "resourceDownloads");
    expect(rows.map((r) => r.userId)).toEqual([undefined, world.ids.student]);
    expect((await world.t.run((ctx) => ctx.db.get(id)))?.downloadCount).toBe(2);
    await expectResourceCountersInStep(world.t, id);
  });

  test("a refused download writes nothing", async () => {
    const world = await setup();
    const { restricted } = await courseWorld(world);
    await expectCode(world.as.otherStudent.mutation(api.resources.recordDownload, { id: restricted }), "FORBIDDEN");
    expect(await tableRows(world, "resourceDownloads")).toHaveLength(0);
    await expectResourceCountersInStep(world.t, restricted);
  });
});

describe("resource lists", () => {
  const page = { numItems: 10, cursor: null };
  const titles = async (call: Promise<{ page: { title: string }[] } | { title: string }[]>) => {
    const result = await call;
    return (Array.isArray(result) ? result : result.page).map((r) => r.title);
  };

  test("list: unrestricted only, newest first, paginated", async () => {
    vi.useFakeTimers();
    try {
      const world = await setup();
      await courseWorld(world);
      vi.advanceTimersByTime(1000);
      await world.as.instructor.mutation(api.resources.create, { ...chart, title: "Newest" });
      expect(await titles(world.as.anonymous.query(api.resources.list, { paginationOpts: page }))).toEqual([
        "Newest",
        "Open guide",
      ]);
      const first = await world.as.anonymous.query(api.resources.list, { paginationOpts: { numItems: 1, cursor: null } });
      expect(first.page).toHaveLength(1);
      expect(first.isDone).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  test("listByCourse: everything for those who can learn, unrestricted for the rest", async () => {
    const world = await setup();
    const { courseId, restricted, open } = await courseWorld(world);
    await world.as.instructor.mutation(api.resources.update, { id: open, courseId });
    const ids = async (client: Client) =>
      (await client.query(api.resources.listByCourse, { courseId, paginationOpts: page })).page.map((r) => r._id);
    expect(await ids(world.as.student)).toEqual([open, restricted]);
    expect(await ids(world.as.instructor)).toEqual([open, restricted]);
    expect(await ids(world.as.otherStudent)).toEqual([open]);
    expect(await ids(world.as.anonymous)).toEqual([open]);
  });

  test("listByCategory: normalized category, unrestricted only", async () => {
    const world = await setup();
    await courseWorld(world);
    const result = await world.as.anonymous.query(api.resources.listByCategory, {
      category: " ANATOMY ",
      paginationOpts: page,
    });
    expect(result.page.map((r) => r.title)).toEqual(["Open guide"]);
  });

  test("labels are normalized like course tags: inner whitespace collapsed, found the same way", async () => {
    const world = await setup();
    const resource = await world.as.instructor.mutation(api.resources.create, {
      ...chart,
      categories: ["Skin   Care"],
      tags: [" Before\tAfter "],
    });
    expect(resource).toMatchObject({ categories: ["skin care"], tags: ["before after"] });
    const result = await world.as.anonymous.query(api.resources.listByCategory, {
      category: "SKIN  care",
      paginationOpts: page,
    });
    expect(result.page.map((r) => r._id)).toEqual([resource._id]);
  });

  test("listFeatured: featured unrestricted resources, bounded limit", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.admin);
    await world.as.admin.mutation(api.resources.create, { ...chart, title: "Star", featured: true });
    await world.as.admin.mutation(api.resources.create, { ...chart, title: "Hidden", featured: true, courseId, restricted: true });
    await world.as.admin.mutation(api.resources.create, { ...chart, title: "Plain" });
    expect(await titles(world.as.anonymous.query(api.resources.listFeatured, {}))).toEqual(["Star"]);
    await expectCode(world.as.anonymous.query(api.resources.listFeatured, { limit: 0 }), "VALIDATION");
    await expectCode(world.as.anonymous.query(api.resources.listFeatured, { limit: 51 }), "VALIDATION");
  });

  test("search: unrestricted matches only; the query must not be empty", async () => {
    const world = await setup();
    await courseWorld(world);
    expect(await titles(world.as.anonymous.query(api.resources.search, { query: "dilution" }))).toEqual(["Open guide"]);
    expect(await titles(world.as.anonymous.query(api.resources.search, { query: "dilution", type: "video" }))).toEqual(
      [],
    );
    await expectCode(world.as.anonymous.query(api.resources.search, { query: " " }), "VALIDATION");
  });

  test("listMine: the caller's own resources; users only", async () => {
    const world = await setup();
    await courseWorld(world);
    await world.as.otherInstructor.mutation(api.resources.create, { ...chart, title: "Theirs" });
    const mine = await world.as.instructor.query(api.resources.listMine, { paginationOpts: page });
    expect(mine.page.map((r) => r.title).sort()).toEqual(["Dilution chart", "Open guide"]);
    await expectAllowed(
      ["student", "otherStudent", "instructor", "otherInstructor", "admin"],
      (client) => client.query(api.resources.listMine, { paginationOpts: page }),
    );
  });

  test("public lists are open to everyone", async () => {
    const seeded = seededWorld(async (world) => courseWorld(world));
    const everyone = ["anonymous", "student", "otherStudent", "instructor", "otherInstructor", "admin", "service"] as const;
    await expectAllowed(everyone, (client) => client.query(api.resources.list, { paginationOpts: page }), seeded.prepare);
    await expectAllowed(
      everyone,
      (client) => client.query(api.resources.listByCourse, { courseId: seeded.value().courseId, paginationOpts: page }),
      seeded.prepare,
    );
    await expectAllowed(everyone, (client) => client.query(api.resources.listFeatured, {}));
    await expectAllowed(everyone, (client) =>
      client.query(api.resources.listByCategory, { category: "anatomy", paginationOpts: page }),
    );
    await expectAllowed(everyone, (client) => client.query(api.resources.search, { query: "chart" }));
  });
});
