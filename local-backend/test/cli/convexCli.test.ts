/** The real Convex CLI (`node_modules/convex`) against the local backend, on a temp copy of the fixture project. */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConvexClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_FUNCTIONS } from "../conformance/backend.js";
import { startProject, waitForOutput, type CliProject } from "./project.js";

const TEST_TIMEOUT_MS = 180_000;
let project: CliProject;

beforeAll(async () => {
  project = await startProject(FIXTURE_FUNCTIONS);
}, TEST_TIMEOUT_MS);
afterAll(async () => await project?.dispose());

async function run(path: string, args: unknown = {}): Promise<unknown> {
  const { stdout } = await project.cli(["run", path, JSON.stringify(args)]);
  // `convex run` prints nothing for null.
  return stdout.trim() === "" ? null : JSON.parse(stdout);
}

/** A plain HTTP call: cheaper than a CLI process when a test needs many. */
async function query(path: string, args: unknown): Promise<void> {
  const response = await fetch(`${project.backend.url}/api/query`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ path, args }),
    signal: AbortSignal.timeout(10_000),
  });
  await response.text();
}

async function writeModule(name: string, source: string): Promise<void> {
  await writeFile(join(project.dir, "convex", `${name}.ts`), source);
}

const PROBE_V1 = `import { query } from "./_generated/server";
export const version = query({ args: {}, handler: async () => "v1" });
`;

const SCHEMA_PROBE = `import { v } from "convex/values";
import { query } from "./_generated/server";
export const byValue = query({ args: { value: v.number() }, handler: async (ctx, { value }) =>
  (await ctx.db.query("counters").withIndex("by_value", (q) => q.eq("value", value)).collect()).map((d) => d.name) });
`;

const ENV_PROBE = `import { query } from "./_generated/server";
export const read = query({ args: {}, handler: async () => process.env.CLI_PROBE ?? null });
`;

