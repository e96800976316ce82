#!/usr/bin/env bash
# Fails when a generated file is stale: convex/_generated (Convex codegen) or the
# SDK's pydantic models (scripts/gen_models.py). Leaves the tree as it found it.
# convex/_generated is compared with what `npx convex dev` writes (scripts/convex_codegen.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/convex_codegen.mjs --check
.venv/bin/python scripts/gen_models.py --check
