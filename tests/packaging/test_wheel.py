"""The built wheel, installed into a fresh virtualenv outside the checkout, runs the backend.

Builds the wheel (the hatch hook bundles the server, convex/ and the runtime Node
packages), installs it with its dependencies from the configured package index into
a virtualenv in a temporary directory, and from there starts `LocalBackend`, calls a
function and stops; then checks the one-line refusal when ``node`` is not on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

SCRIPT = """
import hashlib, hmac, json, time, urllib.error, urllib.request
from doctrina_sdk import LocalBackend

SECRET = "whsec_wheel"

def webhook(signature):
    body = json.dumps({"id": "evt_1", "object": "event", "type": "customer.created", "data": {"object": {}}})
    stamp = str(int(time.time()))
    mac = hmac.new(SECRET.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    header = f"t={stamp},v1={mac if signature == 'good' else '0' * 64}"
    request = urllib.request.Request(
        backend.site_url + "/stripe/webhook", data=body.encode(), headers={"Stripe-Signature": header}
    )
    try:
        return urllib.request.urlopen(request).status
    except urllib.error.HTTPError as error:
        return error.code

with LocalBackend.start(data_dir="data", env={"STRIPE_WEBHOOK_SECRET": SECRET}) as backend:
    user = backend.client().users.create(first_name="Wheel", last_name="Test", email="wheel@example.com")
    print(backend.url, user.email, webhook("bad"), webhook("good"))
"""


def run(
    *command: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A virtualenv (outside the checkout) with the built wheel installed; yields its bin/."""
    base = tmp_path_factory.mktemp("wheel")
    built = run(sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "-w", base / "dist", cwd=base)
    assert built.returncode == 0, built.stderr
    (wheel,) = (base / "dist").glob("doctrina_sdk-*.whl")
    venv.create(base / "venv", with_pip=True)
    bin_dir = base / "venv" / "bin"
    installed = run(bin_dir / "python", "-m", "pip", "install", "--quiet", wheel, cwd=base)
    assert installed.returncode == 0, installed.stderr
    yield bin_dir
    shutil.rmtree(base, ignore_errors=True)


def clean_env(tmp: Path, path: str) -> dict[str, str]:
    """No checkout to find: no DOCTRINA_PROJECT_ROOT, a cache of its own, ``path`` as PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCTRINA_", "CONVEX_", "VIRTUAL_ENV"))}
    return {**env, "PATH": path, "DOCTRINA_CACHE_DIR": str(tmp / "cache"), "HOME": str(tmp)}


def test_the_installed_wheel_starts_the_backend_anywhere(installed: Path, tmp_path: Path) -> None:
    work = tmp_path / "elsewhere"
    work.mkdir()
    node_dir = Path(shutil.which("node") or "node").parent
    env = clean_env(tmp_path, f"{installed}{os.pathsep}{node_dir}{os.pathsep}/usr/bin:/bin")
    done = run(installed / "python", "-c", SCRIPT, cwd=work, env=env)
    assert done.returncode == 0, done.stderr
    url, email, badly_signed, well_signed = done.stdout.split()
    assert url.startswith("http://127.0.0.1:")
    assert email == "wheel@example.com"
    # The webhook's `stripe` package came with the wheel: it refuses a bad signature, accepts a good one.
    assert (badly_signed, well_signed) == ("400", "200")
    # The project came from the wheel, through the per-user cache: not from this checkout.
    (project,) = (tmp_path / "cache").glob("project-*")
    assert (project / "local-backend" / "dist" / "main.js").is_file()
    assert (project / "node_modules" / "better-sqlite3").is_dir()
    assert (project / "node_modules" / "stripe" / "package.json").is_file()
    assert not (project / "local-backend" / "src").exists()


def test_without_node_the_refusal_is_one_line(installed: Path, tmp_path: Path) -> None:
    env = clean_env(tmp_path, str(installed))
    done = run(
        installed / "doctrina", "run", "users:me", "--data-dir", tmp_path / "data", cwd=tmp_path, env=env
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: 'node' not found: the local backend needs Node.js 20 or newer"
    ]