describe("npx convex against the local backend", () => {
  it(
    "dev --once pushes a new module, and live subscriptions get the new code's results",
    async () => {
      await writeModule("cliProbe", PROBE_V1);
      await project.cli(["dev", "--once", "--typecheck", "disable"]);
      expect(await run("cliProbe:version")).toBe("v1");

      const client = new ConvexClient(project.backend.url, { webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket });
      try {
        const seen: unknown[] = [];
        const v2 = new Promise<void>((resolve) =>
          client.onUpdate(makeFunctionReference<"query">("cliProbe:version"), {}, (value) => {
            seen.push(value);
            if (value === "v2") resolve();
          }),
        );
        await writeModule("cliProbe", PROBE_V1.replace('"v1"', '"v2"'));
        await project.cli(["deploy", "--typecheck", "disable", "--yes"]);
        await v2;
        expect(seen.at(-1)).toBe("v2");
        expect(await run("cliProbe:version")).toBe("v2");
      } finally {
        await client.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a push whose code fails to load is refused and the running code stays",
    async () => {
      // The CLI skips .ts files without an import or export.
      await writeModule("cliBroken", `export {};\nthrow new Error("broken at import");\n`);
      await expect(project.cli(["deploy", "--typecheck", "disable", "--yes"])).rejects.toThrow(/broken at import/);
      await writeModule("cliBroken", "export {};\n");
      expect(await run("counter:get", { name: "none" })).toBeNull();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "dev --once applies a schema change: a new index is backfilled; a document the new validator rejects refuses the push",
    async () => {
      const schemaFile = join(project.dir, "convex", "schema.ts");
      const original = await readFile(schemaFile, "utf8");
      const counters = 'counters: defineTable({ name: v.string(), value: v.number() }).index("by_name", ["name"])';
      expect(original).toContain(counters);
      try {
        await run("counter:increment", { name: "schema-probe", by: 5 });
        await writeFile(schemaFile, original.replace(counters, `${counters}.index("by_value", ["value"])`));
        await writeModule("cliSchema", SCHEMA_PROBE);
        await project.cli(["dev", "--once", "--typecheck", "disable"]);
        expect(await run("cliSchema:byValue", { value: 5 })).toContain("schema-probe");
        await writeFile(schemaFile, original.replace(counters, 'counters: defineTable({ name: v.string(), value: v.string() }).index("by_name", ["name"])'));
        const failure = await project.cli(["dev", "--once", "--typecheck", "disable"]).catch((e: unknown) => e as Error & { stderr?: string });
        expect(failure).toBeInstanceOf(Error);
        const printed = `${(failure as Error).message}\n${(failure as { stderr?: string }).stderr ?? ""}`;
        expect(printed).toContain("Schema validation failed.");
        expect(printed).toMatch(/Document with ID "\w+" in table "counters" does not match the schema/);
        // Refused whole: the previous schema and its new index still serve.
        expect(await run("cliSchema:byValue", { value: 5 })).toContain("schema-probe");
      } finally {
        await writeFile(schemaFile, original);
        await writeModule("cliSchema", "export {};\n");
        await project.cli(["dev", "--once", "--typecheck", "disable"]);
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "env set/list/remove reach the functions on the next call",
    async () => {
      await writeModule("cliEnv", ENV_PROBE);
      await project.cli(["dev", "--once", "--typecheck", "disable"]);
      await project.cli(["env", "set", "CLI_PROBE", "hello world"]);
      expect((await project.cli(["env", "list"])).stdout).toContain("CLI_PROBE=hello world");
      expect((await project.cli(["env", "get", "CLI_PROBE"])).stdout.trim()).toBe("hello world");
      expect(await run("cliEnv:read")).toBe("hello world");
      await project.cli(["env", "remove", "CLI_PROBE"]);
      expect((await project.cli(["env", "list"])).stdout).not.toContain("CLI_PROBE");
      expect(await run("cliEnv:read")).toBeNull();
      await expect(project.cli(["env", "set", "1BAD", "x"])).rejects.toThrow(/EnvironmentVariableNameInvalid/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "data lists the tables and a table's documents",
    async () => {
      await run("counter:increment", { name: "cli-data", by: 7 });
      const tables = (await project.cli(["data"])).stdout.split("\n");
      expect(tables).toContain("counters");
      expect(tables).toContain("messages");
      const { stdout } = await project.cli(["data", "counters", "--format", "jsonLines"]);
      const rows = stdout.trim().split("\n").map((line) => JSON.parse(line) as { name: string; value: number });
      expect(rows).toContainEqual(expect.objectContaining({ name: "cli-data", value: 7 }));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "function-spec lists the deployed functions with their validators",
    async () => {
      const spec = JSON.parse((await project.cli(["function-spec"])).stdout) as {
        url: string;
        functions: { identifier: string; functionType: string; visibility: { kind: string }; args: unknown }[];
      };
      expect(spec.url).toBe(project.backend.url);
      const increment = spec.functions.find((fn) => fn.identifier === "counter.js:increment");
      expect(increment).toMatchObject({ functionType: "Mutation", visibility: { kind: "public" } });
      expect(increment?.args).toMatchObject({ type: "object" });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "logs shows the console.log line of a call",
    async () => {
      const logs = project.spawnCli(["logs"]);
      try {
        await waitForOutput(logs, /Watching logs/, 60_000);
        const line = waitForOutput(logs, /\[CONVEX Q\(logging:everyLevel\)\] \[LOG\] 'cli log line'/, 60_000);
        // The CLI polls again right after its first answer; calls keep coming until it shows one.
        const timer = setInterval(() => void query("logging:everyLevel", { text: "cli log line" }), 1_000);
        try {
          await line;
        } finally {
          clearInterval(timer);
        }
      } finally {
        logs.kill("SIGKILL");
      }
    },
    TEST_TIMEOUT_MS,
  );
});
