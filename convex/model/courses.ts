/**
 * Rules for `courses`: field validation, the draft -> public -> archived life
 * cycle, and the derived data kept in step with every write: `courseTags` rows
 * mirror `tags` and `visibility`; `searchText` is title + description + tags.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { COURSE_CATEGORIES, type CeCreditType, type Level, type Visibility } from "../validators";
import { httpUrl, integerIn, labelList, optionalText, requiredText, textList } from "./checks";
import { invalid, invalidState, mustGet } from "./errors";
import { recordChange } from "./audit";
import { requireCurrentLicense } from "./instructorApplications";

/** The fields an instructor writes (create: title, description, category required). */
export type CourseInput = {
  title: string;
  description: string;
  category: string;
  level?: Level;
  duration?: string;
  price?: number;
  thumbnailUrl?: string;
  longDescription?: string;
  tags?: string[];
  certificateEnabled?: boolean;
  discussionEnabled?: boolean;
  whatYouWillLearn?: string[];
  requirements?: string[];
  ceCreditHours?: number;
  ceCreditType?: CeCreditType;
  ceAccreditationStatement?: string;
};

/** CE credit hours are awarded in quarter hours, at most 100 per course; 0 removes them. */
export const MAX_CE_CREDIT_HOURS = 100;
const MAX_STATEMENT = 2000;

/** The largest price, in cents ($1,000,000): anything above is a typo. */
export const MAX_PRICE = 100_000_000;
const LIST_LIMITS = { maxItems: 30, maxLength: 300 };
const TAG_LIMITS = { items: 20, length: 40 };

export function checkCategory(value: string): string {
  const category = value.trim().toLowerCase();
  if (!(COURSE_CATEGORIES as readonly string[]).includes(category)) {
    return invalid(`category must be one of: ${COURSE_CATEGORIES.join(", ")}`, "category");
  }
  return category;
}

/**
 * Validates and normalizes the given fields. An empty `duration`,
 * `thumbnailUrl` or `longDescription` means "remove it" (undefined in the patch).
 */
export function checkCourseFields(input: Partial<CourseInput>): Partial<CourseInput> {
  const fields: Partial<CourseInput> = { ...input };
  if (input.title !== undefined) fields.title = requiredText(input.title, "title", 200);
  if (input.description !== undefined) fields.description = requiredText(input.description, "description", 2000);
  if (input.category !== undefined) fields.category = checkCategory(input.category);
  if (input.duration !== undefined) fields.duration = emptyToUndefined(optionalText(input.duration, "duration", 100));
  if (input.price !== undefined) fields.price = integerIn(input.price, "price", 0, MAX_PRICE);
  if (input.thumbnailUrl !== undefined) {
    fields.thumbnailUrl = input.thumbnailUrl.trim() === "" ? undefined : httpUrl(input.thumbnailUrl, "thumbnailUrl");
  }
  if (input.longDescription !== undefined) {
    fields.longDescription = emptyToUndefined(optionalText(input.longDescription, "longDescription", 20_000));
  }
  if (input.tags !== undefined) fields.tags = labelList(input.tags, "tags", TAG_LIMITS);
  if (input.whatYouWillLearn !== undefined) {
    fields.whatYouWillLearn = textList(input.whatYouWillLearn, "whatYouWillLearn", LIST_LIMITS);
  }
  if (input.requirements !== undefined) fields.requirements = textList(input.requirements, "requirements", LIST_LIMITS);
  if (input.ceCreditHours !== undefined) fields.ceCreditHours = checkCreditHours(input.ceCreditHours);
  if (input.ceAccreditationStatement !== undefined) {
    const statement = optionalText(input.ceAccreditationStatement, "ceAccreditationStatement", MAX_STATEMENT);
    fields.ceAccreditationStatement = emptyToUndefined(statement);
  }
  return fields;
}

function checkCreditHours(hours: number): number | undefined {
  if (!Number.isFinite(hours) || hours < 0 || hours > MAX_CE_CREDIT_HOURS || !Number.isInteger(hours * 4)) {
    return invalid(`ceCreditHours must be in quarter hours, 0..${MAX_CE_CREDIT_HOURS}`, "ceCreditHours");
  }
  return hours === 0 ? undefined : hours;
}

