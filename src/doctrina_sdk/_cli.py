"""The ``doctrina`` command.

``doctrina dev`` runs the local backend in the foreground, writes `.env.local`
so `Doctrina()` and the Convex CLI find it, pushes `convex/` on save and prints function
logs (`_dev_loop.py`); ``doctrina run`` calls one function;
``doctrina export`` / ``doctrina import`` write and load ``npx convex export`` ZIPs of a
local data directory (through its running server, or one started for the command).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from convex.values import convex_to_json
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ._client import Doctrina
from ._constants import __version__
from ._dev_loop import run_dev_loop
from ._exceptions import DoctrinaError
from ._local_backend import LocalBackend, find_project_root
from ._types import FunctionCall


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="doctrina", description="Doctrina SDK command line")
    parser.add_argument("--version", action="version", version=f"doctrina-sdk {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    dev = commands.add_parser("dev", help="run the local backend in the foreground")
    dev.add_argument("--data-dir", default=".doctrina/dev", help="data directory (default .doctrina/dev)")
    dev.add_argument("--port", type=int, default=3210, help="port; 0 picks a free one (default 3210)")
    dev.add_argument("--publish-env", default=".env.local", help="env file to write the URL and key to")
    dev.add_argument("--no-publish-env", action="store_true", help="write no env file")
    dev.add_argument("--project-root", help="the directory holding local-backend/ and convex/")

    run = commands.add_parser("run", help="call a function on the deployment from the environment")
    run.add_argument("function", help="e.g. users:getByEmail")
    run.add_argument("args", nargs="?", default="{}", help="the arguments as a JSON object")
    run.add_argument("--kind", choices=("query", "mutation", "action"), default="query")
    run.add_argument("--as-user", help="act as this users id (service credentials only)")

    export = commands.add_parser("export", help="write a local data directory to an npx convex export ZIP")
    export.add_argument("path", help="the ZIP file to write, e.g. snapshot.zip")
    _add_backend_options(export)

    load = commands.add_parser("import", help="load an npx convex export ZIP into a local data directory")
    load.add_argument("path", help="the ZIP file to read")
    modes = load.add_mutually_exclusive_group()
    modes.add_argument("--replace", action="store_true", help="replace the documents of the imported tables")
    modes.add_argument("--append", action="store_true", help="add to the imported tables")
    _add_backend_options(load)
    return parser


def _add_backend_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--data-dir", default=".doctrina/dev", help="data directory (default .doctrina/dev)")
    command.add_argument("--project-root", help="the directory holding local-backend/ and convex/")


def _stop_on_sigterm() -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, handler)


def _dev(options: argparse.Namespace) -> int:
    publish_env = None if options.no_publish_env else Path(options.publish_env)
    _stop_on_sigterm()
    with LocalBackend.start(
        data_dir=options.data_dir,
        port=options.port,
        project_root=options.project_root,
        publish_env=publish_env,
    ) as backend:
        print(f"Doctrina local backend ready at {backend.url}")
        print(f"  data:      {backend.data_dir}")
        print(f"  admin key: {backend.data_dir / 'admin_key'}")
        if publish_env is not None:
            print(f"  wrote {publish_env} (CONVEX_SELF_HOSTED_URL, CONVEX_SELF_HOSTED_ADMIN_KEY)")
        print("Press Ctrl-C to stop.", flush=True)
        try:
            code = run_dev_loop(backend, project_root=find_project_root(options.project_root))
        except KeyboardInterrupt:
            return 0
    print(f"The local backend exited with code {code}", file=sys.stderr)
    return code or 1


def _run(options: argparse.Namespace) -> int:
    try:
        args = json.loads(options.args)
    except json.JSONDecodeError as exc:
        raise DoctrinaError(f"The arguments are not JSON: {exc}") from None
    if not isinstance(args, dict):
        raise DoctrinaError("The arguments must be a JSON object")
    with Doctrina() as client:
        caller = client.acting_as(options.as_user) if options.as_user else client
        result: Any = caller._request(FunctionCall(options.kind, options.function, args), cast_to=object)
    print(json.dumps(convex_to_json(result), indent=2, ensure_ascii=False))
    return 0


def _snapshot(options: argparse.Namespace) -> int:
    """Export or import through the data directory's server (attached, or started for this)."""
    backend = LocalBackend.start(data_dir=options.data_dir, project_root=options.project_root, attach=True)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    ) as progress:
        verb = "Exporting" if options.command == "export" else "Importing"
        task = progress.add_task(f"{verb} {options.path}", total=None)

        def update(job: dict[str, Any]) -> None:
            total = job.get("totalDocuments") or None
            progress.update(task, completed=job.get("documents", 0), total=total)

        try:
            if options.command == "export":
                counts = backend.export_snapshot(options.path, on_progress=update)
            else:
                counts = backend.import_snapshot(
                    options.path, replace=options.replace, append=options.append, on_progress=update
                )
        finally:
            if backend.pid is not None:
                backend.stop()
    done = "Exported" if options.command == "export" else "Imported"
    print(f"{done} {counts['documents']} documents in {counts['tables']} tables ({options.path})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    commands = {"dev": _dev, "run": _run, "export": _snapshot, "import": _snapshot}
    try:
        return commands[options.command](options)
    except DoctrinaError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
