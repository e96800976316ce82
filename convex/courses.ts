/** `courses`: the course wizard, the publication life cycle and the catalog. Rules live in `model/courses.ts`. */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, mutation, query } from "./_generated/server";
import { canLearn } from "./model/access";
import { callerKey, canActFor, getCaller, requireInstructor } from "./model/auth";
import { listLimit, normalizeLabel, optionalText } from "./model/checks";
import * as Cascades from "./model/cascades";
import * as CatalogueImport from "./model/catalogueImport";
import * as Counters from "./model/counters";
import { requireCourseEditor, visibleCourse } from "./model/courseAccess";
import * as Courses from "./model/courses";
import { lessonsOf, lessonView, modulesOf } from "./model/curriculum";
import { invalid, mustGet } from "./model/errors";
import { idempotent } from "./model/idempotency";
import { ceCreditType, courseDoc, courseWithCurriculum, idempotencyKey, lessonInput, level, paginated, quizQuestionInput } from "./validators";

const editableFields = {
  level: v.optional(level),
  duration: v.optional(v.string()),
  price: v.optional(v.number()),
  thumbnailUrl: v.optional(v.string()),
  longDescription: v.optional(v.string()),
  tags: v.optional(v.array(v.string())),
  certificateEnabled: v.optional(v.boolean()),
  discussionEnabled: v.optional(v.boolean()),
  whatYouWillLearn: v.optional(v.array(v.string())),
  requirements: v.optional(v.array(v.string())),
  ceCreditHours: v.optional(v.number()),
  ceCreditType: v.optional(ceCreditType),
  ceAccreditationStatement: v.optional(v.string()),
};

const checkedCategory = (category: string | undefined) =>
  category === undefined ? undefined : Courses.checkCategory(category);

/**
 * Instructors: a new course, as a draft owned by the caller. CE credits:
 * `ceCreditHours` in quarter hours (0.25..100) with its `ceCreditType`, and the
 * accreditation statement printed on the certificate.
 */
export const create = mutation({
  args: { title: v.string(), description: v.string(), category: v.string(), ...editableFields, idempotencyKey },
  returns: courseDoc,
  handler: async (ctx, { idempotencyKey: key, ...input }) => {
    const caller = await requireInstructor(ctx);
    const id = await idempotent(ctx, { fn: "courses:create", caller: callerKey(caller), key, args: input }, () =>
      Courses.insertCourse(ctx, caller.user, input),
    );
    return await mustGet(ctx, id, "Course");
  },
});

const catalogueLesson = v.object({ ...lessonInput, questions: v.optional(v.array(v.object(quizQuestionInput))) });

/**
 * Bulk catalogue (service only: imports, `doctrina seed`): the instructor's new
 * courses with their modules, lessons and quiz questions, each by the rules of
 * its own call (`create` of courses, modules, lessons and questions; `publish`
 * when `publish` is true), in one transaction; returns the courses' ids in order.
 * LIMIT past 20 courses, 100 lessons or 240 questions per call
 * (model/catalogueImport.ts); one bad piece fails the call and writes nothing.
 */
export const importCatalogue = internalMutation({
  args: {
    instructorId: v.id("users"),
    courses: v.array(
      v.object({
        title: v.string(),
        description: v.string(),
        category: v.string(),
        ...editableFields,
        publish: v.optional(v.boolean()),
        modules: v.array(
          v.object({ title: v.string(), description: v.optional(v.string()), lessons: v.array(catalogueLesson) }),
        ),
      }),
    ),
  },
  returns: v.array(v.id("courses")),
  handler: async (ctx, { instructorId, courses }) => await CatalogueImport.importCatalogue(ctx, instructorId, courses),
});

/**
 * The course's instructor or admins: edits descriptive fields (not visibility or
 * counters). An empty `duration`, `thumbnailUrl`, `longDescription` or
 * `ceAccreditationStatement` removes it; `ceCreditHours: 0` removes the credits.
 */
export const update = mutation({
  args: {
    id: v.id("courses"),
    title: v.optional(v.string()),
    description: v.optional(v.string()),
    category: v.optional(v.string()),
    ...editableFields,
  },
  returns: courseDoc,
  handler: async (ctx, { id, ...changes }) => {
    const { course } = await requireCourseEditor(ctx, id);
    await Courses.updateCourse(ctx, course, changes);
    return await mustGet(ctx, id, "Course");
  },
});

/** Into the public catalog; needs at least one lesson. Also brings an archived course back. */
export const publish = mutation({
  args: { id: v.id("courses") },
  returns: courseDoc,
  handler: async (ctx, { id }) => {
    const { course } = await requireCourseEditor(ctx, id);
    await Courses.publish(ctx, course);
    return await mustGet(ctx, id, "Course");
  },
});

/** Out of the catalog, back to `private` (enrolled students keep access) or `draft`. */
export const unpublish = mutation({
  args: { id: v.id("courses"), visibility: v.union(v.literal("private"), v.literal("draft")) },
  returns: courseDoc,
  handler: async (ctx, { id, visibility }) => {
    await requireCourseEditor(ctx, id);
    await Courses.unpublish(ctx, id, visibility);
    return await mustGet(ctx, id, "Course");
  },
});

