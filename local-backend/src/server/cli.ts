/** Flags of `node local-backend/dist/main.js` (docs/architecture.md, "Local backend process contract"). */
import { resolve } from "node:path";

export type CliOptions = {
  dataDir: string;
  port: number;
  /** The site URL's port (HTTP actions); 0 = a free one. */
  sitePort: number;
  functionsDir: string;
  publishEnv?: string;
  exitWithParent: boolean;
};

export const USAGE =
  "usage: main.js --data-dir DIR [--port N (0 = free port)] [--site-port N (HTTP actions; 0 = free port)] [--functions convex] [--publish-env FILE] [--exit-with-parent]";

/** Throws an Error with a message for the user on bad flags. */
export function parseCli(argv: string[]): CliOptions {
  const values = new Map<string, string>();
  let exitWithParent = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = splitFlag(argv[i]);
    if (flag === "--exit-with-parent") {
      exitWithParent = true;
    } else if (["--data-dir", "--port", "--site-port", "--functions", "--publish-env"].includes(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`${flag} needs a value`);
      values.set(flag, value);
    } else {
      throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  const dataDir = values.get("--data-dir");
  if (dataDir === undefined) throw new Error("--data-dir is required");
  const publishEnv = values.get("--publish-env");
  return {
    dataDir: resolve(dataDir),
    port: parsePort("--port", values.get("--port") ?? "0"),
    sitePort: parsePort("--site-port", values.get("--site-port") ?? "0"),
    functionsDir: resolve(values.get("--functions") ?? "convex"),
    publishEnv: publishEnv === undefined ? undefined : resolve(publishEnv),
    exitWithParent,
  };
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return arg.startsWith("--") && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function parsePort(flag: string, text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`${flag} must be 0..65535, not ${text}`);
  return port;
}
