/** Deployment environment variables (what `process.env` shows inside functions): `<dataDir>/env.json`. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";

const ENV_FILE = "env.json";

export async function readDeploymentEnv(dataDir: string): Promise<Record<string, string>> {
  const text = await readFile(join(dataDir, ENV_FILE), "utf8").catch(() => null);
  if (text === null) return {};
  const parsed = JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, String(value)]));
}
