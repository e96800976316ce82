"""The SDK's error hierarchy (docs/errors.md).

Every error is a `DoctrinaError`. Errors come from three places: the network
(`APIConnectionError`), an HTTP status from the server (`APIStatusError`) and a
Convex function that ran and failed (`FunctionError`). What went wrong is a second
axis: `NotFoundError`, `PermissionDeniedError`, ... are categories that both an HTTP
status and a function's error `code` can land in, so the raised class inherits from
its origin *and* its category, and `except NotFoundError` catches an HTTP 404 and a
function's `NOT_FOUND` alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "DoctrinaError",
    "FunctionAuthenticationError",
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
    "LocalBackendError",
    "MissingDependencyError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "ValidationError",
]


class DoctrinaError(Exception):
    """Base class of every error the SDK raises.

    ``code`` is the backend's error code (``"NOT_FOUND"``) or the HTTP error code
    (``"BadAdminKey"``) when there is one; ``data`` the structured error data a
    function attached; ``function_path`` the Convex function called; ``request_id``
    the server's request id when it reported one; ``log_lines`` the function's
    console output. None of them ever holds a credential.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        data: Any = None,
        function_path: str | None = None,
        request_id: str | None = None,
        log_lines: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.data = data
        self.function_path = function_path
        self.request_id = request_id
        self.log_lines = list(log_lines)

    def __str__(self) -> str:
        where = f" ({self.function_path})" if self.function_path else ""
        code = f"[{self.code}] " if self.code else ""
        return f"{code}{self.message}{where}"

    def __repr__(self) -> str:
        fields = {"code": self.code, "message": self.message, "function_path": self.function_path}
        shown = ", ".join(f"{k}={v!r}" for k, v in fields.items() if v is not None)
        return f"{type(self).__name__}({shown})"


class ConfigurationError(DoctrinaError):
    """The client cannot be configured: no URL, or conflicting credentials."""


class LocalBackendError(DoctrinaError):
    """The embedded local backend could not be installed, built or started."""


class MissingDependencyError(DoctrinaError, ImportError):
    """An optional dependency (an extra such as ``pandas``) is not installed."""


class ResponseValidationError(DoctrinaError):
    """The server's answer does not match the type the SDK expected."""


# --- categories: what went wrong, whatever reported it -------------------------------


class ValidationError(DoctrinaError):
    """Invalid arguments: found locally (nothing was sent) or by the function (``VALIDATION``)."""


class AuthenticationError(DoctrinaError):
    """No valid caller: HTTP 401 or the function's ``UNAUTHENTICATED``."""


class PermissionDeniedError(DoctrinaError):
    """The caller may not do this: HTTP 403 or the function's ``FORBIDDEN``."""


class NotFoundError(DoctrinaError):
    """The target does not exist: HTTP 404 or the function's ``NOT_FOUND``."""


class ConflictError(DoctrinaError):
    """Clashes with existing data: HTTP 409 or the function's ``CONFLICT``."""


# --- origin: the network ---------------------------------------------------------------


class APIConnectionError(DoctrinaError):
    """The server could not be reached, or the connection broke before an answer.

    ``request_sent`` is False when no connection was made: the function cannot
    have run. When True, a mutation or action may or may not have run.
    """

    def __init__(self, message: str, *, request_sent: bool, function_path: str | None = None) -> None:
        super().__init__(message, function_path=function_path)
        self.request_sent = request_sent


class APITimeoutError(APIConnectionError):
    """No answer within the configured timeout."""


# --- origin: an HTTP status --------------------------------------------------------------


