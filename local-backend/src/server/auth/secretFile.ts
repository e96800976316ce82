/** Secrets kept in the data directory: created once with mode 0600, reused afterwards. */
import { chmod, readFile, writeFile } from "node:fs/promises";

/** Reads `file`, or writes `create()` there first if it does not exist yet. */
export async function loadOrCreateSecret(file: string, create: () => Promise<string>): Promise<string> {
  try {
    const existing = await readFile(file, "utf8");
    // Tighten permissions left loose by hand edits or copies.
    await chmod(file, 0o600);
    return existing.trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const value = await create();
  try {
    // `wx`: two servers racing on one data directory must not overwrite each other's secret.
    await writeFile(file, `${value}\n`, { mode: 0o600, flag: "wx" });
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return (await readFile(file, "utf8")).trim();
  }
}
