"""A deterministic demo catalogue of medical-aesthetics training (``doctrina seed``).

`seed(client, size="small")` fills a deployment, through the service client, with
licensed instructors (approved applications), published courses in botox, fillers,
laser, skin and anatomy (modules, video and document lessons, graded quizzes),
resources, live sessions, and students who buy or enrol, learn, pass quizzes, earn
certificates, review, wishlist and get notified. The same seed and size always
describe the same catalogue (names, emails, titles, who learns what).

Re-running is safe: users come from `users.create_many` with idempotency keys, and
each instructor's courses and each student's learning are skipped when already
there (a course left unpublished by an earlier run is rebuilt). The catalogue goes
in bulk (`courses.import_catalogue`, an instructor's courses per transaction) and so
does learning (`course_enrollments.import_learning`, many learners per transaction),
both through the same rules as the per-call path, so `large` takes minutes.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import zip_longest
from typing import Literal

from .._client import Doctrina
from ..types import Course, CurriculumLesson, LessonType, Level, User
from ..types._args.course_enrollments import (
    CourseEnrollmentsImportLearningArgsRow as LearningRow,
)
from ..types._args.course_enrollments import (
    CourseEnrollmentsImportLearningArgsRowLesson as LessonDone,
)
from ..types._args.course_enrollments import (
    CourseEnrollmentsImportLearningArgsRowReview as Review,
)
from ..types._args.courses import CoursesImportCatalogueArgsCourse as CatalogueCourse
from ..types._args.courses import CoursesImportCatalogueArgsCourseModule as CatalogueModule
from ..types._args.courses import CoursesImportCatalogueArgsCourseModuleLesson as CatalogueLesson
from ..types._args.courses import (
    CoursesImportCatalogueArgsCourseModuleLessonQuestion as CatalogueQuestion,
)
from ..types._args.notifications import NotificationsSendManyArgsRow as Welcome
from ..types.ids import CourseId, UserId

__all__ = ["SIZES", "DemoSize", "SeedProgress", "SeedReport", "SizeName", "people", "seed"]

SizeName = Literal["small", "medium", "large"]

SeedProgress = Callable[[str, int, int], None]
"""``on_progress(step, done, total)``: e.g. ``("students", 120, 500)``."""


@dataclass(frozen=True)
class DemoSize:
    instructors: int
    courses_per_instructor: int
    modules_per_course: int
    lessons_per_module: int
    students: int
    courses_per_student: int
    resources_per_instructor: int
    sessions_per_instructor: int


SIZES: dict[SizeName, DemoSize] = {
    # `make demo`: a few seconds.
    "small": DemoSize(3, 2, 2, 3, 8, 2, 2, 1),
    "medium": DemoSize(12, 3, 3, 4, 300, 3, 3, 2),
    # 200k+ documents (users, purchases, enrolments, progress, attempts, ...): benchmarks.
    "large": DemoSize(40, 5, 4, 5, 3_000, 3, 5, 3),
}

MAX_CODES_REPORTED = 5
# `courses:importCatalogue`'s bounds per call (convex/model/catalogueImport.ts).
MAX_CATALOGUE_COURSES = 20
MAX_CATALOGUE_LESSONS = 100
MAX_CATALOGUE_QUESTIONS = 240
# `courseEnrollments:importLearning`'s bounds per call (convex/model/learningImport.ts).
MAX_IMPORT_ROWS = 50
MAX_IMPORT_WORK = 4000
# A third of its 300 lessons: the local backend counts time its worker is descheduled toward the 1 s
# limit (docs/fidelity.md), and on a busy 2-core machine a call near the bound timed out.
IMPORT_LESSONS_PER_CALL = 100
# `notifications:sendMany`'s bound per call (convex/model/notifications.ts).
MAX_WELCOMES_PER_CALL = 500
CATEGORIES = ("botox", "fillers", "laser", "skin", "anatomy")
FIRST_NAMES = (
    "Amara", "Ben", "Chloe", "Diego", "Elena", "Farah", "Grace", "Hiro", "Isla", "Jonas", "Kavya", "Liam",
    "Maya", "Noah", "Olivia", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor", "Wen", "Yara", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Adeyemi", "Brooks", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Khan",
    "Lopez", "Moreau", "Nguyen", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Varga", "Weber", "Yilmaz",
)  # fmt: skip
STATES = ("CA", "NY", "TX", "FL", "WA", "IL", "AZ", "CO")
TOPICS: dict[str, tuple[str, ...]] = {
    "botox": ("Neurotoxin Foundations", "Glabellar Lines", "Crow's Feet Techniques", "Masseter Reduction"),
    "fillers": ("Hyaluronic Acid Fillers", "Lip Augmentation", "Cheek Volumisation", "Managing Occlusions"),
    "laser": ("Laser Physics for Clinicians", "Hair Removal Lasers", "Fractional Resurfacing", "IPL Therapy"),
    "skin": ("Chemical Peels", "Microneedling", "Acne Scar Management", "Skin Typing and Assessment"),
    "anatomy": ("Facial Anatomy", "Vascular Danger Zones", "Facial Nerves", "Ageing of the Face"),
}
MODULES = ("Foundations", "Assessment and Consent", "Technique", "Complications", "Aftercare")
LESSON_KINDS: tuple[tuple[LessonType, str], ...] = (("video", "Demonstration"), ("document", "Protocol"))
LEVELS: tuple[Level, ...] = ("beginner", "intermediate", "advanced")
REVIEWS = (
    (5, "Clear, practical and safe: exactly what I needed before treating patients."),
    (4, "Great demonstrations; I would like more on complications."),
    (5, "The anatomy sections changed how I plan injections."),
    (3, "Solid content, a little fast in places."),
)


@dataclass
class SeedReport:
    """What `seed` made (or found from an earlier run), by kind."""

    size: SizeName
    seed: int
    created: Counter[str] = field(default_factory=Counter)
    existing: Counter[str] = field(default_factory=Counter)
    # Some issued certificates' codes, to try `doctrina verify` with.
    verification_codes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "size": self.size,
            "seed": self.seed,
            "created": dict(self.created),
            "existing": dict(self.existing),
            "verificationCodes": self.verification_codes,
        }


def seed(
    client: Doctrina, *, size: SizeName = "small", seed: int = 7, on_progress: SeedProgress | None = None
) -> SeedReport:
    """Fills the deployment of the service ``client`` with the ``size`` demo catalogue."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    plan = _Plan(client, SIZES[size], SeedReport(size, seed), on_progress)
    instructors = plan.instructors()
    students = plan.people("student", plan.shape.students)
    courses = plan.catalogue(instructors)
    plan.learning(students, courses)
    return plan.report


