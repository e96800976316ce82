import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { recountCourse } from "./recounts";
import {
  completeLessons,
  expectAllowed,
  expectCode,
  insertCourse,
  insertCurriculum,
  insertEnrollment,
  insertLearningCourse,
  ROLES,
  seededWorld,
  setup,
  type World,
} from "./fixtures";

const page = { paginationOpts: { numItems: 10, cursor: null } };
const REVIEWERS = ["student", "otherStudent"] as const;

/**
 * A public course by the fixture instructor with two lessons and both students
 * enrolled: the student active with the first lesson done, the other completed.
 */
async function reviewableCourse(world: World, overrides = {}) {
  const courseId = await insertCourse(world.t, world.ids.instructor, overrides);
  const [first] = await insertCurriculum(world.t, courseId, [{}, {}]);
  await insertEnrollment(world.t, world.ids.student, courseId, "active");
  await insertEnrollment(world.t, world.ids.otherStudent, courseId, "completed");
  await completeLessons(world, world.as.student, [first]);
  return courseId;
}

const review = (world: World, courseId: Id<"courses">, rating = 5, content = "Clear and practical") =>
  world.as.student.mutation(api.courseReviews.create, { courseId, rating, content });

async function expectRatingInStep(
  world: World,
  courseId: Id<"courses">,
  expected: { rating?: number; reviewCount: number },
) {
  const [course, recount] = await world.t.run(
    async (ctx) => [await ctx.db.get(courseId), await recountCourse(ctx, courseId)] as const,
  );
  expect(course?.reviewCount ?? 0).toBe(expected.reviewCount);
  expect(course?.ratingSum ?? 0).toBe(recount.ratingSum);
  expect(course?.rating).toBe(expected.rating);
  expect(recount.rating).toBe(expected.rating);
}

describe("courseReviews:create", () => {
  test("an enrolled student reviews; name and image are copied; rating is the average", async () => {
    const world = await setup();
    await world.t.run((ctx) => ctx.db.patch(world.ids.student, { image: "https://img.example/sam.png" }));
    const courseId = await reviewableCourse(world);
    const created = await review(world, courseId, 5, "  Clear and practical ");
    expect(created).toMatchObject({
      userName: "Sam Student",
      userImage: "https://img.example/sam.png",
      rating: 5,
      content: "Clear and practical",
    });
    await expectRatingInStep(world, courseId, { rating: 5, reviewCount: 1 });
    await world.as.otherStudent.mutation(api.courseReviews.create, { courseId, rating: 2, content: "Too short" });
    await expectRatingInStep(world, courseId, { rating: 3.5, reviewCount: 2 });
    expect(await world.as.anonymous.query(api.courses.get, { id: courseId })).toMatchObject({
      rating: 3.5,
      reviewCount: 2,
    });
  });

  test("one review per user and course", async () => {
    const world = await setup();
    const courseId = await reviewableCourse(world);
    await review(world, courseId);
    await expectCode(review(world, courseId, 4), "CONFLICT");
    await expectRatingInStep(world, courseId, { rating: 5, reviewCount: 1 });
  });

  test("rating is a whole number 1..5; content is non-empty and bounded", async () => {
    const world = await setup();
    const courseId = await reviewableCourse(world);
    for (const rating of [0, 6, 4.5, -1]) await expectCode(review(world, courseId, rating), "VALIDATION");
    await expectCode(review(world, courseId, 5, "   "), "VALIDATION");
    await expectCode(review(world, courseId, 5, "x".repeat(5001)), "VALIDATION");
    await expectRatingInStep(world, courseId, { rating: undefined, reviewCount: 0 });
  });

  test("not enrolled, revoked, own course, missing course", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    await expectCode(review(world, courseId), "FORBIDDEN");
    await insertEnrollment(world.t, world.ids.student, courseId, "revoked");
    await expectCode(review(world, courseId), "FORBIDDEN");
    await insertEnrollment(world.t, world.ids.instructor, courseId, "active");
    await expectCode(
      world.as.instructor.mutation(api.courseReviews.create, { courseId, rating: 5, content: "Mine" }),
      "FORBIDDEN",
    );
    await world.t.run((ctx) => ctx.db.delete(courseId));
    await expectCode(review(world, courseId), "NOT_FOUND");
  });

  test("the review rule: a completed lesson (a quiz once passed) or a completed course", async () => {
    const world = await setup();
    const { courseId, quizId } = await insertLearningCourse(world);
    await insertEnrollment(world.t, world.ids.student, courseId, "active");
    await expectCode(review(world, courseId), "INVALID_STATE");
    // Time spent is not progress; a failed attempt is not either.
    const { videoId } = await world.t.run(async (ctx) => ({
      videoId: (await ctx.db.query("lessons").withIndex("by_type", (q) => q.eq("courseId", courseId).eq("type", "video")).unique())!._id,
    }));
    await world.as.student.mutation(api.lessonProgress.recordTime, { lessonId: videoId, seconds: 600 });
    await world.as.student.mutation(api.quizAttempts.submit, { lessonId: quizId, answers: [1] });
    await expectCode(review(world, courseId), "INVALID_STATE");
    expect(await world.t.run(async (ctx) => (await ctx.db.query("courseReviews").collect()).length)).toBe(0);
    await world.as.student.mutation(api.quizAttempts.submit, { lessonId: quizId, answers: [0] });
    expect((await review(world, courseId)).rating).toBe(5);
    // A learner whose enrollment is completed may review without progress rows.
    await insertEnrollment(world.t, world.ids.otherStudent, courseId, "completed");
    const other = await world.as.otherStudent.mutation(api.courseReviews.create, { courseId, rating: 4, content: "Ok" });
    expect(other.rating).toBe(4);
  });

  test("the same idempotency key twice writes once", async () => {
    const world = await setup();
    const courseId = await reviewableCourse(world);
    const args = { courseId, rating: 4, content: "Good", idempotencyKey: "k" };
    const first = await world.as.student.mutation(api.courseReviews.create, args);
    expect(await world.as.student.mutation(api.courseReviews.create, args)).toEqual(first);
    await expectRatingInStep(world, courseId, { rating: 4, reviewCount: 1 });
  });

  test("authorization: enrolled students", async () => {
    const seeded = seededWorld(reviewableCourse);
    await expectAllowed(
      REVIEWERS,
      (client) => client.mutation(api.courseReviews.create, { courseId: seeded.value(), rating: 5, content: "Great" }),
      seeded.prepare,
    );
  });
});

