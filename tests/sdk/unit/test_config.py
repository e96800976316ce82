"""Where the URL and the credentials come from: arguments, environment, .env.local."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from unit_support import ADMIN_KEY, TOKEN

from doctrina_sdk import ConfigurationError
from doctrina_sdk._config import Credentials, read_env_file, resolve_config


def resolve(**kwargs: object) -> tuple[str, Credentials]:
    args = {"url": None, "admin_key": None, "auth_token": None, **kwargs}
    config = resolve_config(**args)  # type: ignore[arg-type]
    return config.url, config.credentials


def test_explicit_arguments_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCTRINA_URL", "http://env.test")
    monkeypatch.setenv("DOCTRINA_ADMIN_KEY", "env-key")
    url, credentials = resolve(url="http://explicit.test/", admin_key=ADMIN_KEY)
    assert url == "http://explicit.test"
    assert credentials.admin_key == ADMIN_KEY


def test_explicit_url_without_credentials_is_anonymous(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCTRINA_ADMIN_KEY", "env-key")
    _, credentials = resolve(url="http://explicit.test")
    assert credentials.kind == "anonymous"
    assert credentials.authorization() is None


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"DOCTRINA_URL": "http://a.test", "CONVEX_URL": "http://b.test"}, "http://a.test"),
        ({"CONVEX_URL": "http://b.test", "CONVEX_SELF_HOSTED_URL": "http://c.test"}, "http://b.test"),
        ({"CONVEX_SELF_HOSTED_URL": "http://c.test"}, "http://c.test"),
    ],
)
def test_url_variables_in_order(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert resolve()[0] == expected


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"DOCTRINA_ADMIN_KEY": "a", "CONVEX_SELF_HOSTED_ADMIN_KEY": "b", "CONVEX_DEPLOY_KEY": "c"}, "a"),
        ({"CONVEX_SELF_HOSTED_ADMIN_KEY": "b", "CONVEX_DEPLOY_KEY": "c"}, "b"),
        ({"CONVEX_DEPLOY_KEY": "c"}, "c"),
    ],
)
def test_admin_key_variables_in_order(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: str
) -> None:
    monkeypatch.setenv("CONVEX_URL", "http://x.test")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert resolve()[1].admin_key == expected


def test_auth_token_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCTRINA_URL", "http://x.test")
    monkeypatch.setenv("DOCTRINA_AUTH_TOKEN", TOKEN)
    credentials = resolve()[1]
    assert credentials.kind == "user"
    assert credentials.authorization() == f"Bearer {TOKEN}"


def test_env_local_is_read_after_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env.local").write_text(
        "# written by doctrina dev\n"
        "CONVEX_SELF_HOSTED_URL=http://127.0.0.1:3210\n"
        f"CONVEX_SELF_HOSTED_ADMIN_KEY='{ADMIN_KEY}'\n"
    )
    url, credentials = resolve()
    assert (url, credentials.admin_key) == ("http://127.0.0.1:3210", ADMIN_KEY)

    monkeypatch.setenv("CONVEX_URL", "http://env.test")
    url, credentials = resolve()
    # The URL came from the environment: the key in .env.local belongs to another deployment.
    assert (url, credentials.kind) == ("http://env.test", "anonymous")


def test_env_file_syntax(tmp_path: Path) -> None:
    path = tmp_path / ".env.local"
    path.write_text(
        "export A=\"quoted value\"\nB = plain # a comment\n\nnot a line\nC='single'\nD=has=equals\n"
    )
    assert read_env_file(path) == {"A": "quoted value", "B": "plain", "C": "single", "D": "has=equals"}
    assert read_env_file(tmp_path / "missing") == {}


def test_quoted_value_with_a_trailing_comment(tmp_path: Path) -> None:
    path = tmp_path / ".env.local"
    path.write_text("CONVEX_URL=\"http://127.0.0.1:3210\" # the local backend\nK='a #b' # c\n")
    assert read_env_file(path) == {"CONVEX_URL": "http://127.0.0.1:3210", "K": "a #b"}


def test_env_local_is_found_in_a_parent_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env.local").write_text(
        f'CONVEX_SELF_HOSTED_URL="http://parent.test" # dev\nCONVEX_SELF_HOSTED_ADMIN_KEY={ADMIN_KEY}\n'
    )
    nested = tmp_path / "notebooks" / "week1"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    url, credentials = resolve()
    assert (url, credentials.admin_key) == ("http://parent.test", ADMIN_KEY)
    # The closest file wins.
    (nested / ".env.local").write_text("CONVEX_URL=http://child.test\n")
    assert resolve() == ("http://child.test", Credentials())


def test_missing_url_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="DOCTRINA_URL"):
        resolve()


def test_url_needs_a_scheme() -> None:
    with pytest.raises(ConfigurationError, match="http"):
        resolve(url="deployment.test")


def test_admin_key_and_token_together_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError):
        resolve(url="http://x.test", admin_key=ADMIN_KEY, auth_token=TOKEN)
    monkeypatch.setenv("DOCTRINA_URL", "http://x.test")
    monkeypatch.setenv("CONVEX_DEPLOY_KEY", ADMIN_KEY)
    monkeypatch.setenv("DOCTRINA_AUTH_TOKEN", TOKEN)
    with pytest.raises(ConfigurationError) as info:
        resolve()
    assert ADMIN_KEY not in str(info.value)
    assert TOKEN not in str(info.value)


def decode_identity(authorization: str) -> tuple[str, dict[str, str]]:
    scheme, _, value = authorization.partition(" ")
    assert scheme == "Convex"
    key, _, identity = value.rpartition(":")
    return key, json.loads(base64.b64decode(identity))


def test_service_identity_header() -> None:
    authorization = Credentials(admin_key=ADMIN_KEY).authorization()
    assert authorization is not None
    assert decode_identity(authorization) == (
        ADMIN_KEY,
        {
            "issuer": "https://service.doctrina.invalid",
            "subject": "service",
            "tokenIdentifier": "https://service.doctrina.invalid|service",
        },
    )


def test_acting_as_identity_header() -> None:
    authorization = Credentials(admin_key=f"prod:{ADMIN_KEY}").acting_as("user123").authorization()
    assert authorization is not None
    key, identity = decode_identity(authorization)
    assert key == f"prod:{ADMIN_KEY}"
    assert identity["subject"] == "user123"
    assert identity["tokenIdentifier"] == "https://service.doctrina.invalid|user123"


def test_only_service_clients_act_as_users() -> None:
    with pytest.raises(ConfigurationError, match="admin key"):
        Credentials(auth_token=TOKEN).acting_as("user123")


def test_credentials_repr_hides_secrets() -> None:
    for credentials in (Credentials(admin_key=ADMIN_KEY), Credentials(auth_token=TOKEN)):
        shown = f"{credentials!r} {credentials}"
        assert ADMIN_KEY not in shown
        assert TOKEN not in shown


@pytest.mark.parametrize(
    "credential",
    [
        {"admin_key": "admin-secret\n"},
        {"admin_key": "admin\x00secret"},
        {"admin_key": "admin-sécret"},
        {"auth_token": "token-secret\r\nX-Evil: 1"},
        {"auth_token": "token-secret "},
    ],
)
def test_a_credential_no_header_can_carry_is_rejected_without_quoting_it(credential: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError) as info:
        Credentials(**credential)
    assert "secret" not in f"{info.value} {info.value!r}"
