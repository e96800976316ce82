"""scripts/gen_models.py: reproducible output, and `--check` catching every kind of staleness."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from codegen_support import ROOT, load_generator

gen_models = load_generator()

LEVEL = {
    "type": "union",
    "value": [{"type": "literal", "value": "beginner"}, {"type": "literal", "value": "pro"}],
}
WIDGET = {
    "type": "object",
    "value": {
        "name": {"fieldType": {"type": "string"}, "optional": False},
        "level": {"fieldType": LEVEL, "optional": True},
        "madeAt": {"fieldType": {"type": "number"}, "optional": False},
    },
}
SPEC: dict[str, Any] = {
    "tables": [{"name": "widgets", "document": WIDGET, "indexes": []}],
    "enums": {"level": LEVEL},
    "shapes": {},
    "functions": [
        {
            "module": "widgets",
            "name": "create",
            "path": "widgets:create",
            "kind": "mutation",
            "visibility": "public",
            "args": WIDGET,
            "returns": None,
        }
    ],
}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A freshly generated package for SPEC."""
    (tmp_path / "spec.json").write_text(json.dumps(SPEC))
    assert run("--out", str(tmp_path / "types"), spec=tmp_path / "spec.json") == 0
    return tmp_path / "types"


def run(*args: str, spec: Path) -> int:
    code: int = gen_models.main(["--spec", str(spec), *args])
    return code


def check(out: Path) -> int:
    return run("--check", "--out", str(out), spec=out.parent / "spec.json")


def test_writes_every_module(out: Path) -> None:
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.py"))
    assert written == [
        "__init__.py",
        "_args/__init__.py",
        "_args/widgets.py",
        "enums.py",
        "ids.py",
        "shapes.py",
        "widgets.py",
    ]
    assert (out / "widgets.py").read_text().startswith(gen_models.HEADER)
    assert "class Widget(ConvexModel):" in (out / "widgets.py").read_text()
    assert "made_at: Timestamp" in (out / "widgets.py").read_text()
    assert "level: Level | None = None" in (out / "widgets.py").read_text()
    assert 'convex_returns = "Any"' in (out / "_args/widgets.py").read_text()


def test_check_passes_when_up_to_date(out: Path) -> None:
    assert check(out) == 0


def test_check_detects_an_edited_file(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = out / "widgets.py"
    path.write_text(path.read_text().replace("name: str", "name: int"))
    assert check(out) == 1
    assert f"stale: {path}" in capsys.readouterr().err


def test_check_detects_a_missing_file(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (out / "enums.py").unlink()
    assert check(out) == 1
    assert "enums.py" in capsys.readouterr().err


def test_check_detects_a_file_no_longer_generated(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (out / "gizmos.py").write_text(gen_models.HEADER + '"""A table that was dropped."""\n')
    assert check(out) == 1
    assert "no longer generated" in capsys.readouterr().err


def test_check_detects_a_changed_spec(out: Path) -> None:
    changed = json.loads(json.dumps(SPEC))
    changed["tables"][0]["document"]["value"]["colour"] = {"fieldType": {"type": "string"}, "optional": True}
    (out.parent / "spec.json").write_text(json.dumps(changed))
    assert check(out) == 1


def test_hand_written_files_are_left_alone(out: Path) -> None:
    (out / "_base.py").write_text('"""Hand-written."""\n')
    assert check(out) == 0
    assert run("--out", str(out), spec=out.parent / "spec.json") == 0
    assert (out / "_base.py").read_text() == '"""Hand-written."""\n'


def test_regenerating_repairs_and_removes(out: Path) -> None:
    (out / "widgets.py").write_text("broken")
    (out / "gizmos.py").write_text(gen_models.HEADER)
    assert run("--out", str(out), spec=out.parent / "spec.json") == 0
    assert not (out / "gizmos.py").exists()
    assert check(out) == 0


def test_output_is_ruff_clean(out: Path) -> None:
    ruff = [sys.executable, "-m", "ruff"]
    config = ["--config", str(ROOT / "pyproject.toml")]
    subprocess.run([*ruff, "check", *config, "--quiet", str(out)], check=True)
    subprocess.run([*ruff, "format", *config, "--check", "--quiet", str(out)], check=True)


def test_export_reads_the_real_convex_directory() -> None:
    spec = gen_models.export_spec(ROOT / "convex")
    tables = {t["name"] for t in spec["tables"]}
    assert {"users", "courses", "wishlist", "lessonProgress"} <= tables
    functions = {f["path"]: f for f in spec["functions"]}
    assert functions["users:create"]["kind"] == "mutation"
    assert functions["users:create"]["visibility"] == "public"
    assert functions["users:createMany"]["visibility"] == "internal"
    assert "idempotencyKey" in functions["users:create"]["args"]["value"]
    assert not any(
        f["module"].startswith("_generated") or f["module"] == "schema" for f in functions.values()
    )
    assert "PublicProfile" in spec["shapes"]
    assert spec["enums"]["level"]["type"] == "union"
