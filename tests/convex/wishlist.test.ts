import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { expectAllowed, expectCode, insertCourse, seededWorld, setup, type World } from "./fixtures";

const USERS = ["student", "otherStudent", "instructor", "otherInstructor", "admin"] as const;
const page = { numItems: 10, cursor: null };
const wishlistRows = (world: World) => world.t.run((ctx) => ctx.db.query("wishlist").collect());
const publicCourse = (world: World) => insertCourse(world.t, world.ids.instructor);

describe("wishlist:add and remove", () => {
  test("adds once; adding again returns the existing row", async () => {
    const world = await setup();
    const courseId = await publicCourse(world);
    const first = await world.as.student.mutation(api.wishlist.add, { courseId });
    expect(first).toMatchObject({ userId: world.ids.student, courseId });
    const again = await world.as.student.mutation(api.wishlist.add, { courseId });
    expect(again._id).toBe(first._id);
    await world.as.otherStudent.mutation(api.wishlist.add, { courseId });
    expect(await wishlistRows(world)).toHaveLength(2);
  });

  test("remove deletes only the caller's row and says whether it was there", async () => {
    const world = await setup();
    const courseId = await publicCourse(world);
    await world.as.student.mutation(api.wishlist.add, { courseId });
    await world.as.otherStudent.mutation(api.wishlist.add, { courseId });
    expect(await world.as.student.mutation(api.wishlist.remove, { courseId })).toBe(true);
    expect(await world.as.student.mutation(api.wishlist.remove, { courseId })).toBe(false);
    expect((await wishlistRows(world)).map((row) => row.userId)).toEqual([world.ids.otherStudent]);
  });

  test("a course the caller cannot see is NOT_FOUND and nothing is written", async () => {
    const world = await setup();
    const draft = await insertCourse(world.t, world.ids.instructor, { visibility: "draft" });
    await expectCode(world.as.student.mutation(api.wishlist.add, { courseId: draft }), "NOT_FOUND");
    expect(await wishlistRows(world)).toHaveLength(0);
    const gone = await publicCourse(world);
    await world.t.run((ctx) => ctx.db.delete(gone));
    await expectCode(world.as.student.mutation(api.wishlist.add, { courseId: gone }), "NOT_FOUND");
    expect(await world.as.instructor.mutation(api.wishlist.add, { courseId: draft })).toMatchObject({ courseId: draft });
  });

  test("signed-in users only", async () => {
    const seeded = seededWorld(publicCourse);
    await expectAllowed(USERS, (client) => client.mutation(api.wishlist.add, { courseId: seeded.value() }), seeded.prepare);
    await expectAllowed(
      USERS,
      (client) => client.mutation(api.wishlist.remove, { courseId: seeded.value() }),
      seeded.prepare,
    );
  });
});

describe("wishlist:contains and listMine", () => {
  test("each user sees only their own wishlist, paginated", async () => {
    const world = await setup();
    const first = await publicCourse(world);
    const second = await publicCourse(world);
    await world.as.student.mutation(api.wishlist.add, { courseId: first });
    await world.as.student.mutation(api.wishlist.add, { courseId: second });
    await world.as.otherStudent.mutation(api.wishlist.add, { courseId: second });
    expect(await world.as.student.query(api.wishlist.contains, { courseId: first })).toBe(true);
    expect(await world.as.otherStudent.query(api.wishlist.contains, { courseId: first })).toBe(false);
    const mine = await world.as.student.query(api.wishlist.listMine, { paginationOpts: page });
    expect(mine.page.map((row) => row.courseId).sort()).toEqual([first, second].sort());
    const paged = await world.as.student.query(api.wishlist.listMine, { paginationOpts: { numItems: 1, cursor: null } });
    expect(paged.page).toHaveLength(1);
    expect(paged.isDone).toBe(false);
    const theirs = await world.as.otherStudent.query(api.wishlist.listMine, { paginationOpts: page });
    expect(theirs.page.map((row) => row.courseId)).toEqual([second]);
  });

  test("signed-in users only", async () => {
    const seeded = seededWorld(publicCourse);
    await expectAllowed(
      USERS,
      (client) => client.query(api.wishlist.contains, { courseId: seeded.value() }),
      seeded.prepare,
    );
    await expectAllowed(USERS, (client) => client.query(api.wishlist.listMine, { paginationOpts: page }));
  });
});
