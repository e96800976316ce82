/**
 * `--publish-env FILE`: the deployment URL and admin key in the `.env.local`
 * form the Convex CLI reads, and the site URL (HTTP actions) as `npx convex dev`
 * writes it. Other lines of an existing file are kept.
 */
import { readFile, writeFile, chmod } from "node:fs/promises";

const NAMES = ["CONVEX_SELF_HOSTED_URL", "CONVEX_SELF_HOSTED_ADMIN_KEY", "CONVEX_SITE_URL"];

export async function publishEnv(file: string, url: string, adminKey: string, siteUrl: string | null): Promise<void> {
  let kept: string[] = [];
  try {
    kept = (await readFile(file, "utf8")).split("\n").filter((line) => line !== "" && !NAMES.some((name) => line.startsWith(`${name}=`)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const lines = [...kept, `CONVEX_SELF_HOSTED_URL=${url}`, `CONVEX_SELF_HOSTED_ADMIN_KEY=${adminKey}`];
  if (siteUrl !== null) lines.push(`CONVEX_SITE_URL=${siteUrl}`);
  // The file holds the admin key: owner-only, like the key file itself.
  await writeFile(file, `${lines.join("\n")}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}
