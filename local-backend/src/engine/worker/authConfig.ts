/**
 * Evaluates `auth.config` as Convex does when a push is analyzed: reading an environment
 * variable that is not set fails the push with `AuthConfigMissingEnvironmentVariable`,
 * naming the variable (other modules simply see `undefined`, as in Convex). The auth
 * config bundle reads `process.env` through a guarded global (esbuild `define`), so
 * Node's own reads of the environment are untouched.
 */
import { pathToFileURL } from "node:url";
import type { JSONValue } from "../api.js";

/** What `process.env` means inside the auth config bundle. */
export const AUTH_CONFIG_ENV_GLOBAL = "__doctrinaAuthConfigEnv";

export const MISSING_ENV_CODE = "AuthConfigMissingEnvironmentVariable";

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

/** The default export of the auth config bundle, as JSON; null without one. */
export async function evaluateAuthConfig(path: string | null, env: Record<string, string>): Promise<JSONValue | null> {
  if (path === null) return null;
  (globalThis as Record<string, unknown>)[AUTH_CONFIG_ENV_GLOBAL] = guardedEnv(env);
  try {
    const loaded = (await import(pathToFileURL(path).href)) as { modules: { "auth.config": { default?: unknown } } };
    const config = loaded.modules["auth.config"].default;
    return config === undefined ? null : (JSON.parse(JSON.stringify(config)) as JSONValue);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith("Environment variable ")) throw new Error(`${MISSING_ENV_CODE}: ${message}`);
    throw error;
  } finally {
    delete (globalThis as Record<string, unknown>)[AUTH_CONFIG_ENV_GLOBAL];
  }
}
