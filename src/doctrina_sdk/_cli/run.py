"""``doctrina run``: one function call, its kind taken from the function spec."""

from __future__ import annotations

import importlib
import json
import pkgutil
from functools import cache
from typing import Annotated, Any

import pydantic
import typer

from .._exceptions import ValidationError
from .._types import FunctionCall
from ..resources._base import describe_errors
from ..types import _args
from ..types._base import ArgsModel
from ._app import (
    EXIT_USAGE,
    AdminKeyOption,
    JsonOption,
    ProjectRootOption,
    ServiceDataDirOption,
    UrlOption,
    app,
    connect,
    console,
    fail,
    json_value,
    one_line_errors,
    print_json,
)

EXAMPLES = """
Examples:

    doctrina run courses:list '{"paginationOpts": {"numItems": 5, "cursor": null}}'
    doctrina run users:create '{"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"}'
    doctrina run users:me --as-user <users id> --json

Arguments take Convex names (firstName) or the SDK's (first_name); a misspelled one is refused.
"""


@app.command(epilog=EXAMPLES)
def run(
    function: Annotated[str, typer.Argument(help="module:function, e.g. users:getByEmail.")],
    args: Annotated[str, typer.Argument(help="The arguments as a JSON object.")] = "{}",
    as_user: Annotated[
        str | None, typer.Option("--as-user", help="Act as this users id (service credentials).")
    ] = None,
    json_output: JsonOption = False,
    url: UrlOption = None,
    admin_key: AdminKeyOption = None,
    data_dir: ServiceDataDirOption = None,
    project_root: ProjectRootOption = None,
) -> int:
    """Call one query, mutation or action and print its result."""
    with one_line_errors():
        call = function_call(function, _json_object(args))
        with connect(url=url, admin_key=admin_key, data_dir=data_dir, project_root=project_root) as client:
            caller = client.acting_as(as_user) if as_user else client
            result: Any = caller._request(call, cast_to=object)
    if json_output:
        print_json(json_value(result))
    else:
        console().print_json(json.dumps(json_value(result), ensure_ascii=False))
    return 0


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"The arguments are not JSON: {exc}", EXIT_USAGE)
    if not isinstance(value, dict):
        fail("The arguments must be a JSON object", EXIT_USAGE)
    return value


def function_call(path: str, args: dict[str, Any]) -> FunctionCall:
    """The call of ``path`` with ``args``, checked against the function's declared arguments."""
    model = functions().get(path.replace(".js:", ":").removesuffix(".js"))
    if model is None:
        known = ", ".join(sorted(functions())[:5])
        raise ValidationError(
            f"Unknown function {path!r}: expected module:function, e.g. {known}, ...",
            code="VALIDATION",
            data={"field": "function"},
        )
    # The client supplies these two; a caller may still pass them, as `npx convex run` takes them.
    extra: dict[str, Any] = {
        key: args.pop(key) for key in ("paginationOpts", "idempotencyKey") if key in args
    }
    try:
        checked = model.model_validate(args)
    except pydantic.ValidationError as exc:
        raise ValidationError(
            f"Invalid arguments for {model.convex_path}: {describe_errors(exc)}",
            code="VALIDATION",
            data={"field": None},
            function_path=model.convex_path,
        ) from None
    if "paginationOpts" in extra and not model.convex_paginated:
        raise ValidationError(
            f"Invalid arguments for {model.convex_path}: paginationOpts: Extra inputs are not permitted",
            code="VALIDATION",
            data={"field": "paginationOpts"},
            function_path=model.convex_path,
        )
    if model.convex_paginated and "paginationOpts" not in extra:
        extra["paginationOpts"] = {"numItems": 20, "cursor": None}
    return FunctionCall(
        kind=model.convex_kind,
        path=model.convex_path,
        args={**checked.to_wire(), **extra},
        idempotent=model.convex_idempotent and "idempotencyKey" not in extra,
    )


@cache
def functions() -> dict[str, type[ArgsModel]]:
    """Every function of the spec by path: the generated argument models (types/_args)."""
    for module in pkgutil.iter_modules(_args.__path__):
        importlib.import_module(f"{_args.__name__}.{module.name}")
    return {model.convex_path: model for model in _subclasses(ArgsModel) if "convex_path" in vars(model)}


def _subclasses(cls: type[ArgsModel]) -> list[type[ArgsModel]]:
    found: list[type[ArgsModel]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found
