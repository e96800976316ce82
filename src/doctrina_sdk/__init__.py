"""Doctrina SDK: a typed Python client for the Doctrina LMS on Convex."""

from . import _exceptions, types
from ._client import AsyncDoctrina, Doctrina
from ._constants import __version__
from ._exceptions import *  # noqa: F403  (every error class: `_exceptions.__all__`)
from ._local_backend import LocalBackend
from ._logs import setup_logging
from ._types import FunctionCall
from .pagination import AsyncCursorPage, Page, SyncCursorPage

__all__ = [
    "AsyncCursorPage",
    "AsyncDoctrina",
    "Doctrina",
    "FunctionCall",
    "LocalBackend",
    "Page",
    "SyncCursorPage",
    "__version__",
    "types",
]
__all__ += _exceptions.__all__

setup_logging()