/** A course awarding CE credit hours names their type (the certificate states both). */
function checkCredits(course: Pick<CourseInput, "ceCreditHours" | "ceCreditType">): void {
  if (course.ceCreditHours !== undefined && course.ceCreditType === undefined) {
    invalid("ceCreditType is required with ceCreditHours", "ceCreditType");
  }
}

const emptyToUndefined = (text: string): string | undefined => (text === "" ? undefined : text);

export const searchTextOf = (course: Pick<Doc<"courses">, "title" | "description" | "tags">): string =>
  [course.title, course.description, ...course.tags].join(" ");

// ---------------------------------------------------------------- writes

export async function insertCourse(
  ctx: MutationCtx,
  instructor: Doc<"users">,
  input: CourseInput,
): Promise<Id<"courses">> {
  const fields = checkCourseFields(input) as CourseInput;
  checkCredits(fields);
  const tags = fields.tags ?? [];
  const now = Date.now();
  const courseId = await ctx.db.insert("courses", {
    ...fields,
    tags,
    instructorId: instructor._id,
    visibility: "draft",
    certificateEnabled: fields.certificateEnabled ?? false,
    discussionEnabled: fields.discussionEnabled ?? false,
    lessonCount: 0,
    studentCount: 0,
    reviewCount: 0,
    ratingSum: 0,
    searchText: searchTextOf({ ...fields, tags }),
    createdAt: now,
    updatedAt: now,
  });
  await syncCourseTags(ctx, courseId);
  return courseId;
}

export async function updateCourse(ctx: MutationCtx, course: Doc<"courses">, changes: Partial<CourseInput>) {
  const fields = checkCourseFields(changes);
  const next = { ...course, ...fields };
  checkCredits(next);
  await ctx.db.patch(course._id, { ...fields, searchText: searchTextOf(next), updatedAt: Date.now() });
  if (fields.tags !== undefined) await syncCourseTags(ctx, course._id);
}

/** Public: needs at least one lesson and an instructor whose licence on file has not expired. Publishing an archived course brings it back to the catalog. */
export async function publish(ctx: MutationCtx, course: Doc<"courses">): Promise<void> {
  await requireCurrentLicense(ctx, course.instructorId, "publishing");
  if (course.lessonCount < 1) invalidState("Add at least one lesson before publishing", { lessonCount: 0 });
  const now = Date.now();
  await setVisibility(ctx, course._id, "public", { publishedAt: course.publishedAt ?? now, archivedAt: undefined });
  await recordChange(ctx, { action: "courses.publish", targetId: course._id });
}

/** Leaves the catalog; enrolled students keep access (see `model/access.ts`). */
export async function archive(ctx: MutationCtx, course: Doc<"courses">): Promise<void> {
  await setVisibility(ctx, course._id, "private", { archivedAt: course.archivedAt ?? Date.now() });
  await recordChange(ctx, { action: "courses.archive", targetId: course._id });
}

/** Out of the catalog, to `private` or `draft`. */
export async function unpublish(ctx: MutationCtx, courseId: Id<"courses">, visibility: "private" | "draft") {
  await setVisibility(ctx, courseId, visibility);
  await recordChange(ctx, { action: "courses.unpublish", targetId: courseId, details: { visibility } });
}

export async function setVisibility(
  ctx: MutationCtx,
  courseId: Id<"courses">,
  visibility: Visibility,
  extra: Partial<Doc<"courses">> = {},
): Promise<void> {
  await ctx.db.patch(courseId, { ...extra, visibility, updatedAt: Date.now() });
  await syncCourseTags(ctx, courseId);
}

