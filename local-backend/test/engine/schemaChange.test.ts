/**
 * A push that changes schema.ts (through `Engine.push`, with modules bundled as the CLI
 * bundles them): new indexes and search indexes are backfilled on disk, removed ones dropped, and a stored
 * document that violates a new validator refuses the whole push with Convex's message.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { build } from "esbuild";
import { afterEach, describe, expect, test } from "vitest";
import { DeploymentError, type Deployment, type PushedModule } from "../../src/engine/api.js";
import { ROOT } from "../conformance/backend.js";
import { errorOf, startEngine, type TestEngine } from "./helpers.js";

const FUNCTIONS = `
import { mutationGeneric as mutation, queryGeneric as query } from "convex/server";
import { v } from "convex/values";
export const insert = mutation({ args: { title: v.string(), rank: v.optional(v.number()) }, handler: async (ctx, args) => await ctx.db.insert("notes", args) });
export const byRank = query({ args: {}, handler: async (ctx) => (await ctx.db.query("notes").withIndex("by_rank").collect()).map((d) => d.title) });
export const byTitle = query({ args: {}, handler: async (ctx) => (await ctx.db.query("notes").withIndex("by_title").collect()).map((d) => d.title) });
export const search = query({
  args: { text: v.string() },
  handler: async (ctx, { text }) => (await ctx.db.query("notes").withSearchIndex("search_title", (q) => q.search("title", text)).collect()).map((d) => d.title),
});
`;

const schema = (fields: string, indexes: string) => `
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
export default defineSchema({ notes: defineTable({ ${fields} })${indexes} });
`;

const V1 = schema("title: v.string(), rank: v.optional(v.number())", '.index("by_title", ["title"])');
const V2 = schema("title: v.string(), rank: v.optional(v.number())", '.index("by_rank", ["rank"])');
const V3 = schema("title: v.string(), rank: v.number()", '.index("by_rank", ["rank"])');
const V4 = schema("title: v.string(), rank: v.optional(v.number())", '.index("by_title", ["title"]).searchIndex("search_title", { searchField: "title" })');

const cleanup: string[] = [];
afterEach(async () => {
  for (const dir of cleanup.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A project directory (its node_modules linked to the repo's) holding `schema.ts` and `notes.ts`. */
async function project(schemaSource: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "doctrina-schema-"));
  cleanup.push(dir);
  await symlink(join(ROOT, "node_modules"), join(dir, "node_modules"));
  await mkdir(join(dir, "convex"));
  await writeFile(join(dir, "convex", "schema.ts"), schemaSource);
  await writeFile(join(dir, "convex", "notes.ts"), FUNCTIONS);
  return join(dir, "convex");
}

/** The modules `npx convex` would push for `functionsDir`: ESM entry points, shared chunks under `_deps/`. */
async function modules(functionsDir: string): Promise<PushedModule[]> {
  const result = await build({
    entryPoints: [join(functionsDir, "schema.ts"), join(functionsDir, "notes.ts")],
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "neutral",
    outdir: "/out",
    chunkNames: "_deps/[hash]",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles.map((file) => ({ path: file.path.slice("/out/".length), source: file.text, sourceMap: null, environment: "isolate" }));
}

async function seededEngine(): Promise<TestEngine> {
  const t = await startEngine({ functionsDir: await project(V1) });
  cleanup.push(t.dataDir);
  for (const [title, rank] of [["c", 3], ["a", 1], ["b", 2]] as const) await t.value("notes:insert", { title, rank });
  return t;
}

function storedIndexes(dataDir: string): string[] {
  const sqlite = new BetterSqlite3(join(dataDir, "db", "documents.sqlite3"), { readonly: true });
  try {
    return sqlite.prepare("SELECT name FROM indexes WHERE table_name = 'notes' ORDER BY name").pluck().all() as string[];
  } finally {
    sqlite.close();
  }
}

function searchRows(dataDir: string): { indexes: string[]; postings: number } {
  const sqlite = new BetterSqlite3(join(dataDir, "db", "documents.sqlite3"), { readonly: true });
  try {
    const indexes = sqlite.prepare("SELECT name FROM search_indexes WHERE table_name = 'notes'").pluck().all() as string[];
    return { indexes, postings: sqlite.prepare("SELECT count(*) FROM search_postings").pluck().get() as number };
  } finally {
    sqlite.close();
  }
}

describe("a push that changes schema.ts", () => {
  test("backfills an added index on disk and drops a removed one", async () => {
    const t = await seededEngine();
    expect(await t.value("notes:byTitle")).toEqual(["a", "b", "c"]);
    const v2 = await project(V2);
    await (t.engine as unknown as Deployment).push(await modules(v2), { dryRun: false });
    expect(await t.value("notes:byRank")).toEqual(["a", "b", "c"]);
    await t.value("notes:insert", { title: "z", rank: 0 });
    expect(await t.value("notes:byRank")).toEqual(["z", "a", "b", "c"]);
    expect(errorOf(await t.call("notes:byTitle")).errorMessage).toContain("by_title");
    await t.close();
    expect(storedIndexes(t.dataDir)).toEqual(["by_creation_time", "by_id", "by_rank"]);
    const restarted = await startEngine({ dataDir: t.dataDir, functionsDir: v2 });
    expect(await restarted.value("notes:byRank")).toEqual(["z", "a", "b", "c"]);
    await restarted.close();
  });

  test("backfills an added search index on disk (read from disk after a restart) and drops a removed one", async () => {
    const t = await seededEngine();
    const v4 = await project(V4);
    await (t.engine as unknown as Deployment).push(await modules(v4), { dryRun: false });
    expect(await t.value("notes:search", { text: "b" })).toEqual(["b"]);
    await t.value("notes:insert", { title: "b b", rank: 4 });
    expect(await t.value("notes:search", { text: "b" })).toEqual(["b b", "b"]);
    await t.close();
    expect(searchRows(t.dataDir)).toEqual({ indexes: ["search_title"], postings: 4 });
    const restarted = await startEngine({ dataDir: t.dataDir, functionsDir: v4 });
    expect(await restarted.value("notes:search", { text: "b" })).toEqual(["b b", "b"]);
    await (restarted.engine as unknown as Deployment).push(await modules(await project(V1)), { dryRun: false });
    expect(errorOf(await restarted.call("notes:search", { text: "b" })).errorMessage).toContain("search_title");
    await restarted.close();
    expect(searchRows(t.dataDir)).toEqual({ indexes: [], postings: 0 });
  });

  test("a stored document the new validator rejects refuses the push with Convex's message; nothing changes", async () => {
    const t = await seededEngine();
    const id = (await t.value("notes:insert", { title: "unranked" })) as string;
    const pushed = await modules(await project(V3));
    for (const dryRun of [true, false]) {
      const error = await (t.engine as unknown as Deployment).push(pushed, { dryRun }).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(DeploymentError);
      expect((error as DeploymentError).code).toBe("SchemaValidationFailed");
      expect((error as Error).message).toMatch(new RegExp(`^Document with ID "${id}" in table "notes" does not match the schema: Object is missing the required field \`rank\``));
    }
    // The old schema and indexes are still in force.
    expect(await t.value("notes:byTitle")).toEqual(["a", "b", "c", "unranked"]);
    await t.value("notes:insert", { title: "also unranked" });
    await t.close();
    expect(storedIndexes(t.dataDir)).toEqual(["by_creation_time", "by_id", "by_title"]);
  });
});
