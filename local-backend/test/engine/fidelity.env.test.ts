/** Environment variables at load, as Convex evaluates them (docs/fidelity.md). */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createEngine } from "../../src/engine/index.js";
import { PROJECT, tempDir } from "./helpers.js";

let root: string;
let functionsDir: string;
beforeAll(async () => {
  root = await tempDir();
  functionsDir = join(root, "convex");
  await mkdir(functionsDir);
  await writeFile(
    join(functionsDir, "auth.config.ts"),
    'export default { providers: [{ domain: process.env.ISSUER_DOMAIN, applicationID: "app" }] };\n',
  );
  await writeFile(join(functionsDir, "settings.ts"), "export const region = process.env.UNSET_REGION ?? null;\n");
});
afterAll(async () => await rm(root, { recursive: true, force: true }));

const MISSING = "AuthConfigMissingEnvironmentVariable: Environment variable ISSUER_DOMAIN is used in auth config file but its value was not set";

test("an auth config reading an unset variable is refused, naming it", async () => {
  await expect(createEngine({ dataDir: join(root, "missing"), functionsDir, env: {} })).rejects.toThrow(MISSING);
});

test("with the variable set, its provider is trusted; other modules may read unset variables", async () => {
  const engine = await createEngine({ dataDir: join(root, "set"), functionsDir, env: { ISSUER_DOMAIN: "https://issuer.example" } });
  try {
    expect(engine.authProviders()).toEqual([{ kind: "oidc", domain: "https://issuer.example", applicationID: "app" }]);
  } finally {
    await engine.close();
  }
});

test("the env file or env option overrides the local defaults", async () => {
  const engine = await createEngine({
    dataDir: join(root, "defaults"),
    functionsDir,
    defaultEnv: { ISSUER_DOMAIN: "https://default.example" },
  });
  try {
    expect(engine.authProviders()).toMatchObject([{ domain: "https://default.example" }]);
  } finally {
    await engine.close();
  }
});

test("convex/auth.config.ts needs CLERK_JWT_ISSUER_DOMAIN", async () => {
  await expect(createEngine({ dataDir: join(root, "project"), functionsDir: PROJECT, env: {} })).rejects.toThrow(
    "AuthConfigMissingEnvironmentVariable: Environment variable CLERK_JWT_ISSUER_DOMAIN is used in auth config file but its value was not set",
  );
}, 60_000);
