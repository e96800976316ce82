"""Every `doctrina` command and exit code (docs/cli.md), against a real local backend."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from doctrina_sdk import LocalBackend
from doctrina_sdk._cli import _app, app, dev
from doctrina_sdk._cli._app import json_value
from doctrina_sdk.lib.demo_data import SIZES, people

from .conftest import Cli

COMMANDS = ("dev", "run", "seed", "export", "import", "verify", "migrate")


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Examples" in result.stdout
    assert f"doctrina {command}" in result.stdout


def test_no_command_shows_the_commands_and_exit_codes() -> None:
    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2
    assert all(command in result.stdout for command in COMMANDS)
    assert "Exit codes" in result.stdout


# ---------------------------------------------------------------- seed


def test_seed_makes_the_catalogue(seeded: dict[str, Any]) -> None:
    created = seeded["created"]
    assert created["instructors"] == 3
    assert created["instructorApplications"] == 3
    assert created["courses"] == 6
    assert created["students"] == 8
    for kind in ("courseModules", "lessons", "quizQuestions", "resources", "liveSessions", "purchases"):
        assert created[kind] > 0, kind
    for kind in ("courseEnrollments", "lessonProgress", "quizAttempts", "certificates", "courseReviews"):
        assert created[kind] > 0, kind
    assert created["notifications"] == 8
    assert seeded["verificationCodes"]


def test_seed_publishes_every_course_in_full(seeded: dict[str, Any], deployment: LocalBackend) -> None:
    shape = SIZES["small"]
    assert seeded["created"]["courseModules"] == 6 * shape.modules_per_course
    assert seeded["created"]["lessons"] == 6 * shape.modules_per_course * shape.lessons_per_module
    service = deployment.client()
    courses = service.courses.list().to_list()
    assert len(courses) == 6
    for course in courses:
        full = service.courses.get_with_curriculum(course.id)
        assert full is not None
        assert [module.order for module in full.modules] == list(range(shape.modules_per_course))
        for module in full.modules:
            assert [lesson.order for lesson in module.lessons] == list(range(shape.lessons_per_module))
            assert [lesson.type for lesson in module.lessons][-1] == "quiz"
        assert full.lesson_count == shape.modules_per_course * shape.lessons_per_module


def test_seed_again_writes_nothing(seeded: dict[str, Any], cli: Cli, deployment: LocalBackend) -> None:
    service = deployment.client()
    student = service.users.get_by_email(people("student", 1, 7)[0]["email"])
    assert student is not None
    as_student = service.acting_as(student.id)
    before = (len(service.courses.list().to_list()), as_student.course_enrollments.list_mine().to_list())
    again = cli("seed", "--json")
    assert again.exit_code == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["existing"]["courses"] == 6
    assert report["existing"]["courseEnrollments"] == seeded["created"]["courseEnrollments"]
    assert set(report["created"]) == {"instructors", "students"}  # the bulk import's first report, replayed
    after = (len(service.courses.list().to_list()), as_student.course_enrollments.list_mine().to_list())
    assert after == before


def test_seed_is_deterministic(seeded: dict[str, Any], deployment: LocalBackend) -> None:
    assert people("student", 50, 7) == people("student", 50, 7)
    assert people("student", 50, 7) != people("student", 50, 8)
    service = deployment.client()
    for row in people("instructor", 3, 7):
        instructor = service.users.get_by_email(row["email"])
        assert instructor is not None
        assert instructor.is_instructor  # through an approved application
        assert instructor.first_name == row["first_name"]


def test_seed_refuses_an_unknown_size(cli: Cli) -> None:
    result = cli("seed", "--size", "huge")
    assert result.exit_code == 2
    assert "huge" in result.stderr


# ---------------------------------------------------------------- run


def test_run_takes_the_kind_from_the_function_spec(cli: Cli) -> None:
    args = '{"firstName": "Ada", "lastName": "Lovelace", "email": "ada.cli@example.com"}'
    created = cli("run", "users:create", args, "--json")  # a mutation, not guessed as a query
    assert created.exit_code == 0, created.stderr
    user = json.loads(created.stdout)
    assert user["email"] == "ada.cli@example.com"
    found = cli("run", "users:getByEmail", '{"email": "ada.cli@example.com"}', "--json")
    assert json.loads(found.stdout)["_id"] == user["_id"]


def test_run_prints_numbers_as_convex_does(seeded: dict[str, Any], cli: Cli) -> None:
    page = json.loads(cli("run", "courses:list", "--json").stdout)["page"]
    assert page, "the seeded catalogue is listed (the page size is supplied)"
    assert all(isinstance(course["lessonCount"], int) for course in page)
    assert json.dumps(json_value({"a": 3.0, "b": 0.25, "c": 0.0, "d": [1e300]})) == (
        '{"a": 3, "b": 0.25, "c": 0, "d": [1e+300]}'
    )


def test_a_misspelled_keyword_is_refused_and_nothing_is_written(cli: Cli) -> None:
    args = '{"firstName": "Eve", "lastName": "Typo", "emial": "eve.typo@example.com"}'
    result = cli("run", "users:create", args)
    assert result.exit_code == _app.EXIT_USAGE
    line = one_line(result.stderr)
    assert "emial: Extra inputs are not permitted" in line
    assert "email: Field required" in line
    found = cli("run", "users:getByEmail", '{"email": "eve.typo@example.com"}', "--json")
    assert json.loads(found.stdout) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users:get", "not json"], "not JSON"),
        (["users:get", "[1]"], "JSON object"),
        (["nothing:here"], "Unknown function 'nothing:here'"),
    ],
)
def test_run_refuses_bad_input_in_one_line(cli: Cli, args: list[str], message: str) -> None:
    result = cli("run", *args)
    assert result.exit_code == _app.EXIT_USAGE
    assert message in one_line(result.stderr)


def test_a_failing_function_is_one_line_and_exit_1(cli: Cli, deployment: LocalBackend) -> None:
    result = cli("run", "users:create", '{"firstName": "A", "lastName": "B", "email": "not-an-email"}')
    assert result.exit_code == _app.EXIT_ERROR
    line = one_line(result.stderr)
    assert "[VALIDATION]" in line
    assert deployment.admin_key not in line


def test_run_acts_as_a_user(cli: Cli, deployment: LocalBackend) -> None:
    user = deployment.client().users.create(first_name="Al", last_name="As", email="al.as.cli@example.com")
    me = cli("run", "users:me", "--as-user", user.id, "--json")
    assert json.loads(me.stdout)["_id"] == user.id


def test_admin_key_needs_a_url(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", "users:me", "--admin-key", "k", "--data-dir", str(tmp_path)])
    assert result.exit_code == _app.EXIT_USAGE
    assert "--url" in one_line(result.stderr)


def test_without_a_url_the_embedded_backend_is_started_and_stopped(
    tmp_path: Path, wait_gone: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[LocalBackend] = []
    start = LocalBackend.start

    def spy(**options: Any) -> LocalBackend:
        started.append(start(**options))
        return started[-1]

    monkeypatch.setattr(LocalBackend, "start", spy)
    result = CliRunner().invoke(app, ["run", "users:me", "--json", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) is None
    assert [backend.data_dir for backend in started] == [tmp_path / "data"]
    pid = started[0].pid
    assert pid is not None
    assert wait_gone(pid), "the backend started for the command is still running"


def test_the_url_may_come_from_a_parent_env_local(
    cli: Cli, deployment: LocalBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env.local").write_text(
        f'CONVEX_SELF_HOSTED_URL="{deployment.url}" # doctrina dev\n'
        f"CONVEX_SELF_HOSTED_ADMIN_KEY='{deployment.admin_key}'\n"
    )
    nested = tmp_path / "scripts"
    nested.mkdir()
    monkeypatch.chdir(nested)
    result = cli("run", "users:getByEmail", '{"email": "nobody.cli@example.com"}', "--json", connect=False)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) is None


def test_the_env_local_of_a_stopped_dev_server_means_its_data_dir(tmp_path: Path, wait_gone: Any) -> None:
    """`doctrina dev` leaves `.env.local` behind when it stops (as `npx convex dev` does): later
    commands start the default data directory's backend instead of calling the dead URL."""
    with LocalBackend.start(data_dir=tmp_path / _app.DEFAULT_DATA_DIR, publish_env=".env.local") as first:
        pid = first.pid
    assert pid is not None
    assert wait_gone(pid)
    assert "CONVEX_SELF_HOSTED_ADMIN_KEY" in (tmp_path / ".env.local").read_text()
    result = CliRunner().invoke(app, ["run", "users:me", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) is None


def test_an_explicit_data_dir_wins_over_env_local(tmp_path: Path) -> None:
    (tmp_path / ".env.local").write_text(
        "CONVEX_SELF_HOSTED_URL=http://127.0.0.1:9\nCONVEX_SELF_HOSTED_ADMIN_KEY=another-deployment\n"
    )
    result = CliRunner().invoke(app, ["run", "users:me", "--json", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) is None


# ---------------------------------------------------------------- verify


def test_verify_a_valid_certificate(seeded: dict[str, Any], cli: Cli) -> None:
    code = seeded["verificationCodes"][0]
    table = cli("verify", code)
    assert table.exit_code == 0, table.stderr
    assert code in table.stdout
    assert "valid" in table.stdout
    as_json = json.loads(cli("verify", code, "--json").stdout)
    assert as_json["valid"] is True
    assert as_json["certificate"]["status"] == "valid"


def test_verify_an_unknown_code_exits_3(cli: Cli) -> None:
    result = cli("verify", "NOPE-NOPE")
    assert result.exit_code == _app.EXIT_NOT_VALID
    assert "No certificate" in result.stdout
    assert json.loads(cli("verify", "NOPE-NOPE", "--json").stdout) == {
        "code": "NOPE-NOPE",
        "valid": False,
        "certificate": None,
    }


def test_verify_a_revoked_certificate_exits_3(
    seeded: dict[str, Any], cli: Cli, deployment: LocalBackend
) -> None:
    code = seeded["verificationCodes"][-1]
    service = deployment.client()
    found = service.certificates.verify(code)
    assert found is not None
    student = service.users.get_by_email(
        next(
            row["email"]
            for row in people("student", 8, 7)
            if found.user_name == f"{row['first_name']} {row['last_name']}"
        )
    )
    assert student is not None
    certificate = next(
        c for c in service.acting_as(student.id).certificates.list() if c.verification_code == code
    )
    service.certificates.revoke(certificate.id, reason="issued in error")
    result = cli("verify", code)
    assert result.exit_code == _app.EXIT_NOT_VALID
    assert "revoked" in result.stdout


def test_verify_in_a_real_process(seeded: dict[str, Any], deployment: LocalBackend, tmp_path: Path) -> None:
    doctrina = Path(sys.executable).with_name("doctrina")
    code = seeded["verificationCodes"][0]
    command = [
        str(doctrina),
        "verify",
        code,
        "--json",
        "--url",
        deployment.url,
        "--admin-key",
        deployment.admin_key,
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["valid"] is True
    unknown = subprocess.run(
        [*command[:2], "NOPE", *command[3:]],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert unknown.returncode == _app.EXIT_NOT_VALID


# ---------------------------------------------------------------- export, import, migrate


def export(cli: Cli, deployment: LocalBackend, path: Path) -> dict[str, Any]:
    result = cli("export", str(path), "--json", "--data-dir", str(deployment.data_dir), connect=False)
    assert result.exit_code == 0, result.stderr
    counts: dict[str, Any] = json.loads(result.stdout)
    return counts


def jsonl(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode().splitlines() if line]


def as_legacy(source: Path, target: Path, email: str) -> int:
    """``source`` as data written before today's fixes: the user of ``email`` given a legacy ``role``
    (what usersRoleToBooleans migrates), and one quiz lesson deleted the old way, its tallies left
    behind (what removeOrphanedQuizTallies removes). Returns how many tallies it orphaned."""
    with zipfile.ZipFile(source) as zin:
        tallies = jsonl(zin.read("quizItemStatShards/documents.jsonl"))
        gone = tallies[0]["lessonId"]
        with zipfile.ZipFile(target, "w") as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == "users/documents.jsonl":
                    rows = jsonl(data)
                    for row in rows:
                        if row["email"] == email:
                            row["role"] = "admin"
                    data = "".join(json.dumps(row) + "\n" for row in rows).encode()
                if item.filename == "lessons/documents.jsonl":
                    lessons = [row for row in jsonl(data) if row["_id"] != gone]
                    data = "".join(json.dumps(row) + "\n" for row in lessons).encode()
                zout.writestr(item, data)
    return sum(1 for row in tallies if row["lessonId"] == gone)


def dry_run_one_quiz_a_batch(deployment: LocalBackend) -> int:
    """The tallies removeOrphanedQuizTallies would remove, paged one quiz per batch through the SDK."""
    client = deployment.client()
    removed = 0
    cursor = None
    while True:
        report = client.migrations.remove_orphaned_quiz_tallies(
            cursor=cursor, batch_size=1, auto_continue=False, dry_run=True
        )
        removed += int(report.removed)
        if report.cursor is None:
            return removed
        cursor = report.cursor


def test_export_import_and_migrate(
    seeded: dict[str, Any], cli: Cli, deployment: LocalBackend, tmp_path: Path
) -> None:
    counts = export(cli, deployment, tmp_path / "snap.zip")
    assert counts["documents"] > 100
    email = people("student", 1, 7)[0]["email"]
    orphaned = as_legacy(tmp_path / "snap.zip", tmp_path / "legacy.zip", email)
    assert orphaned > 0
    data_dir = ["--data-dir", str(deployment.data_dir)]

    refused = cli("import", str(tmp_path / "legacy.zip"), *data_dir, connect=False)
    assert refused.exit_code == _app.EXIT_ERROR
    # The first non-empty table in the ZIP's order (smallest first, as Convex exports) is named.
    assert "already exists. Please choose a new table name" in one_line(refused.stderr)
    both = cli("import", str(tmp_path / "legacy.zip"), "--replace", "--append", *data_dir, connect=False)
    assert both.exit_code == _app.EXIT_USAGE
    loaded = cli("import", str(tmp_path / "legacy.zip"), "--replace", "--json", *data_dir, connect=False)
    assert loaded.exit_code == 0, loaded.stderr
    assert json.loads(loaded.stdout)["documents"] == counts["documents"] - 1  # the deleted lesson

    def changed(*flags: str) -> dict[str, int]:
        result = cli("migrate", "--json", *flags)
        assert result.exit_code == 0, result.stderr
        report = json.loads(result.stdout)
        return {m["migration"]: m["changed"] for m in report["migrations"]}

    legacy = {"usersRoleToBooleans": 1, "removeOrphanedQuizTallies": orphaned}
    assert changed("--dry-run").items() >= legacy.items()
    assert changed("--dry-run").items() >= legacy.items()  # the dry run wrote nothing
    assert dry_run_one_quiz_a_batch(deployment) == orphaned  # the cursor resumes on the real backend
    table = cli("migrate")
    assert "usersRoleToBooleans" in table.stdout
    assert "removeOrphanedQuizTall" in table.stdout  # folded at the runner's 80 columns
    assert "changed" in table.stdout
    migrated = changed("--dry-run")
    assert (migrated["usersRoleToBooleans"], migrated["removeOrphanedQuizTallies"]) == (0, 0)
    user = deployment.client().users.get_by_email(email)
    assert user is not None
    assert user.is_admin


# ---------------------------------------------------------------- dev and Ctrl-C


def test_dev_delegates_with_its_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []

    def run_dev(**options: Any) -> int:
        calls.append(options)
        return 0

    monkeypatch.setattr(dev, "run_dev", run_dev)
    result = CliRunner().invoke(app, ["dev", "--port", "0", "--data-dir", str(tmp_path), "--no-publish-env"])
    assert result.exit_code == 0, result.stderr
    free = {"data_dir": tmp_path, "port": 0, "site_port": 0, "publish_env": None, "project_root": None}
    assert calls == [free]
    CliRunner().invoke(app, ["dev"])
    assert calls[-1] == {
        "data_dir": Path(".doctrina/dev"),
        "port": 3210,
        "site_port": 3211,  # self-hosted Convex's
        "publish_env": Path(".env.local"),
        "project_root": None,
    }
    CliRunner().invoke(app, ["dev", "--site-port", "8211"])
    assert calls[-1]["site_port"] == 8211


def test_ctrl_c_during_start_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def interrupted(**options: Any) -> LocalBackend:
        raise KeyboardInterrupt

    monkeypatch.setattr(LocalBackend, "start", interrupted)
    for command in (["dev"], ["seed"], ["export", "x.zip"]):
        result = CliRunner().invoke(app, [*command, "--data-dir", str(tmp_path)])
        assert result.exit_code == _app.EXIT_INTERRUPTED
        assert one_line(result.stderr) == "Interrupted."


def test_a_backend_that_cannot_start_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["seed", "--data-dir", str(tmp_path), "--project-root", str(tmp_path)])
    assert result.exit_code == _app.EXIT_ERROR
    assert "not a Doctrina project" in one_line(result.stderr)


def test_ctrl_c_in_a_real_process_leaves_nothing_running(tmp_path: Path, wait_gone: Any) -> None:
    """SIGINT once the backend holds its data directory: one line, exit 130, the server stopped."""
    doctrina = Path(sys.executable).with_name("doctrina")
    data = tmp_path / "data"
    seeding = subprocess.Popen(
        [str(doctrina), "seed", "--data-dir", str(data)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        holder = data / "holder.json"
        while not holder.exists() and seeding.poll() is None:
            time.sleep(0.05)  # polls for the file; nothing is timed
        server_pid = json.loads(holder.read_text())["pid"]
        seeding.send_signal(signal.SIGINT)
        _, err = seeding.communicate(timeout=120)
    finally:
        if seeding.poll() is None:
            seeding.kill()
            seeding.communicate()
    assert seeding.returncode == _app.EXIT_INTERRUPTED, err
    assert one_line(err) == "Interrupted."
    assert wait_gone(server_pid), "the backend outlived the interrupted command"