describe("courseReviews:update and remove", () => {
  test("update changes the rating and the course's average in step", async () => {
    const world = await setup();
    const courseId = await reviewableCourse(world);
    const { _id: id } = await review(world, courseId, 5);
    const updated = await world.as.student.mutation(api.courseReviews.update, {
      id,
      rating: 3,
      content: "Better on reflection",
    });
    expect(updated).toMatchObject({ rating: 3, content: "Better on reflection" });
    expect(updated.updatedAt).toBeTypeOf("number");
    await expectRatingInStep(world, courseId, { rating: 3, reviewCount: 1 });
    await expectCode(world.as.student.mutation(api.courseReviews.update, { id, rating: 7 }), "VALIDATION");
    await expectCode(world.as.student.mutation(api.courseReviews.update, { id, content: "" }), "VALIDATION");
    await expectRatingInStep(world, courseId, { rating: 3, reviewCount: 1 });
  });

  test("remove takes the review out of the average", async () => {
    const world = await setup();
    const courseId = await reviewableCourse(world);
    const { _id: id } = await review(world, courseId, 5);
    await world.as.otherStudent.mutation(api.courseReviews.create, { courseId, rating: 1, content: "Meh" });
    await world.as.student.mutation(api.courseReviews.remove, { id });
    await expectRatingInStep(world, courseId, { rating: 1, reviewCount: 1 });
    await expectCode(world.as.student.mutation(api.courseReviews.remove, { id }), "NOT_FOUND");
  });

  test("authorization: update by the author; remove by the author, admins and the service", async () => {
    const seeded = seededWorld(async (world) => (await review(world, await reviewableCourse(world)))._id);
    await expectAllowed(
      ["student"],
      (client) => client.mutation(api.courseReviews.update, { id: seeded.value(), rating: 4 }),
      seeded.prepare,
    );
    await expectAllowed(
      ["student", "admin", "service"],
      (client) => client.mutation(api.courseReviews.remove, { id: seeded.value() }),
      seeded.prepare,
    );
  });
});

describe("courseReviews:listByCourse and getMine", () => {
  test("anyone lists a public course's reviews, newest first, paginated", async () => {
    const world = await setup();
    const courseId = await reviewableCourse(world);
    await review(world, courseId, 5, "first");
    await world.as.otherStudent.mutation(api.courseReviews.create, { courseId, rating: 4, content: "second" });
    const first = await world.as.anonymous.query(api.courseReviews.listByCourse, {
      courseId,
      paginationOpts: { numItems: 1, cursor: null },
    });
    expect(first.page.map((r) => r.content)).toEqual(["second"]);
    const rest = await world.as.anonymous.query(api.courseReviews.listByCourse, {
      courseId,
      paginationOpts: { numItems: 1, cursor: first.continueCursor },
    });
    expect(rest.page.map((r) => r.content)).toEqual(["first"]);
  });

  test("anyone may list a public course's reviews", async () => {
    const seeded = seededWorld(reviewableCourse);
    await expectAllowed(
      ROLES,
      (client) => client.query(api.courseReviews.listByCourse, { courseId: seeded.value(), ...page }),
      seeded.prepare,
    );
  });

  test("a hidden course's reviews are not found for outsiders", async () => {
    const world = await setup();
    const courseId = await reviewableCourse(world, { visibility: "draft" });
    await expectCode(world.as.anonymous.query(api.courseReviews.listByCourse, { courseId, ...page }), "NOT_FOUND");
    expect((await world.as.instructor.query(api.courseReviews.listByCourse, { courseId, ...page })).page).toEqual([]);
    expect((await world.as.student.query(api.courseReviews.listByCourse, { courseId, ...page })).page).toEqual([]);
  });

  test("getMine returns the caller's review or null", async () => {
    const world = await setup();
    const courseId = await reviewableCourse(world);
    expect(await world.as.student.query(api.courseReviews.getMine, { courseId })).toBeNull();
    const created = await review(world, courseId);
    expect(await world.as.student.query(api.courseReviews.getMine, { courseId })).toEqual(created);
    expect(await world.as.otherStudent.query(api.courseReviews.getMine, { courseId })).toBeNull();
    const seeded = seededWorld(reviewableCourse);
    await expectAllowed(
      ["student", "otherStudent", "instructor", "otherInstructor", "admin"],
      (client) => client.query(api.courseReviews.getMine, { courseId: seeded.value() }),
      seeded.prepare,
    );
  });
});
