#!/usr/bin/env bash
# Fails when a generated file is stale: convex/_generated (Convex codegen), the
# SDK's pydantic models (scripts/gen_models.py) or its method layer, error codes and
# docs/api.md (scripts/gen_sdk.py). Leaves the tree as it found it.
set -euo pipefail
cd "$(dirname "$0")/.."
before=$(mktemp -d)
trap 'rm -rf "$before"' EXIT
cp -r convex/_generated "$before/"
npx --no-install convex codegen --system-udfs --typecheck disable >/dev/null
if ! diff -r "$before/_generated" convex/_generated; then
  rm -rf convex/_generated && cp -r "$before/_generated" convex/_generated
  echo "convex/_generated is stale: run 'make codegen' and commit the result" >&2
  exit 1
fi
.venv/bin/python scripts/gen_models.py --check
.venv/bin/python scripts/gen_sdk.py --check
