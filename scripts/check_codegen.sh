#!/usr/bin/env bash
# Fails when a generated file is stale: convex/_generated (compared with what `npx convex dev`
# writes, scripts/convex_codegen.mjs), the SDK's pydantic models (scripts/gen_models.py) or its
# method layer, error codes, docs/api.md and README.md's resource table (scripts/gen_sdk.py). Leaves the tree as it found it.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/convex_codegen.mjs --check
.venv/bin/python scripts/gen_models.py --check
.venv/bin/python scripts/gen_sdk.py --check
