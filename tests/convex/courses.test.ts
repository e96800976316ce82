import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { createCourseWithCurriculum, setup } from "./fixtures";

describe("the course wizard (SDK tour)", () => {
  test("draft, curriculum, publish, anonymous outline", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world, { price: 49900, tags: ["Neurotoxins", "anatomy "] });
    const full = await world.as.anonymous.query(api.courses.getWithCurriculum, { id: ids.courseId });
    expect(full?.modules.map((m) => m.title)).toEqual(["Anatomy"]);
    expect(full?.modules[0].lessons.map((l) => l.title)).toEqual(["Facial muscles", "Check yourself"]);
    expect(full?.modules[0].lessons[0].content).toBeUndefined();
    expect(full).toMatchObject({ visibility: "public", lessonCount: 2, tags: ["neurotoxins", "anatomy"], canLearn: false });
    const page = await world.as.anonymous.query(api.courses.list, { category: "botox", paginationOpts: { numItems: 10, cursor: null } });
    expect(page.page.map((c) => c._id)).toEqual([ids.courseId]);
  });
});
