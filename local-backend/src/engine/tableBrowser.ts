/** `npx convex data`: the user tables of a snapshot and pages of their documents in creation order. */
import type { TablePage } from "./api.js";
import type { Snapshot } from "./store/database.js";
import { FULL_RANGE } from "./store/table.js";

const BY_CREATION_TIME = "by_creation_time";

export class TableBrowser {
  constructor(
    private readonly snapshot: Snapshot,
    /** Every table the deployment knows, also the empty ones (its table mapping). */
    private readonly names: string[],
  ) {}

  tables(): { name: string; documents: number }[] {
    return this.names
      .filter((name) => !name.startsWith("_"))
      .map((name) => ({ name, documents: this.snapshot.tables.get(name)?.count ?? 0 }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The cursor is the index key of the page's last document (opaque to the CLI). */
  page(name: string, order: "asc" | "desc", cursor: string | null, numItems: number): TablePage {
    const table = this.snapshot.tables.get(name);
    const after = cursor === null ? null : decodeCursor(cursor);
    const limit = Math.max(1, Math.floor(numItems));
    const records = table?.scan(BY_CREATION_TIME, FULL_RANGE, order, after, limit) ?? [];
    const last = records.at(-1);
    return {
      page: records.map((record) => record.value),
      isDone: records.length < limit,
      continueCursor: last === undefined ? (cursor ?? "") : encodeCursor(last.keys.get(BY_CREATION_TIME)!),
    };
  }
}

// Index keys are arbitrary UTF-16 strings; JSON escapes the ones UTF-8 cannot carry.
function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

function decodeCursor(cursor: string): string {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    key = undefined;
  }
  if (typeof key !== "string") throw new Error(`Invalid cursor ${JSON.stringify(cursor)}.`);
  return key;
}
