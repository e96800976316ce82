/**
 * Bundles the functions directory with esbuild, as the Convex CLI does, into one ESM file
 * in the data directory: `export const modules = {"users": <namespace>, ...}`. Every
 * module shares one copy of `convex/*`, so `instanceof` checks inside convex/server hold.
 */
import { mkdir, readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";

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

/** Writes `<outDir>/functions.mjs` (+ source map) and returns its path. */
export async function bundleFunctions(functionsDir: string, outDir: string): Promise<string> {
  const files = await listModules(functionsDir);
  const imports = files.map((file, i) => `import * as m${i} from ${JSON.stringify(file)};`);
  const entries = files.map((file, i) => `  ${JSON.stringify(modulePath(functionsDir, file))}: m${i},`);
  const contents = `${imports.join("\n")}\nexport const modules = {\n${entries.join("\n")}\n};\n`;
  await mkdir(outDir, { recursive: true });
  const outfile = join(outDir, "functions.mjs");
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
    banner: { js: "import { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);" },
  });
  return outfile;
}
