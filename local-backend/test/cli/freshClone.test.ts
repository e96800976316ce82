/** A user's first `npx convex dev --once` in a fresh clone leaves the tree clean (convex/_generated is as dev writes it). */
import { execFile } from "node:child_process";
import { appendFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { ROOT } from "../conformance/backend.js";
import { startProject, type CliProject } from "./project.js";

const TEST_TIMEOUT_MS = 240_000;
const git = async (cwd: string, ...args: string[]) => (await promisify(execFile)("git", args, { cwd, timeout: 60_000 })).stdout;
let project: CliProject | undefined;
afterAll(async () => await project?.dispose());

it(
  "git status is clean after npx convex dev --once in a fresh clone",
  async () => {
    const clone = join(await mkdtemp(join(tmpdir(), "doctrina-clone-")), "repo");
    const head = (await git(ROOT, "rev-parse", "HEAD")).trim();
    await git(tmpdir(), "clone", "--quiet", "--no-checkout", ROOT, clone);
    await git(clone, "checkout", "--quiet", head);
    // npm ci would make a real directory; the link to the repo's node_modules is this test's shortcut.
    await appendFile(join(clone, ".git/info/exclude"), "node_modules\n");
    project = await startProject(null, clone);
    expect(await git(clone, "status", "--porcelain")).toBe("");
    await project.cli(["dev", "--once", "--typecheck", "disable"]);
    expect(await git(clone, "status", "--porcelain")).toBe("");
  },
  TEST_TIMEOUT_MS,
);