def _catalogue_batches(courses: list[CatalogueCourse]) -> Iterable[list[CatalogueCourse]]:
    """`courses.import_catalogue` calls within its bounds per call (convex/model/catalogueImport.ts)."""
    batch: list[CatalogueCourse] = []
    lessons = questions = 0
    for course in courses:
        size = [lesson for module in course.modules for lesson in module.lessons]
        asked = sum(len(lesson.questions or []) for lesson in size)
        full = len(batch) == MAX_CATALOGUE_COURSES or lessons + len(size) > MAX_CATALOGUE_LESSONS
        if batch and (full or questions + asked > MAX_CATALOGUE_QUESTIONS):
            yield batch
            batch, lessons, questions = [], 0, 0
        batch.append(course)
        lessons += len(size)
        questions += asked
    if batch:
        yield batch


def _learning_batches(rows: Iterable[tuple[LearningRow, int]]) -> Iterable[list[LearningRow]]:
    """`course_enrollments.import_learning` calls of ``rows`` (each with its work: the lessons in its
    course), within the function's bounds and IMPORT_LESSONS_PER_CALL."""
    batch: list[LearningRow] = []
    work = done = 0
    for row, size in rows:
        full = len(batch) == MAX_IMPORT_ROWS or done + len(row.lessons) > IMPORT_LESSONS_PER_CALL
        if batch and (full or work + size > MAX_IMPORT_WORK):
            yield batch
            batch, work, done = [], 0, 0
        batch.append(row)
        work += size
        done += len(row.lessons)
    if batch:
        yield batch