/** Retires the course: out of the catalog for good (`archivedAt`, `private`); students keep access. */
export const archive = mutation({
  args: { id: v.id("courses") },
  returns: courseDoc,
  handler: async (ctx, { id }) => {
    const { course } = await requireCourseEditor(ctx, id);
    await Courses.archive(ctx, course);
    return await mustGet(ctx, id, "Course");
  },
});

/**
 * Deletes a course nobody ever enrolled in, with its curriculum; otherwise
 * INVALID_STATE (archive it). The course reads as missing at once (`deletingAt`);
 * its rows are deleted in bounded batches by `courses:purge`.
 */
export const remove = mutation({
  args: { id: v.id("courses") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    const { course } = await requireCourseEditor(ctx, id);
    await Courses.removeCourse(ctx, course);
    await ctx.scheduler.runAfter(0, internal.courses.purge, { id });
    return null;
  },
});

/** Continues `remove`: one batch of the course's rows, then the next batch, until the course is gone. */
export const purge = internalMutation({
  args: { id: v.id("courses") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    if (!(await Cascades.purgeCourse(ctx, id))) await ctx.scheduler.runAfter(0, internal.courses.purge, { id });
    return null;
  },
});

/** A course the caller may see (public ones for everyone); null when missing or hidden. */
export const get = query({
  args: { id: v.id("courses") },
  returns: v.union(courseDoc, v.null()),
  handler: async (ctx, { id }) => await visibleCourse(ctx, await getCaller(ctx), id),
});

/** The course with its modules and lessons in order; lesson `content` only for those who can learn it. */
export const getWithCurriculum = query({
  args: { id: v.id("courses") },
  returns: v.union(courseWithCurriculum, v.null()),
  handler: async (ctx, { id }) => {
    const caller = await getCaller(ctx);
    const course = await visibleCourse(ctx, caller, id);
    if (course === null) return null;
    const learner = await canLearn(ctx, caller, course);
    const modules = [];
    for (const module of await modulesOf(ctx, id)) {
      const lessons = await lessonsOf(ctx, module._id);
      modules.push({ ...module, lessons: lessons.map((lesson) => lessonView(lesson, learner)) });
    }
    return { ...course, canLearn: learner, modules };
  },
});

/** The public catalog, newest first, optionally of one category and/or level. */
export const list = query({
  args: { category: v.optional(v.string()), level: v.optional(level), paginationOpts: paginationOptsValidator },
  returns: paginated(courseDoc),
  handler: async (ctx, { category, level, paginationOpts }) => {
    await getCaller(ctx);
    const filters = { category: checkedCategory(category), level };
    return await Courses.catalogQuery(ctx, filters).order("desc").paginate(paginationOpts);
  },
});

/** An instructor's courses: public ones for everyone, all of them for the instructor and admins. */
export const listByInstructor = query({
  args: { instructorId: v.id("users"), paginationOpts: paginationOptsValidator },
  returns: paginated(courseDoc),
  handler: async (ctx, { instructorId, paginationOpts }) => {
    const caller = await getCaller(ctx);
    const courses = ctx.db.query("courses");
    const all = canActFor(caller, instructorId);
    const query = all
      ? courses.withIndex("by_instructor", (q) => q.eq("instructorId", instructorId))
      : courses.withIndex("by_instructor_visibility", (q) =>
          q.eq("instructorId", instructorId).eq("visibility", "public"),
        );
    return await query.order("desc").paginate(paginationOpts);
  },
});

/** Public courses rated 4.5 or more, best first: `limit` 1..50 (default 10). */
export const listFeatured = query({
  args: { limit: v.optional(v.number()) },
  returns: v.array(courseDoc),
  handler: async (ctx, { limit }) => {
    await getCaller(ctx);
    return await Courses.featured(ctx, listLimit(limit, 10));
  },
});

/** Public courses with a tag (matched as stored: trimmed, lower case). */
export const listByTag = query({
  args: { tag: v.string(), paginationOpts: paginationOptsValidator },
  returns: paginated(courseDoc),
  handler: async (ctx, { tag, paginationOpts }) => {
    await getCaller(ctx);
    const wanted = normalizeLabel(tag);
    if (wanted.length === 0) return invalid("tag must not be empty", "tag");
    const result = await ctx.db
      .query("courseTags")
      .withIndex("by_tags", (q) => q.eq("tag", wanted).eq("visibility", "public"))
      .paginate(paginationOpts);
    const courses = await Promise.all(result.page.map((row) => ctx.db.get(row.courseId)));
    return { ...result, page: courses.filter((course) => course !== null) };
  },
});

/** Full-text search of public courses (title, description, tags), most relevant first: `limit` 1..50 (default 20). */
export const search = query({
  args: {
    query: v.string(),
    category: v.optional(v.string()),
    level: v.optional(level),
    limit: v.optional(v.number()),
  },
  returns: v.array(courseDoc),
  handler: async (ctx, { query, category, level, limit }) => {
    await getCaller(ctx);
    const text = optionalText(query, "query", 200);
    const count = listLimit(limit, 20);
    const filters = { category: checkedCategory(category), level };
    return text === "" ? [] : await Courses.search(ctx, text, filters, count);
  },
});

/** Copies the sum of the course's student-count shards to `studentCount` (scheduled by `model/counters.ts`). */
export const rollUpStudents = internalMutation({
  args: { id: v.id("courses") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    await Counters.rollUpStudents(ctx, id);
    return null;
  },
});
