"""The project an installed wheel carries (``doctrina_sdk/_bundled/``, see hatch_build.py).

`LocalBackend` runs a project: a directory with ``local-backend/`` and ``convex/``,
where the setup lock and bundles are written. Site-packages may be read-only and is
shared, so the wheel's copy is used from a per-user cache directory
(``$DOCTRINA_CACHE_DIR``, else ``$XDG_CACHE_HOME/doctrina-sdk``, else
``~/.cache/doctrina-sdk``), one directory per bundle content, copied on first use.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent / "_bundled"
_SERVER = Path("local-backend") / "dist" / "main.js"


def bundled_project() -> Path | None:
    """The cached copy of the wheel's project (made now if missing); None in a checkout."""
    if not (BUNDLED / _SERVER).is_file():
        return None
    target = cache_dir() / f"project-{_digest()}"
    if not (target / _SERVER).is_file():
        _copy(target)
    return target


def cache_dir() -> Path:
    explicit = os.environ.get("DOCTRINA_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "doctrina-sdk"


def _digest() -> str:
    """Names the bundle by its server and functions, so an upgraded wheel gets a fresh copy."""
    digest = hashlib.sha256()
    for path in sorted([BUNDLED / _SERVER, *(BUNDLED / "convex").rglob("*")]):
        if path.is_file():
            digest.update(path.relative_to(BUNDLED).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _copy(target: Path) -> None:
    """Copies into a temporary sibling, then renames: a concurrent start sees all or nothing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
    try:
        shutil.copytree(BUNDLED, staging / "project", symlinks=False)
        try:
            os.rename(staging / "project", target)
        except OSError:
            if not (target / _SERVER).is_file():
                raise  # not a concurrent copy that won: a real failure
    finally:
        shutil.rmtree(staging, ignore_errors=True)
