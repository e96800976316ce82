"""Defaults and fixed names shared by the clients, the transports and the local backend."""

from __future__ import annotations

import httpx

__version__ = "0.1.0"

# The server parses `Convex-Client` as `{name}-{semver}`, taking the longest semver
# suffix from the right (convex-backend `common/src/version.rs`). `doctrina-python`
# is an unrecognised client name there, so no deprecation threshold applies to it,
# and it never poses as the official `python-convex` client.
CLIENT_HEADER_VALUE = f"doctrina-python-{__version__}"

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
DEFAULT_CONNECTION_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)

INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
# A server asking for a longer pause than this gets this long: a retrying call should
# not hang for minutes because of one header.
MAX_RETRY_AFTER = 60.0

RETRY_COUNT_HEADER = "Doctrina-Retry-Count"

# Identities the service presents with the admin key (docs/architecture.md "Callers").
SERVICE_ISSUER = "https://service.doctrina.invalid"
SERVICE_SUBJECT = "service"

DEFAULT_PAGE_SIZE = 100
