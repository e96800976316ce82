/** The `Convex-Client: <name>-<semver>` header and the default output format it implies. */
import { badRequest } from "./errors.js";
import type { OutputFormat } from "./values.js";

export type ClientVersion = { name: string; version: [number, number, number] };

export function parseClientVersion(header: string | undefined): ClientVersion | undefined {
  if (header === undefined) return undefined;
  // The name may itself contain dashes (`npm-cli-1.48.0`); the version may carry a suffix.
  const match = /^([A-Za-z][\w-]*?)-(\d+)\.(\d+)\.(\d+)(?:[-+.][\w.+-]*)?$/.exec(header);
  if (match === null) throw badRequest("InvalidVersion", `Invalid Convex-Client header: ${header}`);
  return { name: match[1], version: [Number(match[2]), Number(match[3]), Number(match[4])] };
}

/** Old official clients expected convex_encoded_json by default; everyone else gets clean JSON. */
export function defaultFormat(client: ClientVersion | undefined): OutputFormat {
  if (client === undefined) return "json";
  const legacyUpTo = LEGACY_ENCODED_DEFAULT[client.name];
  return legacyUpTo !== undefined && compare(client.version, legacyUpTo) <= 0 ? "convex_encoded_json" : "json";
}

const LEGACY_ENCODED_DEFAULT: Record<string, [number, number, number]> = {
  npm: [1, 4, 1],
  "npm-cli": [1, 4, 1],
  actions: [1, 4, 1],
  python: [0, 5, 0],
};

function compare(a: [number, number, number], b: [number, number, number]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
