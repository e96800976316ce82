import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import {
  expectAllowed,
  expectCode,
  expectResourceCountersInStep,
  insertCourse,
  insertEnrollment,
  seededWorld,
  setup,
  type World,
} from "./fixtures";

const guide = {
  title: "Dilution chart",
  description: "Units per vial",
  type: "pdf",
  url: "https://files.example/chart.pdf",
  difficulty: "beginner" as const,
};
const page = { numItems: 10, cursor: null };
const USERS = ["student", "otherStudent", "instructor", "otherInstructor", "admin"] as const;

const createGuide = async (world: World, extra: Partial<typeof guide> & { courseId?: Id<"courses">; restricted?: boolean } = {}) =>
  (await world.as.instructor.mutation(api.resources.create, { ...guide, ...extra }))._id;

const favoriteRows = (world: World) => world.t.run((ctx) => ctx.db.query("favorites").collect());

describe("favorites:toggle", () => {
  test("true when it now is a favorite, false when removed; the counter follows", async () => {
    const world = await setup();
    const resourceId = await createGuide(world);
    expect(await world.as.student.mutation(api.favorites.toggle, { resourceId })).toBe(true);
    await expectResourceCountersInStep(world.t, resourceId);
    expect(await world.as.otherStudent.mutation(api.favorites.toggle, { resourceId })).toBe(true);
    expect((await world.t.run((ctx) => ctx.db.get(resourceId)))?.favoriteCount).toBe(2);
    expect(await world.as.student.mutation(api.favorites.toggle, { resourceId })).toBe(false);
    await expectResourceCountersInStep(world.t, resourceId);
    expect((await favoriteRows(world)).map((f) => f.userId)).toEqual([world.ids.otherStudent]);
  });

  test("one row per user and resource, and the same key twice toggles once", async () => {
    const world = await setup();
    const resourceId = await createGuide(world);
    expect(await world.as.student.mutation(api.favorites.toggle, { resourceId, idempotencyKey: "f1" })).toBe(true);
    expect(await world.as.student.mutation(api.favorites.toggle, { resourceId, idempotencyKey: "f1" })).toBe(true);
    expect(await favoriteRows(world)).toHaveLength(1);
    await expectResourceCountersInStep(world.t, resourceId);
    expect(await world.as.student.mutation(api.favorites.toggle, { resourceId, idempotencyKey: "f2" })).toBe(false);
    expect(await favoriteRows(world)).toHaveLength(0);
  });

  test("a restricted resource can be favorited only by those who may read it; refusals write nothing", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    await insertEnrollment(world.t, world.ids.student, courseId);
    const resourceId = await createGuide(world, { courseId, restricted: true });
    await expectCode(world.as.otherStudent.mutation(api.favorites.toggle, { resourceId }), "FORBIDDEN");
    expect(await favoriteRows(world)).toHaveLength(0);
    await expectResourceCountersInStep(world.t, resourceId);
    expect(await world.as.student.mutation(api.favorites.toggle, { resourceId })).toBe(true);
  });

  test("a missing resource is NOT_FOUND", async () => {
    const world = await setup();
    const resourceId = await createGuide(world);
    await world.as.instructor.mutation(api.resources.remove, { id: resourceId });
    await expectCode(world.as.student.mutation(api.favorites.toggle, { resourceId }), "NOT_FOUND");
  });

  test("signed-in users only (the service acts as a user)", async () => {
    const seeded = seededWorld(createGuide);
    await expectAllowed(
      USERS,
      (client) => client.mutation(api.favorites.toggle, { resourceId: seeded.value() }),
      seeded.prepare,
    );
  });
});

describe("favorites:listMine and isFavorite", () => {
  test("each user sees only their own favorites, with the resource", async () => {
    const world = await setup();
    const first = await createGuide(world);
    const second = await createGuide(world, { title: "Second" });
    await world.as.student.mutation(api.favorites.toggle, { resourceId: first });
    await world.as.student.mutation(api.favorites.toggle, { resourceId: second });
    await world.as.otherStudent.mutation(api.favorites.toggle, { resourceId: second });

    const mine = await world.as.student.query(api.favorites.listMine, { paginationOpts: page });
    expect(mine.page.map((f) => f.resource?.title).sort()).toEqual(["Dilution chart", "Second"]);
    expect(mine.page.every((f) => f.userId === world.ids.student)).toBe(true);
    const theirs = await world.as.otherStudent.query(api.favorites.listMine, { paginationOpts: page });
    expect(theirs.page.map((f) => f.resourceId)).toEqual([second]);
    const paged = await world.as.student.query(api.favorites.listMine, { paginationOpts: { numItems: 1, cursor: null } });
    expect(paged.isDone).toBe(false);

    expect(await world.as.student.query(api.favorites.isFavorite, { resourceId: first })).toBe(true);
    expect(await world.as.otherStudent.query(api.favorites.isFavorite, { resourceId: first })).toBe(false);
  });

  test("a resource no longer readable shows as null", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    const enrollment = await insertEnrollment(world.t, world.ids.student, courseId);
    const resourceId = await createGuide(world, { courseId, restricted: true });
    await world.as.student.mutation(api.favorites.toggle, { resourceId });
    await world.t.run((ctx) => ctx.db.patch(enrollment, { status: "revoked" }));
    const mine = await world.as.student.query(api.favorites.listMine, { paginationOpts: page });
    expect(mine.page).toMatchObject([{ resourceId, resource: null }]);
  });

  test("signed-in users only", async () => {
    const seeded = seededWorld(createGuide);
    await expectAllowed(USERS, (client) => client.query(api.favorites.listMine, { paginationOpts: page }));
    await expectAllowed(
      USERS,
      (client) => client.query(api.favorites.isFavorite, { resourceId: seeded.value() }),
      seeded.prepare,
    );
  });
});
