"""README.md works as written: its Python snippets run, and so do its `doctrina` commands
and its `npx convex run` commands against `doctrina dev`.

Run in a temporary working directory (its `.venv`, `node_modules`, `package.json` and
`convex/` links to this checkout's), in the README's order, so they see what a new user's
shell would: `.doctrina/dev` made by `doctrina seed`, the snapshot `doctrina export` wrote,
the `.env.local` `doctrina dev` wrote. Not run: `make` (this suite is part of `make test`),
`node local-backend/dist/main.js` (what `doctrina dev` runs) and the deployment's
`npx convex env set` / `deploy`. `doctrina dev` runs on free ports (`--port 0`): 3210 may be
taken on a shared machine.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
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


def npx_commands() -> list[str]:
    """The README's `npx convex run` commands, continuation lines joined."""
    joined = [body.replace("\\\n", " ") for body in blocks("bash")]
    lines = [COMMENT.sub("", line).strip() for body in joined for line in body.splitlines()]
    return [line for line in lines if line.startswith("npx convex run ")]


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("readme")
    for name in (".venv", "node_modules", "package.json", "convex"):
        (work / name).symlink_to(ROOT / name)
    return work


def test_the_readme_has_what_this_test_runs() -> None:
    assert len(blocks("python")) >= 2
    commands = doctrina_commands()
    for command in ("seed", "run", "verify", "migrate", "export", "import"):
        assert any(line.startswith(f".venv/bin/doctrina {command}") for line in commands), command
    assert "| `client.courses` |" in README  # the generated resource table
    assert len(npx_commands()) == 2


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


def test_dev_serves_the_convex_cli_and_http_actions(shell: Path) -> None:
    """`doctrina dev` writes `.env.local`; the README's `npx convex run` commands then work, and
    the webhook answers 500 until its secret is set; Ctrl-C stops it with exit 0."""
    dev = subprocess.Popen(
        [".venv/bin/doctrina", "dev", "--port", "0"],
        cwd=shell,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert dev.stdout is not None
        site_url = ""
        for line in dev.stdout:  # ends at "Press Ctrl-C", or at EOF if dev failed
            site_url = line.split(": ", 1)[1].strip() if "HTTP actions:" in line else site_url
            if line.startswith("Press Ctrl-C"):
                break
        assert site_url, dev.stderr.read() if dev.poll() is not None else "no site URL printed"
        for command in npx_commands():
            done = subprocess.run(
                ["bash", "-c", command], cwd=shell, capture_output=True, text=True, timeout=600, check=False
            )
            assert done.returncode == 0, f"{command}\n{done.stderr}"
            assert isinstance(json.loads(done.stdout), dict), command
        webhook = httpx.post(f"{site_url}/stripe/webhook", content=b"{}", timeout=30.0)
        assert webhook.status_code == 500
        assert "STRIPE_WEBHOOK_SECRET" in webhook.json()["error"]
        dev.send_signal(signal.SIGINT)
        assert dev.wait(timeout=60) == 0
    finally:
        if dev.poll() is None:
            dev.kill()
        dev.communicate()
