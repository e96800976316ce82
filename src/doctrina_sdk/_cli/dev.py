"""``doctrina dev``: the local backend in the foreground, writing `.env.local`, pushing `convex/` on
save and printing function logs (`_dev_loop.py`)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from .._dev_loop import run_dev_loop
from .._local_backend import LocalBackend, find_project_root
from ._app import DEFAULT_DATA_DIR, DataDirOption, ProjectRootOption, app, one_line_errors

EXAMPLES = """
Examples:

    doctrina dev                              # ports 3210 and 3211 (HTTP actions), data in .doctrina/dev
    doctrina dev --site-port 8211             # HTTP actions (convex/http.ts) on another port
    doctrina dev --port 0 --no-publish-env    # free ports, no env file
"""

# Self-hosted Convex's ports: the API, and the HTTP actions' site.
DEFAULT_PORT = 3210
DEFAULT_SITE_PORT = 3211


@app.command(epilog=EXAMPLES)
def dev(
    data_dir: DataDirOption = Path(DEFAULT_DATA_DIR),
    port: Annotated[int, typer.Option(help="The port; 0 picks a free one.")] = DEFAULT_PORT,
    site_port: Annotated[
        int | None,
        typer.Option(help="The HTTP actions' port; 0 picks a free one. [default: 3211, free with --port 0]"),
    ] = None,
    publish_env: Annotated[Path, typer.Option(help="The env file to write the URL and admin key to.")] = Path(
        ".env.local"
    ),
    no_publish_env: Annotated[bool, typer.Option("--no-publish-env", help="Write no env file.")] = False,
    project_root: ProjectRootOption = None,
) -> int:
    """Run the local backend until Ctrl-C (or SIGTERM); push convex/ on save, print function logs."""
    with one_line_errors():
        code = run_dev(
            data_dir=data_dir,
            port=port,
            site_port=_site_port(site_port, port),
            publish_env=None if no_publish_env else publish_env,
            project_root=project_root,
        )
    if code != 0:
        raise typer.Exit(code)
    return 0


def _site_port(site_port: int | None, port: int) -> int:
    """3211 as self-hosted Convex, unless given; a free one beside a free API port (two dev servers)."""
    if site_port is not None:
        return site_port
    return 0 if port == 0 else DEFAULT_SITE_PORT


def run_dev(
    *, data_dir: Path, port: int, site_port: int, publish_env: Path | None, project_root: Path | None
) -> int:
    """Serves until Ctrl-C or SIGTERM (exit 0) or the server's own exit (its code, at least 1)."""
    _stop_on_sigterm()
    with LocalBackend.start(
        data_dir=data_dir,
        port=port,
        site_port=site_port,
        project_root=project_root,
        publish_env=publish_env,
    ) as backend:
        print(f"Doctrina local backend ready at {backend.url}")
        print(f"  HTTP actions: {backend.site_url}")
        print(f"  data:      {backend.data_dir}")
        print(f"  admin key: {backend.data_dir / 'admin_key'}")
        if publish_env is not None:
            names = "CONVEX_SELF_HOSTED_URL, CONVEX_SELF_HOSTED_ADMIN_KEY, CONVEX_SITE_URL"
            print(f"  wrote {publish_env} ({names})")
        print("Press Ctrl-C to stop.", flush=True)
        try:
            code = run_dev_loop(backend, project_root=find_project_root(project_root))
        except KeyboardInterrupt:
            return 0
    print(f"The local backend exited with code {code}", file=sys.stderr)
    return code or 1


def _stop_on_sigterm() -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, handler)
