"""The ``doctrina`` command (Typer + Rich), one module per command; docs/cli.md.

``main`` runs the Typer app and returns its exit code; the console script reaches it
through `_doctrina_entry`, which takes Ctrl-C while this package is still importing.
Commands end errors and Ctrl-C in one line on stderr (`_app.one_line_errors`),
never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import dev, migrate, run, seed, snapshot, verify
from ._app import app

__all__ = ["app", "main"]

# Importing a command's module registers it; the tuple keeps the imports from reading as unused.
_COMMANDS = (dev, migrate, run, seed, snapshot, verify)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        app(args=None if argv is None else list(argv), prog_name="doctrina")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 0 if done.code is None else 1
    return 0
