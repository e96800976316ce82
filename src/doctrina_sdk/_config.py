"""Where a client's URL and credentials come from, and how they are presented.

Resolution order: explicit arguments, then the process environment, then the
nearest `.env.local`: in the working directory or, as the Convex CLI finds its
project, the closest parent holding one (read with python-dotenv). Credentials are read from the same place
the URL came from, so a key meant for one deployment is never sent to another
one configured elsewhere; an explicit ``url=`` without credentials is anonymous.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from ._constants import SERVICE_ISSUER, SERVICE_SUBJECT
from ._exceptions import ConfigurationError

URL_VARIABLES = ("DOCTRINA_URL", "CONVEX_URL", "CONVEX_SELF_HOSTED_URL")
ADMIN_KEY_VARIABLES = ("DOCTRINA_ADMIN_KEY", "CONVEX_SELF_HOSTED_ADMIN_KEY", "CONVEX_DEPLOY_KEY")
AUTH_TOKEN_VARIABLES = ("DOCTRINA_AUTH_TOKEN",)
ENV_FILE = ".env.local"
# What an HTTP header value can carry: visible ASCII, with spaces and tabs only inside.
_HEADER_VALUE = re.compile(r"[\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?")


@dataclass(frozen=True)
class Credentials:
    """Who the client calls as. Never printed: the repr names only the kind of caller."""

    admin_key: str | None = field(default=None, repr=False)
    auth_token: str | None = field(default=None, repr=False)
    # The subject the admin key acts as: "service", or a users id (`acting_as`).
    subject: str = SERVICE_SUBJECT

    def __post_init__(self) -> None:
        if self.admin_key is not None and self.auth_token is not None:
            raise ConfigurationError("Pass either admin_key or auth_token, not both")
        # Checked here, once: the HTTP stack would otherwise fail every request with an
        # error that quotes the header, credential included.
        authorization = self.authorization()
        if authorization is not None and not _HEADER_VALUE.fullmatch(authorization):
            name = "admin_key" if self.admin_key is not None else "auth_token"
            raise ConfigurationError(
                f"The {name} cannot be sent in an HTTP header: it holds a line break, a control "
                "or non-ASCII character, or trailing whitespace"
            )

    @property
    def kind(self) -> str:
        if self.admin_key is not None:
            return "service" if self.subject == SERVICE_SUBJECT else "acting_as"
        return "user" if self.auth_token is not None else "anonymous"

    def __repr__(self) -> str:
        return f"Credentials(kind={self.kind!r})"

    def acting_as(self, subject: str) -> Credentials:
        if self.admin_key is None:
            raise ConfigurationError("acting_as needs a service client (one created with an admin key)")
        return Credentials(admin_key=self.admin_key, subject=subject)

    def identity(self) -> dict[str, str]:
        """The identity the admin key presents (Convex's admin "acting as")."""
        return {
            "issuer": SERVICE_ISSUER,
            "subject": self.subject,
            "tokenIdentifier": f"{SERVICE_ISSUER}|{self.subject}",
        }

    def admin_value(self) -> str:
        """``<adminKey>:<base64(JSON identity)>``, the value after ``Convex `` in the header."""
        if self.admin_key is None:
            raise ConfigurationError("Only a service client (admin key) presents an identity")
        identity = json.dumps(self.identity(), separators=(",", ":")).encode()
        return f"{self.admin_key}:{base64.b64encode(identity).decode('ascii')}"

    def authorization(self) -> str | None:
        """The ``Authorization`` header value, or None for an anonymous caller."""
        if self.admin_key is not None:
            return f"Convex {self.admin_value()}"
        if self.auth_token is not None:
            return f"Bearer {self.auth_token}"
        return None


@dataclass(frozen=True)
class ResolvedConfig:
    url: str
    credentials: Credentials


def resolve_config(
    *,
    url: str | None,
    admin_key: str | None,
    auth_token: str | None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> ResolvedConfig:
    if url is not None:
        return ResolvedConfig(_clean_url(url), Credentials(admin_key=admin_key, auth_token=auth_token))
    for source in _sources(environ, cwd):
        found = _first(source, URL_VARIABLES)
        if found is None:
            continue
        if admin_key is None and auth_token is None:
            admin_key = _first(source, ADMIN_KEY_VARIABLES)
            auth_token = _first(source, AUTH_TOKEN_VARIABLES)
            if admin_key is not None and auth_token is not None:
                raise ConfigurationError(
                    "Both an admin key and DOCTRINA_AUTH_TOKEN are set; unset one or pass a credential"
                )
        return ResolvedConfig(_clean_url(found), Credentials(admin_key=admin_key, auth_token=auth_token))
    raise ConfigurationError(
        "No deployment URL: pass url=..., or set DOCTRINA_URL (or CONVEX_URL) in the environment or "
        f"in {ENV_FILE}; for the embedded backend use LocalBackend.start(...).client()"
    )


def _sources(environ: Mapping[str, str] | None, cwd: Path | None) -> list[Mapping[str, str]]:
    env_file = find_env_file(cwd or Path.cwd())
    from_file = {} if env_file is None else read_env_file(env_file)
    return [os.environ if environ is None else environ, from_file]


def find_env_file(start: Path) -> Path | None:
    """The `.env.local` in ``start`` or its closest parent that has one."""
    return next((candidate for candidate in _upward(start) if candidate.is_file()), None)


def _upward(start: Path) -> Iterator[Path]:
    directory = start.resolve()
    for candidate in (directory, *directory.parents):
        yield candidate / ENV_FILE


def _first(source: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = source.get(name, "").strip()
        if value:
            return value
    return None


def _clean_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"The deployment URL must start with http:// or https://, got {url!r}")
    return url


def read_env_file(path: Path) -> dict[str, str]:
    """The ``KEY=value`` lines of a dotenv file; quotes, ``export`` and ``# comments`` read as dotenv does."""
    if not path.is_file():
        return {}
    return {key: value for key, value in dotenv_values(path, interpolate=False).items() if value is not None}
