"""README.md works as written: its Python snippets run, and so do its `doctrina` commands.

Run in a temporary working directory (its `.venv` a link to this checkout's), in the
README's order, so they see what a new user's shell would: `.doctrina/dev` made by
`doctrina seed`, the snapshot `doctrina export` wrote. Not run: `make` (this suite is
part of `make test`), foreground servers (`doctrina dev`, `node ...`) and `npx convex`
(which needs one of them running).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
COMMENT = re.compile(r"\s+#\s.*$")


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README) if lang == language]


def doctrina_commands() -> list[str]:
    lines = [COMMENT.sub("", line).strip() for body in blocks("bash") for line in body.splitlines()]
    return [line for line in lines if line.startswith(".venv/bin/doctrina ") and " dev" not in line]


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("readme")
    (work / ".venv").symlink_to(ROOT / ".venv")
    return work


def test_the_readme_has_what_this_test_runs() -> None:
    assert len(blocks("python")) >= 2
    commands = doctrina_commands()
    for command in ("seed", "run", "verify", "migrate", "export", "import"):
        assert any(line.startswith(f".venv/bin/doctrina {command}") for line in commands), command
    assert "| `client.courses` |" in README  # the generated resource table


ENV_READ = re.compile(r"process\.env(?:\.|\[[\"'])([A-Za-z_][A-Za-z0-9_]*)")


def test_every_environment_variable_convex_reads_is_a_deploy_precondition_in_the_readme() -> None:
    sources = [path for path in (ROOT / "convex").rglob("*.ts") if "_generated" not in path.parts]
    read = {name for path in sources for name in ENV_READ.findall(path.read_text())}
    assert "CLERK_JWT_ISSUER_DOMAIN" in read  # the pattern still finds what convex/ reads
    assert sorted(name for name in read if f"npx convex env set {name} " not in README) == []


@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_python_snippet(index: int, shell: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", blocks("python")[index]],
        cwd=shell,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


def test_doctrina_commands_in_order(shell: Path) -> None:
    for command in doctrina_commands():
        done = subprocess.run(
            ["bash", "-c", command], cwd=shell, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, f"{command}\n{done.stderr}"
