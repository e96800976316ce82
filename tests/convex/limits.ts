/**
 * Counts what one transaction reads and writes, the way Convex meters it, so
 * tests can assert that a batch stays inside Convex's per-transaction limits
 * (convex-test enforces none of them). Every `db.get` and every query range is
 * one read-set interval; `patch`, `replace` and `delete` read the document
 * first, so each is an interval as well as a write. Convex merges overlapping
 * ranges of one index into one interval; this meter does not, so it errs on the
 * strict side (as `local-backend/src/engine/readIntervals.ts` counts them, a
 * batch can only read fewer). Sizes are the UTF-8 bytes of
 * the documents' JSON, a close stand-in for Convex's byte count.
 */
import type { GenericDatabaseWriter, GenericDataModel } from "convex/server";

/** Convex's limits per transaction (crates/common/src/knobs.rs). */
export const CONVEX_LIMITS = {
  readIntervals: 4096,
  docsScanned: 32_000,
  bytesRead: 16 * 1024 * 1024,
  docsWritten: 16_000,
  bytesWritten: 16 * 1024 * 1024,
};

export type Usage = Record<keyof typeof CONVEX_LIMITS, number>;

const utf8 = new TextEncoder();
const size = (value: unknown): number =>
  value === null || value === undefined ? 0 : utf8.encode(JSON.stringify(value)).length;

const QUERY_RESULTS = new Set(["collect", "take", "first", "unique", "paginate"]);

/** `db` with every call metered into `usage`. */
export function meteredDb<DB extends GenericDatabaseWriter<GenericDataModel>>(db: DB, usage: Usage): DB {
  const read = (docs: unknown[]) => {
    usage.readIntervals += 1;
    usage.docsScanned += docs.length;
    usage.bytesRead += docs.reduce<number>((total, doc) => total + size(doc), 0);
  };
  const wrapQuery = (query: object): object =>
    new Proxy(query, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (QUERY_RESULTS.has(String(key))) {
            return (result as Promise<unknown>).then((found) => {
              const page = (found as { page?: unknown[] } | null)?.page;
              read(Array.isArray(found) ? found : page ?? (found === null ? [] : [found]));
              return found;
            });
          }
          return typeof result === "object" && result !== null ? wrapQuery(result) : result;
        };
      },
    });
  const writeAfterRead = async (id: unknown, written: unknown) => {
    read([await db.get(id as never)]);
    usage.docsWritten += 1;
    usage.bytesWritten += size(written);
  };
  const metered = {
    get: async (id: never) => {
      const doc = await db.get(id);
      read([doc]);
      return doc;
    },
    query: (table: never) => wrapQuery(db.query(table)),
    insert: async (table: never, value: never) => {
      usage.docsWritten += 1;
      usage.bytesWritten += size(value);
      return await db.insert(table, value);
    },
    patch: async (id: never, value: never) => {
      await writeAfterRead(id, value);
      return await db.patch(id, value);
    },
    replace: async (id: never, value: never) => {
      await writeAfterRead(id, value);
      return await db.replace(id, value);
    },
    delete: async (id: never) => {
      await writeAfterRead(id, null);
      return await db.delete(id);
    },
    normalizeId: db.normalizeId.bind(db),
    system: db.system,
  };
  return metered as unknown as DB;
}

export const emptyUsage = (): Usage => ({
  readIntervals: 0,
  docsScanned: 0,
  bytesRead: 0,
  docsWritten: 0,
  bytesWritten: 0,
});

/** The names of the limits `usage` exceeds when each is divided by `margin` (2: at most half of each). */
export function overLimits(usage: Usage, margin = 1): string[] {
  return (Object.keys(CONVEX_LIMITS) as (keyof Usage)[]).filter((key) => usage[key] > CONVEX_LIMITS[key] / margin);
}
