"""``doctrina export`` / ``doctrina import``: `npx convex export` ZIPs of a local data directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ._app import (
    DEFAULT_DATA_DIR,
    EXIT_USAGE,
    DataDirOption,
    JsonOption,
    ProjectRootOption,
    app,
    console,
    embedded,
    error_console,
    fail,
    one_line_errors,
    print_json,
)

EXPORT_EXAMPLES = """
Examples:

    doctrina export snapshot.zip                           # .doctrina/dev, running or not
    doctrina export snapshot.zip --data-dir .doctrina/demo --json
"""

IMPORT_EXAMPLES = """
Examples:

    doctrina import snapshot.zip             # the imported tables must be empty
    doctrina import snapshot.zip --replace   # replace their documents (or --append)
"""

PathArgument = Annotated[Path, typer.Argument(help="The ZIP file.")]


@app.command("export", epilog=EXPORT_EXAMPLES)
def export(
    path: PathArgument,
    json_output: JsonOption = False,
    data_dir: DataDirOption = Path(DEFAULT_DATA_DIR),
    project_root: ProjectRootOption = None,
) -> int:
    """Write a local data directory to an `npx convex export` ZIP."""
    backend_of = embedded(data_dir=data_dir, project_root=project_root)
    with (
        one_line_errors(),
        backend_of as backend,
        _progress(f"Exporting {path}", quiet=json_output) as update,
    ):
        counts = backend.export_snapshot(path, on_progress=update)
    _report("Exported", path, counts, json_output)
    return 0


@app.command("import", epilog=IMPORT_EXAMPLES)
def import_(
    path: PathArgument,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the imported tables' documents.")
    ] = False,
    append: Annotated[bool, typer.Option("--append", help="Add to the imported tables.")] = False,
    json_output: JsonOption = False,
    data_dir: DataDirOption = Path(DEFAULT_DATA_DIR),
    project_root: ProjectRootOption = None,
) -> int:
    """Load an `npx convex export` ZIP into a local data directory, all or nothing."""
    if replace and append:
        fail("--replace and --append exclude each other", EXIT_USAGE)
    backend_of = embedded(data_dir=data_dir, project_root=project_root)
    with (
        one_line_errors(),
        backend_of as backend,
        _progress(f"Importing {path}", quiet=json_output) as update,
    ):
        counts = backend.import_snapshot(path, replace=replace, append=append, on_progress=update)
    _report("Imported", path, counts, json_output)
    return 0


class _progress:
    """A progress bar on stderr fed by the snapshot job's polls (on a terminal, without ``--json``)."""

    def __init__(self, description: str, *, quiet: bool) -> None:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        errors = error_console()
        self._bar = Progress(*columns, console=errors, disable=quiet or not errors.is_terminal)
        self._task = self._bar.add_task(description, total=None)

    def __enter__(self) -> _progress:
        self._bar.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._bar.stop()

    def __call__(self, job: dict[str, Any]) -> None:
        total = job.get("totalDocuments") or None
        self._bar.update(self._task, completed=job.get("documents", 0), total=total)


def _report(done: str, path: Path, counts: dict[str, Any], json_output: bool) -> None:
    if json_output:
        print_json({"path": str(path), **counts})
    else:
        console().print(f"{done} {counts['documents']} documents in {counts['tables']} tables ({path})")
