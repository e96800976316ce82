"""Small types shared by the client and the resources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FunctionKind = Literal["query", "mutation", "action"]


@dataclass(frozen=True)
class FunctionCall:
    """One call of a Convex function, as a resource method describes it.

    ``args`` are wire arguments (camelCase keys, Convex-encodable values), already
    validated by the function's generated args model. ``idempotent`` marks
    functions that accept ``idempotencyKey``: the client adds a key and reuses it
    across retries, so retrying after a lost response cannot write twice.
    """

    kind: FunctionKind
    path: str
    args: dict[str, Any] = field(default_factory=dict)
    idempotent: bool = False
