/** The real Convex CLI (`node_modules/convex`) against the local backend, on a temp copy of the fixture project. */
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConvexClient } from "convex/browser";
import { unzipSync } from "fflate";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
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

async function mutation(path: string, args: unknown): Promise<void> {
  const response = await fetch(`${project.backend.url}/api/mutation`, {
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

const PUSHED_CRONS = `import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";
const crons = cronJobs();
crons.interval("pushed tick", { seconds: 1 }, internal.scheduling.record, { source: "cron-pushed", message: "tock" });
export default crons;
`;

const AUDIENCE = "cli-app";
const ISSUER = "https://cli-issuer.example";

/** An auth.config.ts trusting one customJwt issuer whose key set is a data: URI (no network). */
async function customIssuer(): Promise<{ authConfig: string; token: () => Promise<string> }> {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" }] };
  const uri = `data:text/plain;charset=utf-8;base64,${Buffer.from(JSON.stringify(jwks)).toString("base64")}`;
  const authConfig = `export default { providers: [{ type: "customJwt", issuer: "${ISSUER}", jwks: "${uri}", algorithm: "RS256", applicationID: "${AUDIENCE}" }] };\n`;
  const token = () =>
    new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: "cli-user" })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(privateKey);
  return { authConfig, token };
}

async function whoami(token: string): Promise<{ status: number; body: { value?: { subject?: string }; code?: string } }> {
  const response = await fetch(`${project.backend.url}/api/query`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ path: "protocol:whoami", args: {} }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as { value?: { subject?: string }; code?: string } };
}

/** How many times `scheduling:record` ran for `source` (over HTTP: polled often). */
async function cronRuns(source: string): Promise<number> {
  const response = await fetch(`${project.backend.url}/api/query`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ path: "scheduling:events", args: { source } }),
    signal: AbortSignal.timeout(10_000),
  });
  return ((await response.json()) as { value: string[] }).value.length;
}

