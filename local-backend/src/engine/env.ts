/** Deployment environment variables (what `process.env` shows inside functions): `<dataDir>/env.json`. */
import { open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { DeploymentError, type EnvVarChange } from "./api.js";

const ENV_FILE = "env.json";

export async function readDeploymentEnv(dataDir: string): Promise<Record<string, string>> {
  const text = await readFile(join(dataDir, ENV_FILE), "utf8").catch(() => null);
  if (text === null) return {};
  const parsed = JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, String(value)]));
}

// Convex's limits and messages (crates/common/src/types/environment_variables.rs, knobs.rs).
const NAME = /^[a-zA-Z_]+[a-zA-Z0-9_]*$/;
const MAX_NAME_LENGTH = 256;
const MAX_VALUE_BYTES = 8 * 1024;
const MAX_VARIABLES = 512;
const MAX_TOTAL_BYTES = 512 * 1024;

/** `env` with `changes` applied, or the `DeploymentError` Convex gives for the first bad one. */
export function applyEnvChanges(env: Record<string, string>, changes: EnvVarChange[]): Record<string, string> {
  const next = { ...env };
  for (const { name, value } of changes) {
    if (typeof name !== "string" || !NAME.test(name)) {
      throw new DeploymentError(
        "EnvironmentVariableNameInvalid",
        `The environment variable name ${name} is invalid. Environment variable names must begin with a letter and may only include characters a-z, A-Z, 0-9, and underscores.`,
      );
    }
    if (name.length > MAX_NAME_LENGTH) {
      throw new DeploymentError(
        "EnvironmentVariableNameTooLong",
        `The environment variable name ${name} is too long. Environment variable names must be less than ${MAX_NAME_LENGTH}.`,
      );
    }
    if (value === null) {
      delete next[name];
      continue;
    }
    const bytes = Buffer.byteLength(value);
    if (bytes > MAX_VALUE_BYTES) {
      throw new DeploymentError(
        "EnvironmentVariableValueTooLarge",
        `The environment variable value is ${bytes} bytes, which is too large. (max size: ${MAX_VALUE_BYTES}`,
      );
    }
    next[name] = value;
  }
  checkTotals(next);
  return next;
}

function checkTotals(env: Record<string, string>): void {
  if (Object.keys(env).length > MAX_VARIABLES) {
    throw new DeploymentError("EnvVarLimitMet", `The environment variable limit (${MAX_VARIABLES}) has been met.`);
  }
  const total = Object.entries(env).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value), 0);
  if (total > MAX_TOTAL_BYTES) {
    throw new DeploymentError(
      "EnvVarTotalSizeLimitMet",
      `The total size of all environment variables (${total} bytes) exceeds the limit (${MAX_TOTAL_BYTES} bytes).`,
    );
  }
}

/** Replaces `<dataDir>/env.json` atomically (write, fsync, rename): a crash leaves the old or the new set. */
export async function writeDeploymentEnv(dataDir: string, env: Record<string, string>): Promise<void> {
  const target = join(dataDir, ENV_FILE);
  const temp = `${target}.tmp`;
  const handle = await open(temp, "w", 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(env, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
}
