/**
 * auth.config.ts refused as Convex refuses it (docs/fidelity.md): a push with an invalid config
 * gets `InvalidAuthConfig` and Convex's text, and an environment change that would break the
 * config (removing a variable it reads) is refused, both writing nothing.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseAuthConfig } from "../../src/engine/auth.js";
import { createEngine, type Deployment, type Engine, type JSONValue, type PushedModule } from "../../src/engine/index.js";
import { tempDir } from "./helpers.js";

const PUSHED = "The pushed auth config is invalid: ";
const CHANGED = "This change would make the auth config invalid: ";
const SHAPE = "auth config file must include a list of provider credentials: ";
const NO_VARIANT = `${SHAPE}data did not match any variant of untagged enum SerializedAuthInfo `;

describe("an evaluated auth config is validated with Convex's texts", () => {
  const refused: [string, JSONValue, string][] = [
    ["a provider without domain", { providers: [{ applicationID: "app" }] }, NO_VARIANT],
    ["a provider without applicationID", { providers: [{ domain: "https://issuer.example" }] }, NO_VARIANT],
    ["a customJwt without jwks", { providers: [{ type: "customJwt", issuer: "https://issuer.example", algorithm: "RS256" }] }, NO_VARIANT],
    [
      "a customJwt with another algorithm",
      { providers: [{ type: "customJwt", issuer: "https://issuer.example", jwks: "https://issuer.example/jwks", algorithm: "HS256" }] },
      NO_VARIANT,
    ],
    ["a string export", "providers", `${SHAPE}invalid type: string "providers", expected struct SerializedAuthConfig `],
    ["a number export", 5, `${SHAPE}invalid type: integer \`5\`, expected struct SerializedAuthConfig `],
    ["an object without providers", { provider: [] }, `${SHAPE}missing field \`providers\` `],
    ["providers that are not a list", { providers: { domain: "x" } }, `${SHAPE}invalid type: map, expected a sequence `],
    [
      "applicationId misspelled",
      { providers: [{ domain: "https://issuer.example", applicationId: "app" }] },
      `${SHAPE}Provider at index 0 must have applicationID property spelled lowercase 'application', capital I, capital D.`,
    ],
    ["an unknown type", { providers: [{ type: "saml", domain: "https://issuer.example" }] }, `${SHAPE}Provider at index 0 has unexpected 'type' value 'saml'`],
    [
      "a customJwt with a domain",
      { providers: [{ type: "customJwt", domain: "https://issuer.example" }] },
      `${SHAPE}Provider at index 0 is a customJwt so cannot have a 'domain' specified`,
    ],
    ["an oidc provider with an issuer", { providers: [{ issuer: "https://issuer.example" }] }, `${SHAPE}Provider at index 0 is oidc so cannot have an 'issuer' specified.`],
    ["an empty domain", { providers: [{ domain: "", applicationID: "app" }] }, 'Invalid provider domain URL "": empty host'],
    ["a domain with a space", { providers: [{ domain: "not a url", applicationID: "app" }] }, 'Invalid provider domain URL "not a url": invalid domain character'],
    [
      "a domain without scheme or top-level domain",
      { providers: [{ domain: "issuer", applicationID: "app" }] },
      'Invalid provider domain URL "issuer": Does not look like a URL (must have a scheme or end with a top-level domain)',
    ],
    ["an ftp domain", { providers: [{ domain: "ftp://issuer.example", applicationID: "app" }] }, 'Invalid provider domain URL "ftp://issuer.example": scheme should be http or https'],
    [
      "a quoted issuer",
      { providers: [{ type: "customJwt", issuer: '"https://issuer.example"', jwks: "https://issuer.example/jwks", algorithm: "ES256" }] },
      'Invalid provider domain URL ""https://issuer.example"": starts with a double quote (")',
    ],
  ];
  test.each(refused)("%s", (_case, config, message) => {
    expect(() => parseAuthConfig(config)).toThrow(message);
  });

  test("unknown properties are allowed; a domain without scheme gets https://, as Convex stores it", () => {
    const config = { providers: [{ domain: "issuer.example.com", applicationID: "app", comment: "x" }], extra: true };
    expect(parseAuthConfig(config)).toEqual([{ kind: "oidc", domain: "https://issuer.example.com", applicationID: "app" }]);
  });
});

describe("pushes and environment changes", () => {
  let root: string;
  let engine: Engine & Deployment;
  const authConfig = 'export default { providers: [{ domain: process.env.ISSUER, applicationID: "app" }] };\n';
  const push = (authSource: string) => {
    const module = (path: string, source: string): PushedModule => ({ path, source, sourceMap: null, environment: "isolate" });
    return engine.push([module("auth.config.js", authSource), module("settings.js", "export const region = 1;\n")], { dryRun: false });
  };
  const envFile = () => readFile(join(root, "data", "env.json"), "utf8").catch(() => null);

  beforeAll(async () => {
    root = await tempDir();
    await mkdir(join(root, "convex"));
    await writeFile(join(root, "convex", "auth.config.ts"), authConfig);
    engine = await createEngine({ dataDir: join(root, "data"), functionsDir: join(root, "convex"), env: { ISSUER: "https://a.example" } });
  }, 60_000);
  afterAll(async () => {
    await engine.close();
    await rm(root, { recursive: true, force: true });
  });

  test.each([
    ["a provider without applicationID", 'export default { providers: [{ domain: "https://b.example" }] };', `${PUSHED}${NO_VARIANT}`],
    ["no default export", "export const providers = [];", `${PUSHED}auth config file is missing default export. To learn more, see the auth documentation at https://docs.convex.dev/auth.`],
    ["a function export", "export default () => ({ providers: [] });", `${PUSHED}${SHAPE}expected value `],
    ["a throwing config", 'throw new Error("no issuer configured");', `${PUSHED}Uncaught Error: no issuer configured`],
  ])("a push with %s is refused with InvalidAuthConfig; the old providers stay", async (_case, source, message) => {
    await expect(push(source)).rejects.toMatchObject({ code: "InvalidAuthConfig", message });
    expect(engine.authProviders()).toEqual([{ kind: "oidc", domain: "https://a.example", applicationID: "app" }]);
  });

  test("removing a variable the auth config reads is refused, as on Convex; nothing is written", async () => {
    const before = await envFile();
    await expect(engine.updateEnvironmentVariables([{ name: "ISSUER", value: null }])).rejects.toMatchObject({
      code: "AuthConfigMissingEnvironmentVariable",
      message: "Environment variable ISSUER is used in auth config file but its value was not set",
    });
    expect(engine.environmentVariables()).toEqual({ ISSUER: "https://a.example" });
    expect(await envFile()).toBe(before);
  }, 30_000);

  test("a value that makes the config invalid is refused with Convex's explanation", async () => {
    await expect(engine.updateEnvironmentVariables([{ name: "ISSUER", value: "issuer" }])).rejects.toMatchObject({
      code: "InvalidAuthConfig",
      message: `${CHANGED}Invalid provider domain URL "issuer": Does not look like a URL (must have a scheme or end with a top-level domain)`,
    });
    expect(engine.environmentVariables()).toEqual({ ISSUER: "https://a.example" });
  }, 30_000);

  test("a changed variable re-evaluates the auth config: the providers follow it", async () => {
    await engine.updateEnvironmentVariables([{ name: "ISSUER", value: "https://b.example" }]);
    expect(engine.authProviders()).toEqual([{ kind: "oidc", domain: "https://b.example", applicationID: "app" }]);
    await push(authConfig);
    expect(engine.authProviders()).toEqual([{ kind: "oidc", domain: "https://b.example", applicationID: "app" }]);
  }, 30_000);
});
