"""The ``doctrina`` console script: Ctrl-C while the SDK is still importing exits quietly.

Importing `doctrina_sdk` takes a second or more (pydantic models, the generated
resources); a Ctrl-C in that time would print the traceback of whatever module was
loading. This module sits outside the package so that it can take Ctrl-C first; once the
command runs, its own handling (`doctrina_sdk._cli._app.one_line_errors`) takes over.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

# `doctrina_sdk._cli._app.EXIT_INTERRUPTED` (tests/cli compares them): importing it is what takes the time.
EXIT_INTERRUPTED = 130


def _interrupted(signum: int, frame: FrameType | None) -> None:
    sys.stderr.write("Interrupted.\n")
    raise SystemExit(EXIT_INTERRUPTED)


def main() -> int:
    signal.signal(signal.SIGINT, _interrupted)
    from doctrina_sdk._cli import main as run_command

    signal.signal(signal.SIGINT, signal.default_int_handler)
    return run_command()
