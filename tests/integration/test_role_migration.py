"""The role migration on real legacy data: users holding only `role`, imported from a snapshot ZIP.

The schema is in the widen stage (docs/compliance.md, "Role migration"): `isInstructor`
and `isAdmin` are optional, so a snapshot of role-only rows imports, and those users
keep their rights before the migration runs. `client.migrations.users_role_to_booleans`
then rewrites them batch by batch; the exported rows afterwards hold only the booleans.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from doctrina_sdk import Doctrina, LocalBackend, PermissionDeniedError
from doctrina_sdk.types import UserId

pytestmark = pytest.mark.integration

USERS = "users/documents.jsonl"
LEGACY_ROLES = {"admin": "admin", "instructor": "instructor", "student": "student"}


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[LocalBackend]:
    """A backend of its own: the import replaces the whole `users` table."""
    with LocalBackend.start(data_dir=tmp_path / "data", startup_timeout=120) as started:
        yield started


def users_of(snapshot: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(snapshot) as archive:
        return [json.loads(line) for line in archive.read(USERS).decode().splitlines() if line]


def with_legacy_roles(snapshot: Path, legacy: Path, roles: dict[str, str]) -> None:
    """A copy of ``snapshot`` whose users named in ``roles`` (by id) hold only `role`, as legacy rows do."""
    rows = []
    for row in users_of(snapshot):
        if row["_id"] in roles:
            row = {k: v for k, v in row.items() if k not in ("isAdmin", "isInstructor")}
            row["role"] = roles[row["_id"]]
        rows.append(json.dumps(row))
    with zipfile.ZipFile(snapshot) as source, zipfile.ZipFile(legacy, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = "\n".join(rows).encode() + b"\n" if item.filename == USERS else source.read(item)
            target.writestr(item, data)


def signed_in(backend: LocalBackend, address: str) -> Doctrina:
    token = backend.dev_token(f"sub-{uuid.uuid4().hex}", claims={"email": address, "email_verified": True})
    client = Doctrina(url=backend.url, auth_token=token)
    client.users.ensure_current()
    return client


def migrate(service: Doctrina) -> tuple[int, int]:
    """Runs the migration to the end in batches of 2, paging itself; returns (processed, updated)."""
    report = service.migrations.users_role_to_booleans(batch_size=2, auto_continue=False)
    processed, updated = report.processed, report.updated
    while report.cursor is not None:
        report = service.migrations.users_role_to_booleans(
            cursor=report.cursor, batch_size=2, auto_continue=False
        )
        processed, updated = processed + report.processed, updated + report.updated
    return int(processed), int(updated)


def test_role_only_rows_import_keep_their_rights_and_migrate(fresh: LocalBackend, tmp_path: Path) -> None:
    service = fresh.client()
    ids: dict[str, UserId] = {}
    for name in [*LEGACY_ROLES, "modern"]:
        ids[name] = service.users.create(
            first_name=name.title(), last_name="Legacy", email=f"{name}@clinic.example"
        ).id
    fresh.export_snapshot(tmp_path / "now.zip")
    with_legacy_roles(
        tmp_path / "now.zip",
        tmp_path / "legacy.zip",
        {ids[name]: role for name, role in LEGACY_ROLES.items()},
    )
    fresh.import_snapshot(tmp_path / "legacy.zip", replace=True)
    legacy_rows = {row["_id"]: row for row in users_of(tmp_path / "legacy.zip")}
    assert "isAdmin" not in legacy_rows[ids["admin"]]
    assert legacy_rows[ids["admin"]]["role"] == "admin"

    # Widen stage: the rows read with the rights their role gives, and callers hold them.
    admin = service.users.get(ids["admin"])
    assert admin is not None
    assert (admin.is_admin, admin.is_instructor, admin.role) == (True, False, "admin")
    assert list(signed_in(fresh, "admin@clinic.example").audit_log.list(page_size=5)) == []
    course = signed_in(fresh, "instructor@clinic.example").courses.create(
        title="Legacy course", description="x", category="botox"
    )
    assert course.instructor_id == ids["instructor"]
    with pytest.raises(PermissionDeniedError):
        signed_in(fresh, "student@clinic.example").courses.create(
            title="No", description="x", category="botox"
        )

    assert migrate(service) == (4, 3)
    fresh.export_snapshot(tmp_path / "migrated.zip")
    migrated = {row["_id"]: row for row in users_of(tmp_path / "migrated.zip")}
    flags = {name: (migrated[ids[name]]["isAdmin"], migrated[ids[name]]["isInstructor"]) for name in ids}
    assert flags == {
        "admin": (True, False),
        "instructor": (False, True),
        "student": (False, False),
        "modern": (False, False),
    }
    assert all("role" not in row for row in migrated.values())
    assert migrate(service) == (4, 0)  # idempotent: a second run changes nothing
