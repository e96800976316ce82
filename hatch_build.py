"""Hatch build hook: the wheel carries what `LocalBackend` needs outside this checkout.

Under ``doctrina_sdk/_bundled/`` the wheel gets a project `LocalBackend` can run (see
`doctrina_sdk._bundled_project`): the server built by ``local-backend/build.mjs``,
the convex/ functions, and the runtime Node packages (better-sqlite3's compiled
add-on, esbuild's binary, convex, validator). The add-on and esbuild are native, so
the wheel is tagged for this platform; only ``node`` is needed to run it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

TARGET = "doctrina_sdk/_bundled"
# What each runtime package needs at run time (paths inside node_modules/<name>).
NODE_PACKAGES: dict[str, tuple[str, ...]] = {
    "better-sqlite3": ("package.json", "lib", "build/Release/better_sqlite3.node"),
    "bindings": ("package.json", "bindings.js"),
    "file-uri-to-path": ("package.json", "index.js"),
    "esbuild": ("package.json", "lib", "install.js"),
    "convex": ("package.json", "dist/esm", "server", "values"),
    "validator": ("package.json", "es"),
    # convex/http.ts verifies webhooks with it (the engine bundles convex/ at start); it has no dependencies.
    "stripe": ("package.json", "esm", "cjs"),
}


class BundleHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "doctrina-bundle"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return  # an editable install runs from the checkout itself
        root = Path(self.root)
        subprocess.run(["node", str(root / "local-backend" / "build.mjs")], cwd=root, check=True)
        include: dict[str, str] = build_data["force_include"]
        for name in ("main.js", "engine-worker.js"):
            include[str(root / "local-backend" / "dist" / name)] = f"{TARGET}/local-backend/dist/{name}"
        for path in sorted((root / "convex").rglob("*")):
            if path.is_file() and "node_modules" not in path.parts:
                include[str(path)] = f"{TARGET}/{path.relative_to(root).as_posix()}"
        modules = root / "node_modules"
        packages = {**NODE_PACKAGES, **_esbuild_platform(modules)}
        for package, parts in packages.items():
            for part in parts:
                source = modules / package / part
                if not source.exists():
                    raise FileNotFoundError(f"{source} is missing: run `npm ci` before building the wheel")
                include[str(source)] = f"{TARGET}/node_modules/{package}/{part}"
        include[str(self._manifest(root))] = f"{TARGET}/package.json"
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def _manifest(self, root: Path) -> Path:
        """The bundled project's package.json: ESM, as the server's sources expect."""
        out = Path(self.directory) / "bundled-package.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        source = json.loads((root / "package.json").read_text())
        manifest = {
            "name": "doctrina-local-backend",
            "private": True,
            "type": "module",
            "version": source["version"],
        }
        out.write_text(json.dumps(manifest, indent=2) + "\n")
        return out


def _esbuild_platform(modules: Path) -> dict[str, tuple[str, ...]]:
    """esbuild's binary lives in its platform package, e.g. @esbuild/linux-x64."""
    found = sorted((modules / "@esbuild").iterdir())
    if not found:
        raise FileNotFoundError("node_modules/@esbuild has no platform package: run `npm ci`")
    return {f"@esbuild/{path.name}": ("package.json", "bin") for path in found}
