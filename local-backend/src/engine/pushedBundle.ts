/**
 * A CLI push as a bundle the workers can load: the pushed esbuild outputs written under
 * `<buildDir>/push-<id>/` (ESM, so a `package.json` says `"type": "module"`) and an index
 * `functions.mjs` in the shape `bundleFunctions` writes, `export const modules = {...}`.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DeploymentError, type PushedModule } from "./api.js";
import type { Bundles } from "./bundle.js";
import { AUTH_CONFIG_ENV_GLOBAL } from "./worker/authConfig.js";

const PUSH_PREFIX = "push-";
/** Relative, forward slashes, no `..` or empty steps, a `.js` file. */
const MODULE_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[\w.@+-]+(?:\/[\w.@+-]+)*\.js$/;

const AUTH_CONFIG = "auth.config.js";

/**
 * `_deps/` holds the chunks shared by entry points; they define no functions. Nor does the auth
 * config, which Convex does not analyze with the functions (it is evaluated alone, below).
 */
function isEntryPoint(module: PushedModule): boolean {
  return !module.path.startsWith("_deps/") && module.path !== AUTH_CONFIG;
}

export function checkModules(modules: PushedModule[]): void {
  const seen = new Set<string>();
  for (const module of modules) {
    if (typeof module.path !== "string" || !MODULE_PATH.test(module.path)) {
      throw new DeploymentError("InvalidModulePath", `Invalid module path ${JSON.stringify(module.path)}.`);
    }
    if (typeof module.source !== "string") throw new DeploymentError("InvalidModule", `Module ${module.path} has no source.`);
    if (seen.has(module.path)) throw new DeploymentError("InvalidModulePath", `Module ${module.path} was pushed twice.`);
    seen.add(module.path);
  }
}

/** Writes the modules and returns the index paths: every module, and `auth.config` alone (null without one). */
export async function writePushedBundle(buildDir: string, modules: PushedModule[]): Promise<Bundles> {
  checkModules(modules);
  const dir = join(buildDir, `${PUSH_PREFIX}${Date.now()}-${randomBytes(4).toString("hex")}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "package.json"), '{"type": "module"}\n');
  for (const module of modules) {
    const file = join(dir, module.path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, module.source);
  }
  const entries = modules.filter(isEntryPoint);
  const imports = entries.map((module, i) => `import * as m${i} from ${JSON.stringify(`./${module.path}`)};`);
  const keys = entries.map((module, i) => `  ${JSON.stringify(module.path.slice(0, -".js".length))}: m${i},`);
  const index = join(dir, "functions.mjs");
  await writeFile(index, `${imports.join("\n")}\nexport const modules = {\n${keys.join("\n")}\n};\n`);
  return { functions: index, authConfig: await writeAuthConfigIndex(dir, modules) };
}

/** The auth config is evaluated on its own, as Convex does (see worker/authConfig.ts). */
async function writeAuthConfigIndex(dir: string, modules: PushedModule[]): Promise<string | null> {
  const authConfig = modules.find((module) => module.path === AUTH_CONFIG);
  if (authConfig === undefined) return null;
  // A copy under another name (a function module importing auth.config.js caches its own evaluation)
  // reading the guarded environment instead of process.env, as bundleFunctions' auth config does.
  const esbuild = await import("esbuild");
  const guarded = await esbuild.transform(authConfig.source, { format: "esm", define: { "process.env": `globalThis.${AUTH_CONFIG_ENV_GLOBAL}` } });
  await writeFile(join(dir, "auth.config.eval.js"), guarded.code);
  const index = join(dir, "auth.config.index.mjs");
  await writeFile(index, 'import * as m from "./auth.config.eval.js";\nexport const modules = { "auth.config": m };\n');
  return index;
}

/** Removes the pushes other than the one at `keep` (their code is loaded in memory already). */
export async function removeOtherPushes(buildDir: string, keep: string | null): Promise<void> {
  for (const entry of await readdir(buildDir).catch(() => [])) {
    const path = join(buildDir, entry);
    if (entry.startsWith(PUSH_PREFIX) && (keep === null || !keep.startsWith(`${path}/`))) {
      await rm(path, { recursive: true, force: true });
    }
  }
}
