/**
 * Read paths that read every lesson of a course stay inside Convex's read limits at the most a
 * course may hold: MAX_CONTENT_PER_COURSE characters of lesson content (model/curriculum.ts),
 * which lessons:create and lessons:update refuse to exceed. Metered with tests/convex/limits.ts.
 */
import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { MutationCtx } from "../../convex/_generated/server";
import { lessonDrift } from "../../convex/model/recounts";
import { MAX_CONTENT_PER_COURSE } from "../../convex/model/curriculum";
import { courseProgress } from "../../convex/model/progress";
import { createCourseWithCurriculum, expectCode, setup, type World } from "./fixtures";
import { CONVEX_LIMITS, emptyUsage, meteredDb, overLimits } from "./limits";

const LESSON_CONTENT = 99_999;
const FILLER_LESSONS = 40;

/** Fills the course's module with FILLER_LESSONS lessons of LESSON_CONTENT characters each. */
async function fillCourse(world: World, courseId: Id<"courses">, moduleId: Id<"courseModules">): Promise<void> {
  await world.t.run(async (ctx) => {
    const now = Date.now();
    for (let i = 0; i < FILLER_LESSONS; i++) {
      await ctx.db.insert("lessons", {
        moduleId,
        courseId,
        title: `Reading ${i}`,
        type: "document",
        content: "é".repeat(LESSON_CONTENT),
        order: 2 + i,
        createdAt: now,
        updatedAt: now,
      });
    }
    const course = (await ctx.db.get(courseId))!;
    await ctx.db.patch(courseId, { lessonCount: course.lessonCount + FILLER_LESSONS });
  });
}

const contentOf = (world: World, courseId: Id<"courses">) =>
  world.t.run(async (ctx) => {
    const lessons = await ctx.db.query("lessons").withIndex("by_course", (q) => q.eq("courseId", courseId)).collect();
    return lessons.reduce((sum, lesson) => sum + lesson.content.length, 0);
  });

describe("a course holding the most lesson content", () => {
  test("lessons:create and lessons:update refuse more; progress and recounts read under the limits", { timeout: 120_000 }, async () => {
    const world = await setup();
    const { courseId, moduleId, videoId } = await createCourseWithCurriculum(world);
    await fillCourse(world, courseId, moduleId);
    const room = MAX_CONTENT_PER_COURSE - (await contentOf(world, courseId));
    const lesson = { moduleId, title: "Last one", type: "document" as const };

    await expectCode(world.as.instructor.mutation(api.lessons.create, { ...lesson, content: "x".repeat(room + 1) }), "LIMIT");
    await expectCode(world.as.instructor.mutation(api.lessons.update, { id: videoId, content: "x".repeat(room + 30) }), "LIMIT");
    expect(await contentOf(world, courseId)).toBe(MAX_CONTENT_PER_COURSE - room);
    await world.as.instructor.mutation(api.lessons.create, { ...lesson, content: "x".repeat(room) });
    expect(await contentOf(world, courseId)).toBe(MAX_CONTENT_PER_COURSE);

    await world.as.admin.mutation(api.courseEnrollments.grant, { userId: world.ids.student, courseId });
    const reads: ((ctx: MutationCtx) => Promise<unknown>)[] = [
      (ctx) => courseProgress(ctx, world.ids.student, courseId),
      async (ctx) => lessonDrift(ctx, (await ctx.db.get(courseId))!, false),
    ];
    for (const read of reads) {
      const usage = emptyUsage();
      await world.t.run((ctx) => read({ ...ctx, db: meteredDb(ctx.db, usage) } as unknown as MutationCtx));
      // "é" is 2 bytes of UTF-8: about 8 MB of content, read once.
      expect(usage.bytesRead).toBeGreaterThan(2 * (MAX_CONTENT_PER_COURSE - room));
      expect(usage.bytesRead).toBeLessThan(CONVEX_LIMITS.bytesRead);
      expect(overLimits(usage), JSON.stringify(usage)).toEqual([]);
    }
  });
});
