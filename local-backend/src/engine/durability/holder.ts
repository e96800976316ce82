/**
 * Who holds a data directory: `<dataDir>/holder.json` (`{"pid", "url", "siteUrl"}`), written by the
 * process holding the store's lock, so a second start can name it and `LocalBackend` can
 * attach to it. Informational only: the lock itself is SQLite's OS lock on the database file.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const HOLDER_FILE = "holder.json";

export type Holder = { pid: number; url: string | null; siteUrl?: string | null };

export async function writeHolder(dataDir: string, holder: Holder): Promise<void> {
  await writeFile(join(dataDir, HOLDER_FILE), `${JSON.stringify(holder)}\n`, { mode: 0o600 });
}

export async function readHolder(dataDir: string): Promise<Holder | null> {
  const text = await readFile(join(dataDir, HOLDER_FILE), "utf8").catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as Holder;
  } catch {
    return null;
  }
}

export async function removeHolder(dataDir: string): Promise<void> {
  await rm(join(dataDir, HOLDER_FILE), { force: true });
}

/** The message of a refused second start. */
export function lockedMessage(dataDir: string, holder: Holder | null): string {
  const who = holder === null ? "another process" : `pid ${holder.pid}${holder.url === null ? "" : `, ${holder.url}`}`;
  return (
    `Data directory ${dataDir} is in use by another Doctrina local backend (${who}). ` +
    "Stop it first, or use the running one: doctrina commands attach to it, and so does LocalBackend.start(data_dir=..., attach=True)."
  );
}
