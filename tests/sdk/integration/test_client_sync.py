"""`Doctrina` (sync) against the local backend, over both transports."""

from __future__ import annotations

import pytest
from integration_support import unique_email

import doctrina_sdk as sdk
from doctrina_sdk import Doctrina, FunctionCall, LocalBackend
from doctrina_sdk.types import PublicProfile, User


def test_create_and_read_users(service: Doctrina) -> None:
    email = unique_email("jane")
    jane = service.users.create(first_name="Jane", last_name="Doe", email=email)
    assert isinstance(jane, User)
    assert (jane.first_name, jane.is_instructor, jane.is_admin) == ("Jane", False, False)
    assert service.users.get(jane.id) == jane
    found = service.users.get_by_email(email.upper())
    assert found is not None
    assert found.id == jane.id
    assert service.users.get_by_email(unique_email("nobody")) is None


def test_acting_as_a_user(service: Doctrina) -> None:
    bob = service.users.create(first_name="Bob", last_name="Lee", email=unique_email("bob"))
    other = service.users.create(first_name="Eve", last_name="Ng", email=unique_email("eve"))
    as_bob = service.acting_as(bob.id)
    me = as_bob.users.me()
    assert me is not None
    assert me.id == bob.id
    assert as_bob.users.get(bob.id) is not None
    with pytest.raises(sdk.PermissionDeniedError) as info:
        as_bob.users.get(other.id)
    assert info.value.code == "FORBIDDEN"
    assert isinstance(info.value, sdk.FunctionError)
    with pytest.raises(sdk.PermissionDeniedError):
        as_bob.users.get_by_email(other.email)


def test_anonymous_callers(backend: LocalBackend, service: Doctrina, transport: str) -> None:
    user = service.users.create(first_name="Ann", last_name="On", email=unique_email("ann"))
    with backend.client(anonymous=True, transport=transport) as anon:  # type: ignore[arg-type]
        with pytest.raises(sdk.AuthenticationError) as info:
            anon.users.get(user.id)
        assert info.value.code == "UNAUTHENTICATED"
        assert anon.users.me() is None


def test_conflict(service: Doctrina) -> None:
    email = unique_email("twice")
    service.users.create(first_name="A", last_name="B", email=email)
    with pytest.raises(sdk.ConflictError) as info:
        service.users.create(first_name="A", last_name="B", email=email)
    assert info.value.data["field"] == "email"


def test_idempotency_key_replays_the_first_result(service: Doctrina) -> None:
    email = unique_email("replay")
    args = {"firstName": "Re", "lastName": "Play", "email": email, "idempotencyKey": "replay-" + email}
    call = FunctionCall("mutation", "users:create", args, idempotent=True)
    first = service._request(call, cast_to=User)
    again = service._request(call, cast_to=User)
    assert again.id == first.id
    changed = FunctionCall("mutation", "users:create", {**args, "lastName": "Other"}, idempotent=True)
    with pytest.raises(sdk.ConflictError):
        service._request(changed, cast_to=User)


def test_server_side_argument_validation(service: Doctrina) -> None:
    with pytest.raises(sdk.ValidationError):
        service._request(FunctionCall("query", "users:get", {"id": 42}), cast_to=object)


def test_pagination(service: Doctrina) -> None:
    ids = set()
    for i in range(5):
        user = service.users.create(first_name="Teacher", last_name=str(i), email=unique_email("teacher"))
        service.users.set_roles(user.id, is_instructor=True)
        ids.add(user.id)
    pager = service.users.list_instructors(page_size=2)
    pages = list(pager.pages())
    assert len(pages) >= 3
    assert all(len(page.items) <= 2 for page in pages)
    profiles = list(pager)
    assert all(isinstance(p, PublicProfile) for p in profiles)
    assert ids <= {p.id for p in profiles}
    assert len(pager.to_list(limit=3)) == 3
    frame = pager.to_dataframe()
    assert ids <= set(frame["id"])


def test_with_options(service: Doctrina) -> None:
    quick = service.with_options(timeout=10.0, max_retries=0)
    assert quick.users.get_by_email(unique_email("none")) is None
