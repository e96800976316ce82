"""``doctrina seed``: the demo catalogue of `doctrina_sdk.lib.demo_data`, with a progress bar."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..lib.demo_data import SeedReport, SizeName, seed
from ._app import (
    AdminKeyOption,
    JsonOption,
    ProjectRootOption,
    ServiceDataDirOption,
    UrlOption,
    app,
    connect,
    console,
    error_console,
    one_line_errors,
    print_json,
)

EXAMPLES = """
Examples:

    doctrina seed                          # small: a few instructors, courses and learners
    doctrina seed --size large             # 200k+ documents, for benchmarks
    doctrina seed --data-dir .doctrina/bench --size medium --json
"""


@app.command("seed", epilog=EXAMPLES)
def seed_command(
    size: Annotated[SizeName, typer.Option(help="How much data: small, medium or large.")] = "small",
    seed_value: Annotated[int, typer.Option("--seed", help="The generator's seed.")] = 7,
    json_output: JsonOption = False,
    url: UrlOption = None,
    admin_key: AdminKeyOption = None,
    data_dir: ServiceDataDirOption = None,
    project_root: ProjectRootOption = None,
) -> int:
    """Fill the deployment with a realistic medical-aesthetics catalogue (safe to re-run)."""
    connection = connect(url=url, admin_key=admin_key, data_dir=data_dir, project_root=project_root)
    with one_line_errors(), connection as client, _Bar(quiet=json_output) as bar:
        report = seed(client, size=size, seed=seed_value, on_progress=bar.update)
    if json_output:
        print_json(report.as_dict())
    else:
        console().print(_table(report))
    return 0


def _table(report: SeedReport) -> Table:
    table = Table(title=f"Demo data ({report.size}, seed {report.seed})")
    table.add_column("kind")
    table.add_column("created", justify="right")
    table.add_column("already there", justify="right")
    for kind in sorted(set(report.created) | set(report.existing)):
        table.add_row(kind, str(report.created[kind]), str(report.existing[kind]))
    if report.verification_codes:
        table.caption = f"a certificate to check: doctrina verify {report.verification_codes[0]}"
    return table


class _Bar:
    """One bar per step of the generator, on stderr (on a terminal, without ``--json``)."""

    def __init__(self, *, quiet: bool) -> None:
        columns = (
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        errors = error_console()
        self._progress = Progress(*columns, console=errors, disable=quiet or not errors.is_terminal)
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _Bar:
        self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()

    def update(self, step: str, done: int, total: int) -> None:
        if step not in self._tasks:
            self._tasks[step] = self._progress.add_task(step, total=total)
        self._progress.update(self._tasks[step], completed=done, total=total)
