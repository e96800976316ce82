"""Helpers shared by the integration tests."""

from __future__ import annotations

import uuid


def unique_email(name: str) -> str:
    """Emails are unique per deployment and the backend lives for the whole session."""
    return f"{name}-{uuid.uuid4().hex[:12]}@clinic.example"
