"""Doctrina SDK: a typed Python client for the Doctrina LMS on Convex."""

from . import types
from ._client import AsyncDoctrina, Doctrina
from ._constants import __version__
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    DoctrinaError,
    FunctionAuthenticationError,
    FunctionConflictError,
    FunctionError,
    FunctionNotFoundError,
    FunctionPermissionDeniedError,
    FunctionValidationError,
    HTTPAuthenticationError,
    HTTPConflictError,
    HTTPNotFoundError,
    HTTPPermissionDeniedError,
    InternalServerError,
    InvalidStateError,
    LimitExceededError,
    LocalBackendError,
    MissingDependencyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    ValidationError,
)
from ._local_backend import LocalBackend
from ._logs import setup_logging
from ._types import FunctionCall
from .pagination import AsyncCursorPage, Page, SyncCursorPage

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncCursorPage",
    "AsyncDoctrina",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "Doctrina",
    "DoctrinaError",
    "FunctionAuthenticationError",
    "FunctionCall",
    "FunctionConflictError",
    "FunctionError",
    "FunctionNotFoundError",
    "FunctionPermissionDeniedError",
    "FunctionValidationError",
    "HTTPAuthenticationError",
    "HTTPConflictError",
    "HTTPNotFoundError",
    "HTTPPermissionDeniedError",
    "InternalServerError",
    "InvalidStateError",
    "LimitExceededError",
    "LocalBackend",
    "LocalBackendError",
    "MissingDependencyError",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "SyncCursorPage",
    "ValidationError",
    "__version__",
    "types",
]

setup_logging()
