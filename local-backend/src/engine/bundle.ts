/**
 * Bundles the functions directory with esbuild, as the Convex CLI does, into one ESM file
 * in the data directory: `export const modules = {"users": <namespace>, ...}`. Every
 * module shares one copy of `convex/*`, so `instanceof` checks inside convex/server hold.
 */
import { mkdir, readdir } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { AUTH_CONFIG_ENV_GLOBAL } from "./worker/authConfig.js";

const SOURCE = /\.(ts|tsx|js|jsx|mjs|cjs)$/;

/** Module files the Convex CLI would push: no `_generated`, tests, declarations or dotfiles. */
export async function listModules(functionsDir: string, dir = functionsDir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name.startsWith("#")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === "_generated" || entry.name === "_deps" || entry.name === "node_modules") continue;
      out.push(...(await listModules(functionsDir, path)));
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts") && !/\.(test|spec)\./.test(entry.name)) {
      out.push(path);
    }
  }
  return out.sort();
}

export function modulePath(functionsDir: string, file: string): string {
  return relative(functionsDir, file).split(sep).join("/").replace(SOURCE, "");
}

export type Bundles = {
  /** Every module. */
  functions: string;
  /** `auth.config` alone, so it can be evaluated as Convex does (unset variables refused); null without one. */
  authConfig: string | null;
};

/**
 * Writes `<outDir>/functions.mjs` and `<outDir>/auth.config.mjs` (+ source maps). Like Convex,
 * the functions leave `auth.config` out (it defines none, and its errors are the auth config's).
 */
export async function bundleFunctions(functionsDir: string, outDir: string): Promise<Bundles> {
  const files = await listModules(functionsDir);
  const authFile = files.find((file) => modulePath(functionsDir, file) === "auth.config");
  const [functions, authConfig] = await Promise.all([
    bundleModules(functionsDir, files.filter((file) => file !== authFile), join(outDir, "functions.mjs")),
    authFile === undefined
      ? null
      : bundleModules(functionsDir, [authFile], join(outDir, "auth.config.mjs"), { "process.env": `globalThis.${AUTH_CONFIG_ENV_GLOBAL}` }),
  ]);
  return { functions, authConfig };
}

async function bundleModules(functionsDir: string, files: string[], outfile: string, define: Record<string, string> = {}): Promise<string> {
  const imports = files.map((file, i) => `import * as m${i} from ${JSON.stringify(file)};`);
  const entries = files.map((file, i) => `  ${JSON.stringify(modulePath(functionsDir, file))}: m${i},`);
  const contents = `${imports.join("\n")}\nexport const modules = {\n${entries.join("\n")}\n};\n`;
  await mkdir(dirname(outfile), { recursive: true });
  const esbuild = await import("esbuild");
  await esbuild.build({
    stdin: { contents, resolveDir: functionsDir, sourcefile: "modules.js", loader: "js" },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outfile,
    sourcemap: true,
    logLevel: "silent",
    define,
    banner: { js: "import { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);" },
  });
  return outfile;
}
