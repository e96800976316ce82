"""scripts/gen_sdk.py: a new convex/ function becomes a typed SDK method; error codes map to classes.

The staleness test runs the generators on a copy of convex/ and of the package, so
the tree is never touched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from codegen_support import ROOT, load_generator, load_sdk_generator

from doctrina_sdk import FunctionError, InvalidStateError, LimitExceededError, NotFoundError
from doctrina_sdk._error_codes import ERROR_CODES, FUNCTION_ERROR_CLASSES
from doctrina_sdk._exceptions import function_error

gen_models = load_generator()
gen_sdk = load_sdk_generator()

NEW_FUNCTION = """
/** Says `text` back, louder. */
export const shout = query({
  args: { text: v.string(), times: v.optional(v.number()) },
  returns: v.string(),
  handler: async (_ctx, { text }) => text.toUpperCase(),
});
"""
STEP_TIMEOUT = 300


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of convex/ and of the SDK package, as the generators left them."""
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "convex", root / "convex")
    shutil.copytree(
        ROOT / "src/doctrina_sdk", root / "doctrina_sdk", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "docs/api.md", root / "api.md")
    return root


def generate(root: Path, *extra: str) -> int:
    """Both generators of `make codegen` on ``root``'s copy (``--check`` in ``extra`` to check)."""
    spec = root / "spec.json"
    spec.write_text(json.dumps(gen_models.export_spec(root / "convex")))
    models = gen_models.main(["--spec", str(spec), "--out", str(root / "doctrina_sdk/types"), *extra])
    sdk = gen_sdk.main(
        [
            "--spec",
            str(spec),
            "--out",
            str(root / "doctrina_sdk"),
            "--docs",
            str(root / "api.md"),
            "--readme",
            "-",
            *extra,
        ]
    )
    return int(models or sdk)


def describe(root: Path, expression: str) -> Any:
    """``expression`` evaluated against the generated copy of the package, in a fresh interpreter."""
    code = f"import inspect, json, typing, doctrina_sdk as sdk; print(json.dumps({expression}))"
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=STEP_TIMEOUT,
    )
    return json.loads(out.stdout)


def test_a_new_function_is_stale_until_generated_then_a_typed_method(project: Path) -> None:
    assert describe(project, "sdk.__file__").startswith(str(project))
    assert generate(project, "--check") == 0
    users = project / "convex/users.ts"
    users.write_text(users.read_text() + NEW_FUNCTION)

    assert generate(project, "--check") == 1
    assert generate(project) == 0
    assert generate(project, "--check") == 0

    results = {"sdk.resources.Users": "'str'", "sdk.resources.AsyncUsers": "'Awaitable[str]'"}
    for cls, result in results.items():
        signature, doc, hints = describe(
            project,
            f"[str(inspect.signature({cls}.shout)), {cls}.shout.__doc__,"
            f" sorted(typing.get_type_hints({cls}.shout))]",  # the annotations resolve
        )
        assert signature == f"(self, text: 'str', *, times: 'Float64 | None' = None) -> {result}"
        assert hints == ["return", "text", "times"]
        assert doc.startswith("Says `text` back, louder.")
        assert "Calls `users:shout`." in doc
    assert "### `users.shout(text, *, times=...) -> str`" in (project / "api.md").read_text()


def test_every_generated_file_says_so() -> None:
    for path in [
        *(ROOT / "src/doctrina_sdk/resources").glob("*.py"),
        ROOT / "src/doctrina_sdk/_error_codes.py",
    ]:
        if path.name != "_base.py":
            assert path.read_text().startswith(gen_sdk.HEADER), path
    assert (ROOT / "docs/api.md").read_text().startswith(gen_sdk.DOCS_HEADER)


# ---------------------------------------------------------------- error codes


def thrown_codes() -> set[str]:
    """The codes convex/ throws: `fail("CODE", ...)` and the helpers of model/errors.ts."""
    errors = (ROOT / "convex/model/errors.ts").read_text()
    helpers = dict(re.findall(r"export const (\w+) = .*?fail\(\"(\w+)\"", errors, re.DOTALL))
    codes: set[str] = set()
    for source in (ROOT / "convex").rglob("*.ts"):
        if "_generated" in source.parts:
            continue
        text = source.read_text()
        codes |= set(re.findall(r"\bfail\(\"(\w+)\"", text))
        codes |= {code for helper, code in helpers.items() if re.search(rf"\b{helper}\(", text)}
    return codes


def test_every_code_convex_throws_is_declared_and_has_its_class() -> None:
    spec_codes = gen_models.export_spec(ROOT / "convex")["errorCodes"]
    assert list(ERROR_CODES) == spec_codes
    assert thrown_codes() <= set(ERROR_CODES)
    assert set(FUNCTION_ERROR_CLASSES) == set(ERROR_CODES)


@pytest.mark.parametrize("code", ERROR_CODES)
def test_a_function_error_with_each_code_raises_its_class(code: str) -> None:
    error = function_error("boom", error_data={"code": code, "message": "Nope"}, function_path="m:f")
    assert type(error) is FUNCTION_ERROR_CLASSES[code]
    assert isinstance(error, FunctionError)
    assert (error.code, error.message) == (code, "Nope")


def test_the_classes_keep_their_categories() -> None:
    assert issubclass(FUNCTION_ERROR_CLASSES["NOT_FOUND"], NotFoundError)
    assert FUNCTION_ERROR_CLASSES["LIMIT"] is LimitExceededError
    assert FUNCTION_ERROR_CLASSES["INVALID_STATE"] is InvalidStateError


def test_a_code_without_a_class_fails_generation() -> None:
    spec = {"functions": [], "modules": {}, "errorCodes": ["VALIDATION", "PAYMENT_REQUIRED"]}
    generator = gen_sdk.SdkGenerator(
        {**spec, "tables": [], "enums": {}, "shapes": {}}, ROOT / "src/doctrina_sdk"
    )
    with pytest.raises(SystemExit, match="PAYMENT_REQUIRED"):
        generator.error_codes_module()
