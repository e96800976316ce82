"""`doctrina dev`'s loop (`_dev_loop.py`) with the real server and the real Convex CLI:
a save in convex/ pushes it, a refused push keeps the old code, function logs print."""

from __future__ import annotations

import io
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from doctrina_sdk import LocalBackend
from doctrina_sdk._dev_loop import format_log_entry, run_dev_loop

REPO = Path(__file__).resolve().parents[3]
FIXTURE = REPO / "local-backend" / "test" / "fixtures" / "convex"
# Each push runs the Convex CLI (bundling, then the push itself): generous under load.
WAIT_SECONDS = 120.0
PROBE = """import { query } from "./_generated/server";
export const hello = query({
  args: {},
  handler: async () => {
    console.log("hello from dev");
    return "v1";
  },
});
"""


class _Output(io.StringIO):
    """What the loop prints, readable from the test thread."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            return super().write(text)

    def text(self) -> str:
        with self._lock:
            return self.getvalue()


def _wait_for(condition: Callable[[], bool], what: str, output: _Output) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what} did not happen within {WAIT_SECONDS:.0f} s; output:\n{output.text()}"
            )
        time.sleep(0.2)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of its own (the fixture functions), sharing the repo's backend build and node_modules."""
    root = tmp_path / "project"
    root.mkdir()
    for shared in ("local-backend", "node_modules", "package-lock.json"):
        (root / shared).symlink_to(REPO / shared)
    shutil.copy(REPO / "package.json", root / "package.json")
    shutil.copytree(FIXTURE, root / "convex")
    return root


@pytest.fixture
def dev_loop(project: Path, tmp_path: Path) -> Iterator[tuple[LocalBackend, _Output]]:
    output = _Output()
    stop = threading.Event()
    with LocalBackend.start(data_dir=tmp_path / "data", project_root=project, startup_timeout=120) as backend:
        loop = threading.Thread(
            target=run_dev_loop,
            kwargs={"backend": backend, "project_root": project, "out": output, "stop": stop},
        )
        loop.start()
        try:
            _wait_for(lambda: "Watching" in output.text(), "the loop start", output)
            yield backend, output
        finally:
            stop.set()
            loop.join(timeout=60)
    assert not loop.is_alive()


def _query(backend: LocalBackend, path: str) -> dict[str, object]:
    response = httpx.post(f"{backend.url}/api/query", json={"path": path, "args": {}}, timeout=10)
    result: dict[str, object] = response.json()
    return result


def test_a_save_pushes_the_module_and_its_log_line_prints(
    dev_loop: tuple[LocalBackend, _Output], project: Path
) -> None:
    backend, output = dev_loop
    assert _query(backend, "devProbe:hello")["status"] == "error"
    (project / "convex" / "devProbe.ts").write_text(PROBE)
    _wait_for(lambda: "pushed convex/" in output.text(), "the push", output)
    assert _query(backend, "devProbe:hello") == {
        "status": "success",
        "value": "v1",
        "logLines": ["[LOG] 'hello from dev'"],
    }
    _wait_for(lambda: "devProbe:hello" in output.text(), "the log line", output)
    line = next(line for line in output.text().splitlines() if "devProbe:hello" in line)
    assert "query" in line
    assert "[LOG] 'hello from dev'" in line
    assert " ms" in line


def test_a_refused_push_prints_convex_message_and_keeps_the_old_code(
    dev_loop: tuple[LocalBackend, _Output], project: Path
) -> None:
    backend, output = dev_loop
    (project / "convex" / "devProbe.ts").write_text(PROBE)
    _wait_for(lambda: "pushed convex/" in output.text(), "the first push", output)
    (project / "convex" / "devBroken.ts").write_text('export {};\nthrow new Error("broken at import");\n')
    _wait_for(lambda: "push failed" in output.text(), "the refused push", output)
    assert "broken at import" in output.text()
    assert _query(backend, "devProbe:hello")["status"] == "success"


def test_a_log_entry_is_one_line_with_time_kind_function_duration_lines_and_error() -> None:
    entry = {
        "udfType": "Mutation",
        "identifier": "scheduling:failing",
        "timestamp": 1_700_000_000.25,
        "executionTime": 0.0123,
        "caller": "Scheduler",
        "logLines": ["[LOG] 'a\\nb'", "[WARN] 'careful'"],
        "error": "Uncaught Error: scheduled failure\n    at handler (scheduling.ts:16)",
    }
    line = format_log_entry(entry)
    assert "\n" not in line
    assert line.split()[0].endswith(".250")
    assert "mutation" in line
    assert "scheduling:failing" in line
    assert "12 ms" in line
    assert "(scheduled)" in line
    assert "[LOG] 'a\\nb' | [WARN] 'careful'" in line
    assert line.endswith("ERROR Uncaught Error: scheduled failure")
