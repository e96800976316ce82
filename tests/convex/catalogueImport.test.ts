import { describe, expect, test } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { MutationCtx } from "../../convex/_generated/server";
import {
  importCatalogue,
  MAX_CATALOGUE_COURSES,
  MAX_CATALOGUE_LESSONS,
  MAX_CATALOGUE_QUESTIONS,
  type CatalogueCourse,
  type CatalogueLesson,
} from "../../convex/model/catalogueImport";
import { createCourseWithCurriculum, expectCode, setup, type World } from "./fixtures";
import { emptyUsage, meteredDb, overLimits } from "./limits";

const QUESTION = {
  question: "Which muscle raises the brow?",
  options: ["Frontalis", "Procerus", "Masseter"],
  correctOption: 0,
  explanation: "The frontalis elevates the brow.",
};

/** What `createCourseWithCurriculum` makes through the per-call path, as one bulk course. */
const BOTOX: CatalogueCourse = {
  title: "Botox Foundations",
  description: "Safe neurotoxin practice",
  category: "botox",
  level: "beginner",
  publish: true,
  modules: [
    {
      title: "Anatomy",
      lessons: [
        { title: "Facial muscles", type: "video", content: "https://video.example/1", duration: 12 },
        { title: "Check yourself", type: "quiz", content: "", questions: [QUESTION] },
      ],
    },
  ],
};

const TABLES = ["courses", "courseModules", "lessons", "quizQuestions", "auditLog", "events"] as const;
// Ids and times differ between deployments; the actor too: the bulk call is the service, not the instructor
// (`actorKind` service or system), and the sequencer's `cursor` depends on when it ran.
const VOLATILE = new Set([
  "_id",
  "_creationTime",
  "createdAt",
  "updatedAt",
  "publishedAt",
  "at",
  "courseId",
  "moduleId",
  "lessonId",
  "targetId",
  "actorId",
  "actorKind",
  "cursor",
]);

/** Every catalogue row without ids or times, so two deployments compare. */
const catalogue = (world: World) =>
  world.t.run(async (ctx) => {
    const strip = (doc: Record<string, unknown>) =>
      JSON.stringify(Object.fromEntries(Object.entries(doc).filter(([key]) => !VOLATILE.has(key))));
    const out: Record<string, string[]> = {};
    for (const table of TABLES) out[table] = (await ctx.db.query(table).collect()).map(strip).sort();
    return out;
  });

const lessons = (count: number): CatalogueLesson[] =>
  Array.from({ length: count }, (_, i) => ({ title: `Lesson ${i + 1}`, type: "video" as const, content: `https://v.example/${i}` }));

describe("courses:importCatalogue", () => {
  test("makes exactly what the per-call path makes: orders, lessonCount, publication and its audit entry", async () => {
    const bulk = await setup();
    const [courseId] = await bulk.t.mutation(internal.courses.importCatalogue, {
      instructorId: bulk.ids.instructor,
      courses: [BOTOX],
    });
    const calls = await setup();
    await createCourseWithCurriculum(calls);
    expect(await catalogue(bulk)).toEqual(await catalogue(calls));
    const course = await bulk.t.run((ctx) => ctx.db.get(courseId));
    expect(course).toMatchObject({ visibility: "public", lessonCount: 2, instructorId: bulk.ids.instructor });
  });

  test("a non-instructor or a bad piece fails the whole call and writes nothing", async () => {
    const world = await setup();
    const call = (instructorId = world.ids.instructor, courses: CatalogueCourse[] = [BOTOX]) =>
      world.t.mutation(internal.courses.importCatalogue, { instructorId, courses });
    await expectCode(call(world.ids.student), "FORBIDDEN");
    const badQuestion = { ...BOTOX, modules: [{ title: "M", lessons: [{ ...BOTOX.modules[0].lessons[1], questions: [{ ...QUESTION, options: ["Only"] }] }] }] };
    await expectCode(call(world.ids.instructor, [BOTOX, badQuestion]), "VALIDATION");
    const questionOnVideo = { ...BOTOX, modules: [{ title: "M", lessons: [{ ...lessons(1)[0], questions: [QUESTION] }] }] };
    await expectCode(call(world.ids.instructor, [BOTOX, questionOnVideo]), "INVALID_STATE");
    const empty = { ...BOTOX, modules: [] };
    await expectCode(call(world.ids.instructor, [BOTOX, empty]), "INVALID_STATE");
    expect(await world.t.run(async (ctx) => (await ctx.db.query("courses").collect()).length)).toBe(0);
  });

  test("LIMIT past the courses, lessons or questions bounds, before anything is written", async () => {
    const world = await setup();
    const call = (courses: CatalogueCourse[]) =>
      world.t.mutation(internal.courses.importCatalogue, { instructorId: world.ids.instructor, courses });
    const course = (lessonCount: number): CatalogueCourse => ({ ...BOTOX, modules: [{ title: "M", lessons: lessons(lessonCount) }] });
    await expectCode(call(Array.from({ length: MAX_CATALOGUE_COURSES + 1 }, () => course(1))), "LIMIT");
    await expectCode(call([course(MAX_CATALOGUE_LESSONS / 2), course(MAX_CATALOGUE_LESSONS / 2 + 1)]), "LIMIT");
    const quiz = { title: "Quiz", type: "quiz" as const, content: "", questions: Array.from({ length: 50 }, (_, i) => ({ ...QUESTION, question: `Q${i}` })) };
    const quizzes = Math.floor(MAX_CATALOGUE_QUESTIONS / 50) + 1;
    await expectCode(call([{ ...BOTOX, modules: [{ title: "M", lessons: Array.from({ length: quizzes }, () => quiz) }] }]), "LIMIT");
    expect(await world.t.run(async (ctx) => (await ctx.db.query("courses").collect()).length)).toBe(0);
  });

  test("a call at every bound stays within half of Convex's per-transaction limits", async () => {
    const world = await setup();
    // One course holding every lesson (the content and order checks read the most), quizzes holding every question.
    const quizzes = 5;
    const quiz = (q: number) => ({
      title: `Quiz ${q}`,
      type: "quiz" as const,
      content: "",
      questions: Array.from({ length: MAX_CATALOGUE_QUESTIONS / quizzes }, (_, i) => ({ ...QUESTION, question: `Q${q}.${i}` })),
    });
    const videos = lessons(MAX_CATALOGUE_LESSONS - quizzes);
    const big: CatalogueCourse = {
      ...BOTOX,
      modules: [
        { title: "Videos", lessons: videos.slice(0, 100) },
        { title: "More", lessons: [...videos.slice(100), ...Array.from({ length: quizzes }, (_, q) => quiz(q))] },
      ],
    };
    const small = Array.from({ length: MAX_CATALOGUE_COURSES - 1 }, (_, i) => ({ ...BOTOX, title: `Course ${i}`, modules: [] }));
    const usage = emptyUsage();
    const ids = await world.t.run((ctx) =>
      importCatalogue({ ...ctx, db: meteredDb(ctx.db, usage) } as unknown as MutationCtx, world.ids.instructor, [
        big,
        ...small.map((course) => ({ ...course, publish: false })),
      ]),
    );
    expect(ids).toHaveLength(MAX_CATALOGUE_COURSES);
    expect(overLimits(usage, 2), JSON.stringify(usage)).toEqual([]);
  });
});