/** Makes the course's `courseTags` rows exactly its tags, each carrying its visibility. */
async function syncCourseTags(ctx: MutationCtx, courseId: Id<"courses">): Promise<void> {
  const course = await mustGet(ctx, courseId, "Course");
  // Bounded: one row per tag, and a course has at most TAG_LIMITS.items (20) tags.
  const rows = await ctx.db
    .query("courseTags")
    .withIndex("by_course", (q) => q.eq("courseId", courseId))
    .collect();
  const wanted = new Set(course.tags);
  for (const row of rows) {
    if (!wanted.has(row.tag)) await ctx.db.delete(row._id);
    else if (row.visibility !== course.visibility) await ctx.db.patch(row._id, { visibility: course.visibility });
    wanted.delete(row.tag);
  }
  const now = Date.now();
  for (const tag of wanted) {
    await ctx.db.insert("courseTags", { courseId, tag, visibility: course.visibility, createdAt: now });
  }
}

/**
 * Starts deleting the course: refused (INVALID_STATE) once anyone enrolled or
 * paid, or while resources or live sessions point at it (archive such a course
 * instead). Marks it `deletingAt` and leaves the catalog at once (a draft
 * without tags); `model/cascades.ts` then deletes its curriculum, wishlist
 * entries, discussions and the course itself in bounded batches.
 */
export async function removeCourse(ctx: MutationCtx, course: Doc<"courses">): Promise<void> {
  await refuseIfReferenced(ctx, course._id);
  await ctx.db.patch(course._id, { deletingAt: Date.now(), visibility: "draft", tags: [] });
  await recordChange(ctx, { action: "courses.remove", targetId: course._id, details: { title: course.title } });
  await syncCourseTags(ctx, course._id);
}

async function refuseIfReferenced(ctx: MutationCtx, courseId: Id<"courses">): Promise<void> {
  const blockers: [string, unknown][] = [
    [
      "someone enrolled in it",
      await ctx.db
        .query("courseEnrollments")
        .withIndex("by_course", (q) => q.eq("courseId", courseId))
        .first(),
    ],
    [
      "it has purchases",
      await ctx.db
        .query("purchases")
        .withIndex("by_course", (q) => q.eq("courseId", courseId))
        .first(),
    ],
    [
      "resources belong to it",
      await ctx.db
        .query("resources")
        .withIndex("by_course", (q) => q.eq("courseId", courseId))
        .first(),
    ],
    [
      "live sessions belong to it",
      await ctx.db
        .query("liveSessions")
        .withIndex("by_course", (q) => q.eq("courseId", courseId))
        .first(),
    ],
  ];
  for (const [why, row] of blockers) {
    if (row !== null) invalidState(`This course cannot be deleted because ${why}: archive it instead`);
  }
}

// ---------------------------------------------------------------- catalog reads

/** The public catalog, newest first, through the index matching the filters. */
export function catalogQuery(ctx: QueryCtx, filters: { category?: string; level?: Level }) {
  const courses = ctx.db.query("courses");
  const { category, level } = filters;
  if (category !== undefined && level !== undefined) {
    return courses.withIndex("by_visibility_category_level", (q) =>
      q.eq("visibility", "public").eq("category", category).eq("level", level),
    );
  }
  if (category !== undefined) {
    return courses.withIndex("by_visibility_category", (q) => q.eq("visibility", "public").eq("category", category));
  }
  if (level !== undefined) {
    return courses.withIndex("by_visibility_level", (q) => q.eq("visibility", "public").eq("level", level));
  }
  return courses.withIndex("by_visibility", (q) => q.eq("visibility", "public"));
}

export const FEATURED_MIN_RATING = 4.5;

/** Public courses rated at least 4.5, best first. */
export async function featured(ctx: QueryCtx, count: number): Promise<Doc<"courses">[]> {
  return await ctx.db
    .query("courses")
    .withIndex("by_visibility_rating", (q) => q.eq("visibility", "public").gte("rating", FEATURED_MIN_RATING))
    .order("desc")
    .take(count);
}

/** Public courses matching `text` in title, description or tags, most relevant first. */
export async function search(
  ctx: QueryCtx,
  text: string,
  filters: { category?: string; level?: Level },
  count: number,
): Promise<Doc<"courses">[]> {
  return await ctx.db
    .query("courses")
    .withSearchIndex("search_text", (q) => {
      let query = q.search("searchText", text).eq("visibility", "public");
      if (filters.category !== undefined) query = query.eq("category", filters.category);
      if (filters.level !== undefined) query = query.eq("level", filters.level);
      return query;
    })
    .take(count);
}
