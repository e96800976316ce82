"""Bulk import: thousands of users in batches, with a per-row report, safe to run again.

Run: python examples/bulk_import.py
"""

from __future__ import annotations

import tempfile
from typing import Any

from doctrina_sdk import LocalBackend


def student_rows(count: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"first_name": "Student", "last_name": str(i), "email": f"student{i}@example.com"}
        for i in range(count)
    ]
    rows[7] = {"first_name": "No", "last_name": "Email"}  # rejected locally, never sent
    rows[9]["email"] = "not-an-email"  # rejected by the server
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir, LocalBackend.start(data_dir=data_dir) as backend:
        service = backend.client()
        rows = student_rows(2_500)
        first = service.users.create_many(rows, idempotency_key="import-2026-01")
        print(f"first run:  {first}")
        for row in first.invalid:
            print(f"  row {row.index}: {row.error}")
        # A rerun (after a crash, say) is safe: finished batches return their first results,
        # and users that exist are reported as such instead of duplicated.
        print(f"same key:   {service.users.create_many(rows, idempotency_key='import-2026-01')}")
        print(f"new run:    {service.users.create_many(rows)}")
        user = service.users.get_by_email("student42@example.com")
        print(f"student42:  {user.first_name if user else None} {user.last_name if user else ''}")


if __name__ == "__main__":
    main()
