#!/usr/bin/env node
/**
 * Prints the Convex spec of convex/ as JSON, for scripts/gen_models.py:
 *
 *   { tables:    [{name, document, indexes}],   // schema.ts default export (`schema.export()`)
 *     enums:     {name: validatorJson},         // validators.ts exports that are unions of literals
 *     shapes:    {PythonName: validatorJson},   // validators.ts `shapes` registry
 *     functions: [{module, name, path, kind, visibility, args, returns, doc}],
 *     modules:   {module: doc},                 // each module file's leading JSDoc
 *     errorCodes: [code] }                      // model/errors.ts ERROR_CODES
 *
 * Validators are described by Convex's own JSON (`validator.json`, `exportArgs()`,
 * `exportReturns()`), the same description a deployment reports. The modules are
 * bundled with esbuild into a temporary directory and imported, exactly as
 * written. Only the JSDoc comments (which a bundle drops) are read from the
 * sources, with the TypeScript compiler's parser.
 *
 * Usage: node scripts/export_convex_spec.mjs [convexDir]
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import ts from "typescript";

const PROJECT = resolve(fileURLToPath(import.meta.url), "../..");
// Files Convex does not treat as function modules, or that hold no public API.
const SKIPPED = new Set(["schema", "crons", "auth.config", "http"]);

function moduleFiles(dir, root = dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "_generated" && !entry.name.startsWith(".")) found.push(...moduleFiles(path, root));
      continue;
    }
    const match = /^(.*)\.(ts|js|mjs)$/.exec(entry.name);
    if (!match || entry.name.endsWith(".d.ts") || /\.test\.|\.config\./.test(entry.name)) continue;
    const module = relative(root, join(dir, match[1])).split(sep).join("/");
    if (!SKIPPED.has(module)) found.push({ module, path });
  }
  return found;
}

async function loadBundle(convexDir, files) {
  const imports = files.map((f, i) => `import * as m${i} from ${JSON.stringify(resolve(f.path))};`);
  const table = files.map((f, i) => `${JSON.stringify(f.module)}: m${i}`);
  const entry = [
    `import schema from ${JSON.stringify(resolve(convexDir, "schema.ts"))};`,
    `import * as validators from ${JSON.stringify(resolve(convexDir, "validators.ts"))};`,
    `import { ERROR_CODES as errorCodes } from ${JSON.stringify(resolve(convexDir, "model/errors.ts"))};`,
    ...imports,
    `export const modules = {${table.join(", ")}};`,
    "export { errorCodes, schema, validators };",
  ].join("\n");
  const outdir = mkdtempSync(join(tmpdir(), "convex-spec-"));
  try {
    await build({
      stdin: { contents: entry, resolveDir: resolve(convexDir), loader: "js" },
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: join(outdir, "spec.mjs"),
      logLevel: "error",
      // A copy of convex/ elsewhere (the codegen tests) still finds this project's packages.
      nodePaths: [join(PROJECT, "node_modules")],
    });
    return await import(pathToFileURL(join(outdir, "spec.mjs")).href);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const isValidator = (value) => value !== null && typeof value === "object" && "isConvexValidator" in value;

function enumsOf(validators) {
  const enums = {};
  for (const [name, value] of Object.entries(validators)) {
    if (!isValidator(value) || value.kind !== "union") continue;
    const json = value.json;
    if (json.value.every((member) => member.type === "literal")) enums[name] = json;
  }
  return enums;
}

const jsdocText = (node) =>
  ts
    .getJSDocCommentsAndTags(node)
    .filter(ts.isJSDoc)
    .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? "")
    .join("\n\n")
    .trim();

/** The JSDoc of a module file (its first comment) and of each exported `const`. */
function docsOf(path) {
  const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
  const exports = {};
  for (const statement of source.statements) {
    const exported = ts.getModifiers?.(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!ts.isVariableStatement(statement) || !exported) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (ts.isIdentifier(declaration.name)) exports[declaration.name.text] = jsdocText(statement);
    }
  }
  // A file's own JSDoc opens it, above the imports (one above an export documents that export).
  const first = source.statements[0];
  const module = first && ts.isImportDeclaration(first) ? jsdocText(first) : "";
  return { module, exports };
}

function functionsOf(modules, docs) {
  const functions = [];
  for (const [module, exports] of Object.entries(modules)) {
    for (const [name, fn] of Object.entries(exports)) {
      if (typeof fn !== "function" || typeof fn.exportArgs !== "function") continue;
      const kind = fn.isQuery ? "query" : fn.isMutation ? "mutation" : fn.isAction ? "action" : null;
      if (kind === null) continue;
      functions.push({
        module,
        name,
        path: `${module}:${name}`,
        kind,
        visibility: fn.isPublic ? "public" : "internal",
        args: JSON.parse(fn.exportArgs()),
        returns: JSON.parse(fn.exportReturns()),
        doc: docs[module].exports[name] ?? "",
      });
    }
  }
  return functions.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

const convexDir = process.argv[2] ?? "convex";
const files = moduleFiles(convexDir);
const bundle = await loadBundle(convexDir, files);
const docs = Object.fromEntries(files.map((f) => [f.module, docsOf(f.path)]));
const schema = JSON.parse(bundle.schema.export());
const spec = {
  tables: schema.tables.map((t) => ({ name: t.tableName, document: t.documentType, indexes: t.indexes })),
  enums: enumsOf(bundle.validators),
  shapes: Object.fromEntries(Object.entries(bundle.validators.shapes ?? {}).map(([k, val]) => [k, val.json])),
  functions: functionsOf(bundle.modules, docs),
  modules: Object.fromEntries(Object.keys(bundle.modules).map((m) => [m, docs[m].module])),
  errorCodes: [...bundle.errorCodes],
};
process.stdout.write(JSON.stringify(spec, null, 2) + "\n");
