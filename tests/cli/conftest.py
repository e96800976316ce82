"""`doctrina` through Typer's CliRunner against a real local backend of this module's own.

`deployment` is a backend seeded once with the small demo catalogue; `cli(...)` runs
one command against it (``--url``/``--admin-key`` added unless ``connect=False``).
The developer's environment and `.env.local` are never seen: each test runs in a
temporary working directory with the deployment variables unset.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from doctrina_sdk import LocalBackend
from doctrina_sdk._cli import app

DEPLOYMENT_VARIABLES = (
    "DOCTRINA_URL",
    "CONVEX_URL",
    "CONVEX_SELF_HOSTED_URL",
    "DOCTRINA_ADMIN_KEY",
    "CONVEX_SELF_HOSTED_ADMIN_KEY",
    "CONVEX_DEPLOY_KEY",
    "DOCTRINA_AUTH_TOKEN",
)

Cli = Callable[..., Result]


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in DEPLOYMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackend]:
    with LocalBackend.start(data_dir=tmp_path_factory.mktemp("cli-backend"), startup_timeout=120) as backend:
        yield backend


@pytest.fixture(scope="module")
def seeded(deployment: LocalBackend) -> dict[str, Any]:
    """The JSON report of `doctrina seed --size small` on the module's deployment."""
    args = ["seed", "--json", "--url", deployment.url, "--admin-key", deployment.admin_key]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.fixture
def cli(deployment: LocalBackend) -> Cli:
    def invoke(*args: str, connect: bool = True) -> Result:
        target = ["--url", deployment.url, "--admin-key", deployment.admin_key] if connect else []
        return CliRunner().invoke(app, [*args, *target])

    return invoke