def people(role: str, count: int, seed: int) -> list[dict[str, str]]:
    """The `users.create_many` rows of ``count`` instructors or students: a function of its arguments."""
    rows = []
    for n in range(count):
        rng = random.Random(f"{seed}:{role}:{n}")
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        domain = "clinic.example" if role == "instructor" else "learner.example"
        rows.append(
            {"first_name": first, "last_name": last, "email": f"{first}.{last}.{n:05d}@{domain}".lower()}
        )
    return rows


@dataclass(frozen=True)
class _Learner:
    """A student as their learning needs them: the id `create_many` returned and the row's email."""

    id: UserId
    email: str


@dataclass
class _Plan:
    client: Doctrina
    shape: DemoSize
    report: SeedReport
    on_progress: SeedProgress | None
    # Students with an enrolment made by this run: they get the welcome.
    new_learners: set[str] = field(default_factory=set)

    def rng(self, *key: object) -> random.Random:
        """The draws of one thing (a user, a course): the same on every run, whatever ran before."""
        return random.Random(":".join(map(str, (self.report.seed, *key))))

    def progress(self, step: str, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(step, done, total)

    # ---------------------------------------------------------------- people

    def people(self, role: str, count: int) -> list[_Learner]:
        """``count`` users, imported in bulk; the same emails on every run."""
        rows = people(role, count, self.report.seed)
        report = self.client.users.create_many(
            rows,
            idempotency_key=f"demo-{self.report.seed}-{role}s-{count}",
            on_progress=lambda done, total: self.progress(f"{role}s", done, total),
        )
        self.report.created[f"{role}s"] += len(report.created)
        self.report.existing[f"{role}s"] += len(report.existing)
        return [
            _Learner(result.id, row["email"])
            for result, row in zip(report.results, rows, strict=True)
            if result.id is not None
        ]

    def instructors(self) -> list[User]:
        """The instructors, read back one by one: the catalogue needs their names and roles, and they
        are few (40 in `large`)."""
        users = [
            self.client.users.get(person.id) for person in self.people("instructor", self.shape.instructors)
        ]
        return [user for user in users if user is not None]

    # ---------------------------------------------------------------- courses

    def catalogue(self, instructors: list[User]) -> list[Course]:
        courses: list[Course] = []
        for n, instructor in enumerate(instructors):
            self.progress("courses", n, len(instructors))
            if not instructor.is_instructor:
                self.approve(instructor)
            titled = [
                (CATEGORIES[(n + k) % len(CATEGORIES)], self.title(instructor, n, k))
                for k in range(self.shape.courses_per_instructor)
            ]
            made, existed = self.courses(instructor, titled)
            courses.extend(made)
            self.extras(instructor, made, existed)
        self.progress("courses", len(instructors), len(instructors))
        return courses

    @staticmethod
    def title(instructor: User, n: int, k: int) -> str:
        category = CATEGORIES[(n + k) % len(CATEGORIES)]
        return f"{TOPICS[category][(n // len(CATEGORIES) + k) % 4]} ({instructor.last_name} {k + 1})"

    def courses(self, instructor: User, titled: list[tuple[str, str]]) -> tuple[list[Course], bool]:
        """The instructor's courses in order, made in bulk unless an earlier run published them; and whether
        one did."""
        as_instructor = self.client.acting_as(instructor.id)
        existing = {c.title: c for c in as_instructor.courses.list_by_instructor(instructor.id)}
        missing: list[CatalogueCourse] = []
        for category, title in titled:
            found = existing.get(title)
            if found is not None and found.visibility == "public":
                self.report.existing["courses"] += 1
                continue
            if found is not None:
                # Left unpublished by a run from before the bulk catalogue: rebuilt.
                as_instructor.courses.purge(found.id)
            missing.append(self.course(category, title))
        for batch in _catalogue_batches(missing):
            self.client.courses.import_catalogue(instructor_id=instructor.id, courses=batch)
        if missing:
            existing = {c.title: c for c in as_instructor.courses.list_by_instructor(instructor.id)}
        return [existing[title] for _, title in titled], len(missing) < len(titled)

    def course(self, category: str, title: str) -> CatalogueCourse:
        rng = self.rng(title)
        level, price = rng.choice(LEVELS), rng.choice((0, 19900, 49900, 89900))
        modules = [
            self.module(category, MODULES[m % len(MODULES)]) for m in range(self.shape.modules_per_course)
        ]
        self.report.created["courses"] += 1
        return CatalogueCourse(
            title=title,
            description=f"{category.capitalize()} for licensed clinicians, from assessment to aftercare.",
            category=category,
            level=level,
            price=price,
            tags=[category, level, "ce"],
            certificate_enabled=True,
            publish=True,
            modules=modules,
        )

    def module(self, category: str, title: str) -> CatalogueModule:
        lessons = []
        for n in range(self.shape.lessons_per_module - 1):
            kind, label = LESSON_KINDS[n % len(LESSON_KINDS)]
            lessons.append(
                CatalogueLesson(
                    title=f"{title}: {label} {n + 1}",
                    type=kind,
                    content=f"https://media.example/{category}/{title.lower().replace(' ', '-')}/{n}",
                    duration=(8, 12, 15, 20)[n % 4],
                )
            )
        questions = [
            CatalogueQuestion(
                question=f"{title}, question {q + 1}: which approach is safest?",
                options=["Aspirate and inject slowly", "Inject quickly", "Skip the assessment"],
                correct_option=0,
                explanation="Slow, assessed injection lowers the risk of complications.",
            )
            for q in range(2)
        ]
        lessons.append(
            CatalogueLesson(title=f"{title}: check yourself", type="quiz", content="", questions=questions)
        )
        self.report.created["courseModules"] += 1
        self.report.created["lessons"] += self.shape.lessons_per_module
        self.report.created["quizQuestions"] += len(questions)
        return CatalogueModule(title=title, lessons=lessons)

    def approve(self, instructor: User) -> None:
        as_instructor = self.client.acting_as(instructor.id)
        rng = self.rng(instructor.email)
        application = as_instructor.instructor_applications.submit(
            license_number=f"RN{rng.randrange(100_000, 999_999)}",
            license_state=rng.choice(STATES),
            license_expiry=date.today() + timedelta(days=365 * 2),
            insurance_provider=rng.choice(("MedPro", "Aesthetic Shield", "CareGuard")),
            documents=[f"https://files.example/licences/{instructor.id}.pdf"],
        )
        self.client.instructor_applications.approve(application.id)
        self.report.created["instructorApplications"] += 1

    def extras(self, instructor: User, courses: list[Course], existed: bool) -> None:
        """The instructor's resources and upcoming live sessions (with their first course)."""
        if existed:
            return
        as_instructor = self.client.acting_as(instructor.id)
        for n in range(self.shape.resources_per_instructor):
            course = courses[n % len(courses)]
            as_instructor.resources.create(
                title=f"{course.category.capitalize()} consent form template {n + 1}",
                description="A consent form to adapt to your clinic and jurisdiction.",
                type="template",
                url=f"https://files.example/{course.category}/consent-{n + 1}.pdf",
                difficulty="beginner",
                categories=[course.category],
                author=f"{instructor.first_name} {instructor.last_name}",
                course_id=course.id,
            )
        tomorrow = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
        for n in range(self.shape.sessions_per_instructor):
            as_instructor.live_sessions.schedule(
                title=f"Live Q&A: {courses[0].title}",
                description="Bring your cases: technique, complications and aftercare.",
                scheduled_for=tomorrow + timedelta(days=7 * n),
                duration=60,
                max_participants=100,
                is_recorded=True,
                course_id=courses[0].id,
            )
        self.report.created["resources"] += self.shape.resources_per_instructor
        self.report.created["liveSessions"] += self.shape.sessions_per_instructor

    # ---------------------------------------------------------------- learning

    def learning(self, students: list[_Learner], courses: list[Course]) -> None:
        """Every student's enrolments, lessons, quizzes and reviews, in bulk (`import_learning` batches).

        A batch holds one course's rows, and the courses take turns: an enrolment schedules its course's
        student-count rollup (once per transaction), which then runs while other courses are imported
        rather than conflicting with the next batch of its own, and one rollup counts a whole batch."""
        lessons = {course.id: self.lessons(course) for course in courses}
        by_course: dict[CourseId, list[tuple[LearningRow, int]]] = {course.id: [] for course in courses}
        for student in students:
            for row, size in self.rows(student, courses, lessons):
                by_course[row.course_id].append((row, size))
        per_course = [list(_learning_batches(rows)) for rows in by_course.values()]
        turns = [batch for turn in zip_longest(*per_course) for batch in turn if batch is not None]
        total = sum(len(batch) for batch in turns)
        done = 0
        for batch in turns:
            self.progress("learning", done, total)
            self.import_batch(batch)
            done += len(batch)
        self.progress("learning", total, total)
        self.welcome([student for student in students if student.id in self.new_learners], len(courses))

    def lessons(self, course: Course) -> list[CurriculumLesson]:
        full = self.client.courses.get_with_curriculum(course.id)
        if full is None:
            return []
        return [lesson for module in full.modules for lesson in module.lessons]

    def rows(
        self, student: _Learner, courses: list[Course], lessons: dict[CourseId, list[CurriculumLesson]]
    ) -> list[tuple[LearningRow, int]]:
        """The student's `import_learning` rows, each with its work (the lessons in its course)."""
        rng = self.rng(student.email)
        picks = rng.sample(courses, k=min(self.shape.courses_per_student, len(courses)))
        rows = []
        for course in picks:
            curriculum = lessons[course.id]
            # Most learners finish; some stop part-way.
            depth = rng.choice((1.0, 1.0, 0.5, 0.25))
            done = curriculum[: max(1, round(len(curriculum) * depth))]
            review = None
            if len(done) == len(curriculum):
                rating, content = rng.choice(REVIEWS)
                review = Review(rating=rating, content=content)
            lessons_done = [self.lesson_done(lesson) for lesson in done]
            row = LearningRow(user_id=student.id, course_id=course.id, lessons=lessons_done, review=review)
            rows.append((row, len(curriculum)))
        return rows

    @staticmethod
    def lesson_done(lesson: CurriculumLesson) -> LessonDone:
        if lesson.type == "quiz":
            # Every demo quiz has two questions whose first option is right.
            return LessonDone(lesson_id=lesson.id, answers=[0, 0])
        return LessonDone(lesson_id=lesson.id, time_spent=60 * (lesson.duration or 10))

    def import_batch(self, batch: list[LearningRow]) -> None:
        results = self.client.course_enrollments.import_learning(rows=batch)
        for row, result in zip(batch, results, strict=True):
            if result.certificate_code is not None:
                self.codes([result.certificate_code])
            if result.status == "exists":
                self.report.existing["courseEnrollments"] += 1
                continue
            self.report.created["courseEnrollments"] += 1
            self.new_learners.add(result.user_id)
            if result.purchase_id is not None:
                self.report.created["purchases"] += 1
            quizzes = sum(1 for lesson in row.lessons if lesson.answers is not None)
            self.report.created["quizAttempts"] += quizzes
            self.report.created["lessonProgress"] += len(row.lessons) - quizzes
            if row.review is not None:
                self.report.created["courseReviews"] += 1
            if result.certificate_code is not None:
                self.report.created["certificates"] += 1

    def codes(self, codes: Iterable[str]) -> None:
        """A few certificates' codes for the report (``doctrina verify``), from this run or an earlier one."""
        for code in codes:
            if len(self.report.verification_codes) < MAX_CODES_REPORTED:
                self.report.verification_codes.append(code)

    def welcome(self, students: list[_Learner], courses: int) -> None:
        """A welcome for each new learner (a re-run enrols no one, so welcomes no one), in bulk."""
        welcomes = [
            Welcome(
                user_id=student.id,
                type="announcement",
                title="Welcome to Doctrina",
                description=f"{courses} courses are open to you. Live Q&A sessions are on the calendar.",
                link="/dashboard",
            )
            for student in students
        ]
        for start in range(0, len(welcomes), MAX_WELCOMES_PER_CALL):
            self.progress("welcome", start, len(welcomes))
            batch = welcomes[start : start + MAX_WELCOMES_PER_CALL]
            self.client.notifications.send_many(batch)
            self.report.created["notifications"] += len(batch)
        self.progress("welcome", len(welcomes), len(welcomes))