/** Polls until `source` ran more than `count` times; fails after 60 s instead of hanging. */
async function cronRunsAfter(source: string, count: number): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const runs = await cronRuns(source);
    if (runs > count) return runs;
    if (Date.now() > deadline) throw new Error(`no ${source} run past ${count} within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

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
    "export downloads a ZIP of the tables; import refuses non-empty tables, then --replace brings it back",
    async () => {
      await run("counter:increment", { name: "cli-export", by: 3 });
      const zip = join(project.dir, "snapshot.zip");
      const exported = await project.cli(["export", "--path", zip]);
      expect(exported.stderr).toMatch(/Created snapshot export at timestamp \d+/);
      expect(exported.stderr).toContain(`Downloaded snapshot export to ${zip}`);
      const files = unzipSync(await readFile(zip));
      expect(Buffer.from(files["counters/documents.jsonl"]!).toString()).toMatch(/"name":"cli-export","value":3\.0/);

      await expect(project.cli(["import", "--yes", zip])).rejects.toThrow(/Table counters already exists\. Please choose a new table name or use replace\/append modes\./);
      expect(await run("counter:get", { name: "cli-export" })).toBe(3);

      await run("counter:increment", { name: "cli-export", by: 4 });
      await run("counter:increment", { name: "cli-after-export" });
      const replaced = await project.cli(["import", "--replace", "--yes", zip]);
      expect(replaced.stdout + replaced.stderr).toMatch(/counters +\| \d+ +\| \d+ of \d+ +\|/);
      expect(replaced.stderr).toMatch(/Added \d+ documents/);
      expect(await run("counter:get", { name: "cli-export" })).toBe(3);
      expect(await run("counter:get", { name: "cli-after-export" })).toBeNull();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "import --append adds the rows of a JSONL or CSV file to one table, with new IDs",
    async () => {
      const jsonl = join(project.dir, "counters.jsonl");
      await writeFile(jsonl, `${JSON.stringify({ name: "cli-appended", value: 5 })}\n${JSON.stringify({ name: "cli-appended-2", value: 6 })}\n`);
      const appended = await project.cli(["import", "--append", "--yes", "--table", "counters", jsonl]);
      expect(appended.stderr).toContain('Added 2 documents to table "counters"');
      expect(await run("counter:get", { name: "cli-appended" })).toBe(5);

      const csv = join(project.dir, "counters.csv");
      await writeFile(csv, "name,value\ncli-csv,7.5\n");
      await project.cli(["import", "--append", "--yes", "--table", "counters", csv]);
      expect(await run("counter:get", { name: "cli-csv" })).toBe(7.5);

      // A row the schema refuses fails the whole import, and nothing is written.
      await writeFile(jsonl, `${JSON.stringify({ name: "cli-bad-ok", value: 1 })}\n${JSON.stringify({ name: "cli-bad", value: "x" })}\n`);
      await expect(project.cli(["import", "--append", "--yes", "--table", "counters", jsonl])).rejects.toThrow(/row 2/);
      expect(await run("counter:get", { name: "cli-bad-ok" })).toBeNull();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "the export and import routes refuse bad input with typed errors",
    async () => {
      const admin = { authorization: `Convex ${project.backend.adminKey}`, "content-type": "application/json" };
      const call = async (path: string, init: RequestInit = {}) => {
        const response = await fetch(`${project.backend.url}${path}`, { method: "POST", ...init, signal: AbortSignal.timeout(10_000) });
        return { status: response.status, body: (await response.json()) as { code?: string } };
      };
      expect(await call("/api/export/request/zip")).toMatchObject({ status: 403, body: { code: "BadDeployKey" } });
      expect(await call("/api/import/start_upload")).toMatchObject({ status: 403, body: { code: "BadDeployKey" } });
      expect(await call("/api/export/zip/abc", { method: "GET", headers: admin })).toMatchObject({ status: 400, body: { code: "BadSnapshotId" } });
      expect(await call("/api/export/zip/12345", { method: "GET", headers: admin })).toMatchObject({ status: 404, body: { code: "ExportNotFound" } });
      expect(await call("/api/import/upload_part?uploadToken=nope&partNumber=1", { headers: admin, body: "x" })).toMatchObject({ status: 400, body: { code: "InvalidUploadToken" } });
      const { uploadToken } = (await call("/api/import/start_upload", { headers: admin })).body as { uploadToken: string };
      const finish = (args: unknown) => call("/api/import/finish_upload", { headers: admin, body: JSON.stringify({ import: args, uploadToken, partTokens: [] }) });
      expect(await finish({ format: "zip", mode: "requireEmpty", tableName: "counters" })).toMatchObject({ status: 400, body: { code: "InvalidName" } });
      expect(await finish({ format: "csv", mode: "requireEmpty" })).toMatchObject({ status: 400, body: { code: "InvalidName" } });
      expect(await finish({ format: "zip", mode: "replaceAll" })).toMatchObject({ status: 400, body: { code: "BadJsonBody" } });
      expect(await call("/api/perform_import", { headers: admin, body: JSON.stringify({ importId: "nope" }) })).toMatchObject({ status: 400, body: { code: "InvalidImport" } });
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

  it(
    "logs shows scheduled functions, crons and HTTP actions too, with Convex's caller",
    async () => {
      const logs = project.spawnCli(["logs", "--success"]);
      try {
        await waitForOutput(logs, /Watching logs/, 60_000);
        const shown = Promise.all([
          waitForOutput(logs, /\[CONVEX M\(scheduling:failing\)\] .*scheduled failure/, 60_000),
          // The fixture's cron runs scheduling:record every second.
          waitForOutput(logs, /\[CONVEX M\(scheduling:record\)\] Function executed in \d+ ms/, 60_000),
          waitForOutput(logs, /\[CONVEX H\(GET \/whoami\)\] Function executed in \d+ ms/, 60_000),
        ]);
        const timer = setInterval(() => {
          void mutation("scheduling:laterFailing", {});
          void fetch(`${project.backend.siteUrl}/whoami`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text());
        }, 1_000);
        try {
          await shown;
        } finally {
          clearInterval(timer);
        }
      } finally {
        logs.kill("SIGKILL");
      }
      const response = await fetch(`${project.backend.url}/api/stream_function_logs?cursor=0`, {
        headers: { authorization: `Convex ${project.backend.adminKey}` },
        signal: AbortSignal.timeout(10_000),
      });
      const { entries } = (await response.json()) as { entries: { identifier: string; caller?: string; error: string | null }[] };
      expect(entries).toContainEqual(expect.objectContaining({ identifier: "scheduling:record", caller: "Cron" }));
      expect(entries).toContainEqual(expect.objectContaining({ identifier: "scheduling:failing", caller: "Scheduler", error: expect.stringMatching(/scheduled failure/) }));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a push whose auth config reads an unset variable is refused with Convex's code; the CLI says how to set it",
    async () => {
      const authFile = join(project.dir, "convex", "auth.config.ts");
      await writeFile(authFile, 'export default { providers: [{ domain: process.env.CLI_ISSUER, applicationID: "app" }] };\n');
      try {
        const failure = await project.cli(["deploy", "--typecheck", "disable", "--yes"]).catch((e: unknown) => e as Error & { stderr?: string });
        expect(failure).toBeInstanceOf(Error);
        const printed = (failure as { stderr?: string }).stderr ?? "";
        expect(printed).toContain("Environment variable CLI_ISSUER is used in auth config file but its value was not set.");
        expect(printed).toMatch(/npx convex env set .*CLI_ISSUER <value>/);
        expect(printed).not.toContain("InvalidModules");
        // Refused whole: the running code (no auth config) still serves.
        expect(await run("counter:get", { name: "none" })).toBeNull();
      } finally {
        await rm(authFile, { force: true });
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "an invalid auth config is refused with InvalidAuthConfig; removing a variable the config reads is refused",
    async () => {
      const authFile = join(project.dir, "convex", "auth.config.ts");
      const failure = (args: string[]) => project.cli(args).then(() => ({ stderr: "(the command succeeded)" }), (e: unknown) => e as { stderr?: string });
      try {
        await writeFile(authFile, 'export default { providers: [{ domain: "https://cli-issuer.example" }] };\n');
        const refusedPush = (await failure(["deploy", "--typecheck", "disable", "--yes"])).stderr ?? "";
        expect(refusedPush).toContain(
          "400 Bad Request: InvalidAuthConfig: The pushed auth config is invalid: auth config file must include a list of provider credentials: data did not match any variant of untagged enum SerializedAuthInfo",
        );
        await project.cli(["env", "set", "CLI_ISSUER", "https://cli-issuer.example"]);
        await writeFile(authFile, 'export default { providers: [{ domain: process.env.CLI_ISSUER, applicationID: "app" }] };\n');
        await project.cli(["deploy", "--typecheck", "disable", "--yes"]);
        const refusedRemove = (await failure(["env", "remove", "CLI_ISSUER"])).stderr ?? "";
        expect(refusedRemove).toContain(
          "400 Bad Request: AuthConfigMissingEnvironmentVariable: Environment variable CLI_ISSUER is used in auth config file but its value was not set",
        );
        expect((await project.cli(["env", "list"])).stdout).toContain("CLI_ISSUER=https://cli-issuer.example");
      } finally {
        await rm(authFile, { force: true });
        await project.cli(["deploy", "--typecheck", "disable", "--yes"]);
        await project.cli(["env", "remove", "CLI_ISSUER"]);
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a push reloads the crons and the auth config; pushing the old files back restores both",
    async () => {
      const cronsFile = join(project.dir, "convex", "crons.ts");
      const authFile = join(project.dir, "convex", "auth.config.ts");
      const originalCrons = await readFile(cronsFile, "utf8");
      const issuer = await customIssuer();
      expect(await whoami(await issuer.token())).toMatchObject({ status: 401, body: { code: "NoAuthProvider" } });
      try {
        await writeFile(cronsFile, PUSHED_CRONS);
        await writeFile(authFile, issuer.authConfig);
        await project.cli(["dev", "--once", "--typecheck", "disable"]);
        expect(await whoami(await issuer.token())).toMatchObject({ status: 200, body: { value: { subject: "cli-user" } } });
        // The old cron is stopped: once the new one has run, two more runs of it bring no "tick".
        const pushedRuns = await cronRunsAfter("cron-pushed", 0);
        const ticks = await cronRuns("cron");
        await cronRunsAfter("cron-pushed", pushedRuns + 1);
        expect(await cronRuns("cron")).toBe(ticks);
      } finally {
        await writeFile(cronsFile, originalCrons);
        await rm(authFile, { force: true });
        await project.cli(["dev", "--once", "--typecheck", "disable"]);
      }
      expect(await whoami(await issuer.token())).toMatchObject({ status: 401, body: { code: "NoAuthProvider" } });
      await cronRunsAfter("cron", await cronRuns("cron"));
    },
    TEST_TIMEOUT_MS,
  );
});
