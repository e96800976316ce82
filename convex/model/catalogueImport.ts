/**
 * Bulk catalogue (`courses:importCatalogue`, the service only): one instructor's
 * courses with their modules, lessons and quiz questions in one transaction, for
 * imports and the demo seed (`doctrina seed`). Each piece goes through the rules
 * of its own call (`courses:create`, `courseModules:create`, `lessons:create`,
 * `quizQuestions:create`, then `courses:publish` when asked), so orders,
 * `lessonCount`, the content bounds and the audit trail are what those calls make.
 * One bad piece fails the call and writes nothing.
 *
 * Bounded so a call at every bound stays within half of Convex's per-transaction
 * limits: a lesson re-reads its module's lessons and the course's lessons
 * (`insertLesson`'s order and content checks), so a call's lessons read at most
 * MAX_CATALOGUE_LESSONS² / 2 documents (tests/convex/catalogueImport.test.ts meters it).
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { hasInstructorRole } from "./auth";
import * as Courses from "./courses";
import { insertLesson, insertModule, insertQuestion, type LessonInput, type QuestionInput } from "./curriculum";
import { forbidden, limit, mustGet } from "./errors";

export const MAX_CATALOGUE_COURSES = 20;
/** Lessons per call: each reads its module's and its course's lessons so far (~5 intervals, ≤ 2 × this documents). */
export const MAX_CATALOGUE_LESSONS = 100;
/** Quiz questions per call: each reads its quiz's questions so far (≤ 50). */
export const MAX_CATALOGUE_QUESTIONS = 240;

export type CatalogueQuestion = Required<Pick<QuestionInput, "question" | "options" | "correctOption">> & QuestionInput;
export type CatalogueLesson = Required<Pick<LessonInput, "title" | "type" | "content">> &
  LessonInput & { questions?: CatalogueQuestion[] };
export type CatalogueModule = { title: string; description?: string; lessons: CatalogueLesson[] };
export type CatalogueCourse = Courses.CourseInput & { modules: CatalogueModule[]; publish?: boolean };

/** Makes the courses, in order, as the instructor `instructorId`; returns their ids. */
export async function importCatalogue(
  ctx: MutationCtx,
  instructorId: Id<"users">,
  courses: CatalogueCourse[],
): Promise<Id<"courses">[]> {
  checkBounds(courses);
  const instructor = await mustGet(ctx, instructorId, "User");
  if (!hasInstructorRole(instructor)) return forbidden("Only instructors may do this");
  const ids: Id<"courses">[] = [];
  for (const course of courses) ids.push(await importCourse(ctx, instructor, course));
  return ids;
}

function checkBounds(courses: CatalogueCourse[]): void {
  const lessons = courses.flatMap((course) => course.modules.flatMap((module) => module.lessons));
  const questions = lessons.reduce((total, lesson) => total + (lesson.questions?.length ?? 0), 0);
  const bounds = [
    ["courses", courses.length, MAX_CATALOGUE_COURSES],
    ["lessons", lessons.length, MAX_CATALOGUE_LESSONS],
    ["quiz questions", questions, MAX_CATALOGUE_QUESTIONS],
  ] as const;
  for (const [what, count, max] of bounds) {
    if (count > max) limit(`At most ${max} ${what} per call, not ${count}`, { max });
  }
}

async function importCourse(ctx: MutationCtx, instructor: Doc<"users">, input: CatalogueCourse): Promise<Id<"courses">> {
  const { modules, publish = false, ...fields } = input;
  const courseId = await Courses.insertCourse(ctx, instructor, fields);
  for (const { lessons, ...module } of modules) {
    const moduleId = await insertModule(ctx, courseId, module);
    const moduleDoc = await mustGet(ctx, moduleId, "Module");
    for (const { questions = [], ...lesson } of lessons) {
      // Read again for each lesson: `lessonCount` (the course's bound) grows with every one.
      const lessonId = await insertLesson(ctx, moduleDoc, await mustGet(ctx, courseId, "Course"), lesson);
      const lessonDoc = await mustGet(ctx, lessonId, "Lesson");
      for (const question of questions) await insertQuestion(ctx, lessonDoc, question);
    }
  }
  if (publish) await Courses.publish(ctx, await mustGet(ctx, courseId, "Course"));
  return courseId;
}
