"""What every command shares: the Typer app, exit codes, output, errors and connection."""

from __future__ import annotations

import contextlib
import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from convex.values import convex_to_json
from rich.console import Console

from .._client import Doctrina
from .._config import resolve_config
from .._constants import __version__
from .._exceptions import ConfigurationError, DoctrinaError, FunctionError, ValidationError
from .._local_backend import LocalBackend

# docs/cli.md, "Exit codes".
EXIT_ERROR = 1  # the command could not do its work (the call failed, no backend, ...)
EXIT_USAGE = 2  # bad options or bad arguments: nothing was sent
EXIT_NOT_VALID = 3  # `verify`: the certificate is unknown, expired or revoked
EXIT_INTERRUPTED = 130  # Ctrl-C; whatever the command started has been stopped

DEFAULT_DATA_DIR = ".doctrina/dev"

app = typer.Typer(
    name="doctrina",
    help="The Doctrina SDK command line: a local backend, calls, demo data, snapshots, certificates.",
    epilog="Exit codes: 0 ok, 1 error, 2 usage, 3 certificate not valid, 130 interrupted (docs/cli.md).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"doctrina-sdk {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """The Doctrina SDK command line: a local backend, calls, demo data, snapshots, certificates."""


# ---------------------------------------------------------------- options every command takes

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document for scripts.")]
DataDirOption = Annotated[
    Path, typer.Option("--data-dir", help="The embedded backend's data directory.", show_default=True)
]
# The commands that call a deployment: an explicit --data-dir wins over the environment and .env.local.
ServiceDataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="The embedded backend's data directory [default: .doctrina/dev, unless a URL is configured].",
    ),
]
ProjectRootOption = Annotated[
    Path | None, typer.Option("--project-root", help="The directory holding local-backend/ and convex/.")
]
UrlOption = Annotated[
    str | None, typer.Option("--url", help="A deployment URL (default: the environment or .env.local).")
]
AdminKeyOption = Annotated[
    str | None, typer.Option("--admin-key", help="The deployment's admin key (with --url).")
]


# ---------------------------------------------------------------- output


def console() -> Console:
    # Made per call: the runner of the tests swaps sys.stdout.
    return Console(highlight=False, soft_wrap=True)


def error_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def json_value(value: Any) -> Any:
    """A Convex value as JSON, numbers as Convex prints them: 3.0 as 3, 0.25 as 0.25."""
    return _numbers(convex_to_json(value))


def _numbers(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {key: _numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers(item) for item in value]
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------- errors


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    error_console().print(f"error: {message}", markup=False)
    raise typer.Exit(code)


@contextlib.contextmanager
def one_line_errors() -> Iterator[None]:
    """An SDK error or Ctrl-C ends the command with one line on stderr and its exit code."""
    try:
        yield
    except KeyboardInterrupt:
        error_console().print("Interrupted.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except DoctrinaError as error:
        local = isinstance(error, ValidationError) and not isinstance(error, FunctionError)
        fail(_one_line(error), EXIT_USAGE if local else EXIT_ERROR)


def _one_line(error: DoctrinaError) -> str:
    """The error's first line (the local backend appends its stderr after it), with the
    line after when the first only introduces it ("...importing:")."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    if lines[0].endswith(":") and len(lines) > 1:
        return f"{lines[0]} {lines[1]}"
    return lines[0]


# ---------------------------------------------------------------- connection


@contextlib.contextmanager
def connect(
    *, url: str | None, admin_key: str | None, data_dir: Path | None, project_root: Path | None
) -> Iterator[Doctrina]:
    """A service client: of ``--url``, else of an explicit ``--data-dir``'s embedded backend, else of
    the environment or `.env.local`, else of the default data directory's embedded backend
    (attached to when running, else started for the command)."""
    if url is not None or (data_dir is None and _configured(Path(DEFAULT_DATA_DIR))):
        with Doctrina(url=url, admin_key=admin_key) as client:
            yield client
        return
    if admin_key is not None:
        fail("--admin-key needs --url (or a URL in the environment or .env.local)", EXIT_USAGE)
    with embedded(data_dir=data_dir or Path(DEFAULT_DATA_DIR), project_root=project_root) as backend:
        yield backend.client()


def _configured(data_dir: Path) -> bool:
    """A deployment is configured, other than the one `doctrina dev` published for ``data_dir``:
    its `.env.local` outlives the server, so that one means the data directory's backend."""
    try:
        config = resolve_config(url=None, admin_key=None, auth_token=None)
    except ConfigurationError:
        return False
    key_file = data_dir / "admin_key"
    published = key_file.is_file() and key_file.read_text().strip() == config.credentials.admin_key
    return not published


@contextlib.contextmanager
def embedded(*, data_dir: Path, project_root: Path | None) -> Iterator[LocalBackend]:
    """The server of ``data_dir``: the running one, or one started (and stopped) for the command."""
    backend = LocalBackend.start(data_dir=data_dir, project_root=project_root, attach=True)
    try:
        yield backend
    finally:
        if backend.pid is not None:
            backend.stop()
