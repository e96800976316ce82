/**
 * Evaluates `auth.config` as Convex does when a push is analyzed: reading an environment
 * variable that is not set fails the push with `AuthConfigMissingEnvironmentVariable`,
 * naming the variable (other modules simply see `undefined`, as in Convex); any other failure
 * to evaluate it, or a missing default export, is `InvalidAuthConfig`. The auth
 * config bundle reads `process.env` through a guarded global (esbuild `define`), so
 * Node's own reads of the environment are untouched.
 */
import { pathToFileURL } from "node:url";
import type { JSONValue } from "../api.js";

/** What `process.env` means inside the auth config bundle. */
export const AUTH_CONFIG_ENV_GLOBAL = "__doctrinaAuthConfigEnv";

export const MISSING_ENV_CODE = "AuthConfigMissingEnvironmentVariable";

export const INVALID_CODE = "InvalidAuthConfig";

const SEE_AUTH_DOCS = "To learn more, see the auth documentation at https://docs.convex.dev/auth.";

export function missingEnvMessage(name: string): string {
  return `Environment variable ${name} is used in auth config file but its value was not set`;
}

function guardedEnv(env: Record<string, string>): Record<string, string> {
  return new Proxy(
    { ...env },
    {
      get(target, key) {
        if (typeof key === "string" && !Object.hasOwn(target, key)) throw new Error(missingEnvMessage(key));
        return Reflect.get(target, key) as unknown;
      },
    },
  );
}

/** The default export as JSON, checked as Convex does before it validates the shape. */
function exportedJson(config: unknown): JSONValue {
  if (config === undefined || config === null) throw new Error(`auth config file is missing default export. ${SEE_AUTH_DOCS}`);
  let text: string | undefined;
  try {
    text = JSON.stringify(config);
  } catch {
    throw new Error(`auth config file can only contain strings ${SEE_AUTH_DOCS}`);
  }
  // V8 stringifies a function to `undefined`, which serde_json then fails to parse.
  if (text === undefined) throw new Error("auth config file must include a list of provider credentials: expected value ");
  return JSON.parse(text) as JSONValue;
}

/** Evaluates the bundle; an error's message starts with the Convex code the push is refused with. */
async function evaluate(path: string): Promise<JSONValue> {
  let config: unknown;
  try {
    const loaded = (await import(pathToFileURL(path).href)) as { modules: { "auth.config": { default?: unknown } } };
    config = loaded.modules["auth.config"].default;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith("Environment variable ")) throw new Error(`${MISSING_ENV_CODE}: ${message}`);
    throw new Error(`${INVALID_CODE}: Uncaught ${error instanceof Error ? error.name : "Error"}: ${message}`);
  }
  try {
    return exportedJson(config);
  } catch (error) {
    throw new Error(`${INVALID_CODE}: ${(error as Error).message}`);
  }
}

/** The default export of the auth config bundle, as JSON; null without an auth config file. */
export async function evaluateAuthConfig(path: string | null, env: Record<string, string>): Promise<JSONValue | null> {
  if (path === null) return null;
  (globalThis as Record<string, unknown>)[AUTH_CONFIG_ENV_GLOBAL] = guardedEnv(env);
  try {
    return await evaluate(path);
  } finally {
    delete (globalThis as Record<string, unknown>)[AUTH_CONFIG_ENV_GLOBAL];
  }
}
