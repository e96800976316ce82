"""Logging: the `doctrina_sdk` logger, `DOCTRINA_LOG`, and redaction of credentials.

The SDK never logs headers or credentials; the filter below is the second line of
defence, for anything that formats a credential into a message by accident.
"""

from __future__ import annotations

import logging
import os
import re

logger = logging.getLogger("doctrina_sdk")
# Console output of the Convex functions themselves (`logLines`).
function_logger = logging.getLogger("doctrina_sdk.functions")

# An authorization scheme word (not a path segment such as `.../convex`) and its credential.
_SECRETS = re.compile(r"(?<![\w/.-])(Convex|Bearer)\s+(?!-)[^\s'\",]+", re.IGNORECASE)
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}


def redact(text: str) -> str:
    """``text`` with the values of ``Convex <key>`` / ``Bearer <token>`` replaced."""
    return _SECRETS.sub(lambda m: f"{m.group(1)} <redacted>", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def setup_logging() -> None:
    """Honour ``DOCTRINA_LOG=debug|info|warning``: log to stderr at that level."""
    for each in (logger, function_logger):
        if not any(isinstance(f, RedactingFilter) for f in each.filters):
            each.addFilter(RedactingFilter())
    level = _LEVELS.get(os.environ.get("DOCTRINA_LOG", "").strip().lower())
    if level is None:
        return
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level)