class APIStatusError(DoctrinaError):
    """The server answered with an HTTP error status (the function did not run)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        code: str | None = None,
        function_path: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, code=code, function_path=function_path, request_id=request_id)
        self.status_code = status_code
        self.headers: dict[str, str] = dict(headers or {})
        self.body = body

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, status_code={self.status_code})"


class BadRequestError(APIStatusError):
    """HTTP 400: the server could not parse the request."""


class HTTPAuthenticationError(APIStatusError, AuthenticationError):
    """HTTP 401: the admin key or the token was rejected."""


class HTTPPermissionDeniedError(APIStatusError, PermissionDeniedError):
    """HTTP 403."""


class HTTPNotFoundError(APIStatusError, NotFoundError):
    """HTTP 404."""


class HTTPConflictError(APIStatusError, ConflictError):
    """HTTP 409."""


class RateLimitError(APIStatusError):
    """HTTP 429: rejected before running; safe to retry after a pause."""


class InternalServerError(APIStatusError):
    """HTTP 5xx."""


# --- origin: a function that ran and failed ---------------------------------------------


class FunctionError(DoctrinaError):
    """The Convex function failed (``status: "error"``); its transaction was rolled back."""


class FunctionValidationError(FunctionError, ValidationError):
    """``VALIDATION``, or the server's own argument validation."""


class FunctionAuthenticationError(FunctionError, AuthenticationError):
    """``UNAUTHENTICATED``."""


class FunctionPermissionDeniedError(FunctionError, PermissionDeniedError):
    """``FORBIDDEN``."""


class FunctionNotFoundError(FunctionError, NotFoundError):
    """``NOT_FOUND``."""


class FunctionConflictError(FunctionError, ConflictError):
    """``CONFLICT``: duplicate data, or an idempotency key reused with other arguments."""


class LimitExceededError(FunctionError):
    """``LIMIT``: a capacity or size limit (session full, batch too large)."""


class InvalidStateError(FunctionError):
    """``INVALID_STATE``: not allowed in the target's current state."""


STATUS_ERROR_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: HTTPAuthenticationError,
    403: HTTPPermissionDeniedError,
    404: HTTPNotFoundError,
    409: HTTPConflictError,
    429: RateLimitError,
}

_REQUEST_ID = re.compile(r"^\[Request ID: ([^\]]+)\] ")
# The server checks arguments against the function's validator before running it;
# the official backend and convex-test word the failure differently.
_ARGUMENT_VALIDATION_MARKERS = ("ArgumentValidationError", "Validator error")


def status_error(
    status_code: int,
    *,
    headers: Mapping[str, str],
    body: Any,
    function_path: str | None,
) -> APIStatusError:
    """The error for an HTTP error status; ``body`` is the parsed JSON body or text."""
    cls = STATUS_ERROR_CLASSES.get(status_code)
    if cls is None:
        cls = InternalServerError if status_code >= 500 else APIStatusError
    code: str | None = None
    message = f"HTTP {status_code}"
    if isinstance(body, Mapping):
        code = _str_or_none(body.get("code"))
        message = _str_or_none(body.get("message")) or message
    elif isinstance(body, str) and body.strip():
        message = body.strip()
    return cls(
        message, status_code=status_code, headers=headers, body=body, code=code, function_path=function_path
    )


def function_error(
    error_message: str,
    *,
    error_data: Any,
    function_path: str,
    log_lines: Sequence[str] = (),
) -> FunctionError:
    """The error for a function's ``status: "error"`` result.

    A `ConvexError` thrown by our functions carries ``{code, message, ...details}``
    in ``error_data``; the code picks the class. Anything else (a plain ``throw``, a
    server-side argument check) becomes a `FunctionError` with the server's text.
    """
    request_id, text = _split_request_id(error_message)
    code: str | None = None
    message = text
    if isinstance(error_data, Mapping):
        code = _str_or_none(error_data.get("code"))
        message = _str_or_none(error_data.get("message")) or message
    elif isinstance(error_data, str) and error_data:
        message = error_data
    elif error_data is None and any(m in text for m in _ARGUMENT_VALIDATION_MARKERS):
        code = "VALIDATION"
    # Imported here: the generated table names the classes above (an error path, not a hot one).
    from ._error_codes import FUNCTION_ERROR_CLASSES

    cls = FUNCTION_ERROR_CLASSES.get(code or "", FunctionError)
    return cls(
        message,
        code=code,
        data=error_data,
        function_path=function_path,
        request_id=request_id,
        log_lines=log_lines,
    )


def _split_request_id(error_message: str) -> tuple[str | None, str]:
    match = _REQUEST_ID.match(error_message)
    if match is None:
        return None, error_message
    return match.group(1), error_message[match.end() :]


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
