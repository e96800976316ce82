/**
 * The last pushed code survives a restart, as a deployment keeps its code: every push that
 * is swapped in is saved to `<dataDir>/pushed.json` with a hash of the `--functions`
 * directory at that moment. At start the saved push is served when that directory is still
 * as it was then; when `convex/` changed since (edited while the backend was down, another
 * branch checked out), `--functions` wins and the saved push is dropped.
 */
import { createHash } from "node:crypto";
import { open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import type { PushedModule } from "./api.js";
import { bundleFunctions, type Bundles } from "./bundle.js";
import { removeOtherPushes, writePushedBundle } from "./pushedBundle.js";

const FILE = "pushed.json";

type Saved = { functionsHash: string; modules: PushedModule[] };

/** Every file under `dir` (paths and contents, `node_modules` aside), in a stable order. */
async function directoryHash(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (at: string): Promise<void> => {
    const entries = (await readdir(at, { withFileTypes: true }).catch(() => [])).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules") await walk(path);
      } else if (entry.isFile()) {
        hash.update(`${relative(dir, path)}\0`).update(await readFile(path)).update("\0");
      }
    }
  };
  await walk(dir);
  return hash.digest("hex");
}

/** Written atomically (write, fsync, rename): a crash leaves the previous push or this one. */
export async function savePushedVersion(dataDir: string, functionsDir: string, modules: PushedModule[]): Promise<void> {
  const saved: Saved = { functionsHash: await directoryHash(functionsDir), modules };
  const target = join(dataDir, FILE);
  const temp = `${target}.tmp`;
  const handle = await open(temp, "w", 0o600);
  try {
    await handle.writeFile(JSON.stringify(saved));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
}

/** The code a start serves: the saved push if `functionsDir` is unchanged since it, else `functionsDir` bundled. */
export async function startingBundles(dataDir: string, functionsDir: string, buildDir: string): Promise<Bundles> {
  await removeOtherPushes(buildDir, null);
  return (await loadPushedVersion(dataDir, functionsDir, buildDir)) ?? (await bundleFunctions(functionsDir, buildDir));
}

/** The saved push as loadable bundles, or null (none saved, or `functionsDir` changed since: then it is dropped). */
async function loadPushedVersion(dataDir: string, functionsDir: string, buildDir: string): Promise<Bundles | null> {
  const target = join(dataDir, FILE);
  let saved: Saved;
  try {
    saved = JSON.parse(await readFile(target, "utf8")) as Saved;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new Error(`${target} is not a saved push (${(error as Error).message}); remove it to start from --functions.`);
  }
  if (saved.functionsHash !== (await directoryHash(functionsDir))) {
    await rm(target, { force: true });
    return null;
  }
  return await writePushedBundle(buildDir, saved.modules);
}
