"""``doctrina migrate``: convex/migrations.ts through the SDK, batch by batch, with what changed."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Literal

import typer
from rich.table import Table

from .._client import Doctrina
from ..types.ids import LessonId
from ._app import (
    AdminKeyOption,
    JsonOption,
    ProjectRootOption,
    ServiceDataDirOption,
    UrlOption,
    app,
    connect,
    console,
    one_line_errors,
    print_json,
)

EXAMPLES = """
Examples:

    doctrina migrate --dry-run    # what would change, nothing written
    doctrina migrate              # apply every migration and repair counter drift
    doctrina migrate --json
"""

CounterTable = Literal["courses", "resources", "courseDiscussions"]
COUNTER_TABLES: tuple[CounterTable, ...] = ("courses", "resources", "courseDiscussions")


@dataclass(frozen=True)
class Outcome:
    """One migration over one table: rows looked at, rows changed (or that would be), and recounts
    too large for one batch, still running in the background (each logs its drift when it ends)."""

    migration: str
    table: str
    processed: int
    changed: int
    pending: int = 0


@app.command(epilog=EXAMPLES)
def migrate(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    json_output: JsonOption = False,
    url: UrlOption = None,
    admin_key: AdminKeyOption = None,
    data_dir: ServiceDataDirOption = None,
    project_root: ProjectRootOption = None,
) -> int:
    """Run the data migrations and counter repairs of convex/migrations.ts."""
    connection = connect(url=url, admin_key=admin_key, data_dir=data_dir, project_root=project_root)
    with one_line_errors(), connection as client:
        outcomes = [users_role_to_booleans(client, dry_run=dry_run)]
        outcomes.append(remove_orphaned_quiz_tallies(client, dry_run=dry_run))
        outcomes += [recount_counters(client, table, dry_run=dry_run) for table in COUNTER_TABLES]
    if json_output:
        print_json({"dryRun": dry_run, "migrations": [asdict(outcome) for outcome in outcomes]})
        return 0
    verb = "would change" if dry_run else "changed"
    table = Table(title="Migrations (dry run: nothing written)" if dry_run else "Migrations")
    numbers = ("processed", verb, "pending")
    for column in ("migration", "table", *numbers):
        # Names fold rather than end in an ellipsis on an 80-column terminal.
        table.add_column(column, justify="right" if column in numbers else "left", overflow="fold")
    for outcome in outcomes:
        counts = (outcome.processed, outcome.changed, outcome.pending)
        table.add_row(outcome.migration, outcome.table, *(str(count) for count in counts))
    console().print(table)
    return 0


def users_role_to_booleans(client: Doctrina, *, dry_run: bool) -> Outcome:
    """Pages through `users` in the foreground (``auto_continue=False``), summing the batches."""
    processed = changed = 0
    cursor: str | None = None
    while True:
        report = client.migrations.users_role_to_booleans(cursor=cursor, auto_continue=False, dry_run=dry_run)
        processed += int(report.processed)
        changed += int(report.updated)
        if report.cursor is None:
            return Outcome("usersRoleToBooleans", "users", processed, changed)
        cursor = report.cursor


def remove_orphaned_quiz_tallies(client: Doctrina, *, dry_run: bool) -> Outcome:
    """Quiz tallies whose lesson is gone, removed unless ``dry_run``; paged like the role migration."""
    processed = changed = 0
    cursor: LessonId | None = None
    while True:
        report = client.migrations.remove_orphaned_quiz_tallies(
            cursor=cursor, auto_continue=False, dry_run=dry_run
        )
        processed += int(report.processed)
        changed += int(report.removed)
        if report.cursor is None:
            return Outcome("removeOrphanedQuizTallies", "quizItemStatShards", processed, changed)
        cursor = report.cursor


def recount_counters(client: Doctrina, table: CounterTable, *, dry_run: bool) -> Outcome:
    """Counter drift of ``table``; repaired unless ``dry_run``."""
    processed = changed = pending = 0
    cursor: str | None = None
    while True:
        report = client.migrations.recount_counters(
            table, repair=not dry_run, cursor=cursor, auto_continue=False
        )
        processed += int(report.checked)
        changed += len({drift.id for drift in report.drift})
        pending += int(report.pending)
        if report.cursor is None:
            return Outcome("recountCounters", table, processed, changed, pending)
        cursor = report.cursor
