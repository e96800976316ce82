/**
 * Reader of the data-directory format before SQLite (`db/checkpoint.jsonl` plus
 * `db/wal-<seq>.log` segments of `[u32 LE length][u32 LE crc32][JSON]` frames), used once to
 * migrate such a directory into the SQLite store. It never writes: a damaged frame anywhere
 * but the torn tail of the last segment refuses the migration instead of dropping records.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import type { JSONObject } from "../values.js";

const CHECKPOINT = "checkpoint.jsonl";
const SEGMENT = /^wal-(\d{8})\.log$/;
const HEADER = 8;

export type LegacyState = {
  ts: bigint;
  tables: Map<string, number>;
  /** Table -> id -> document. */
  documents: Map<string, Map<string, JSONObject>>;
};

type LogPayload = { ts: string; t?: Record<string, number>; w: [string, string, JSONObject | null][] };

async function legacyFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((name) => name === CHECKPOINT || SEGMENT.test(name)).sort();
}

/** The legacy state in `dir`, or null when it holds no legacy files. */
export async function readLegacy(dir: string): Promise<LegacyState | null> {
  const files = await legacyFiles(dir);
  if (files.length === 0) return null;
  const state: LegacyState = { ts: 0n, tables: new Map(), documents: new Map() };
  const checkpointTs = files.includes(CHECKPOINT) ? await readCheckpoint(join(dir, CHECKPOINT), state) : 0n;
  const segments = files.filter((name) => name !== CHECKPOINT);
  for (const [i, name] of segments.entries()) {
    for (const text of await readFrames(join(dir, name), i === segments.length - 1)) {
      const payload = JSON.parse(text) as LogPayload;
      for (const [table, number] of Object.entries(payload.t ?? {})) state.tables.set(table, number);
      const ts = BigInt(payload.ts);
      if (ts <= checkpointTs) continue;
      for (const [table, id, doc] of payload.w) setDocument(state, table, id, doc);
      if (ts > state.ts) state.ts = ts;
    }
  }
  return state;
}

/** Deletes the legacy files once their content is durable in the new store. */
export async function removeLegacy(dir: string): Promise<void> {
  for (const name of await legacyFiles(dir)) await rm(join(dir, name), { force: true });
}

function setDocument(state: LegacyState, table: string, id: string, doc: JSONObject | null): void {
  let byId = state.documents.get(table);
  if (!byId) state.documents.set(table, (byId = new Map()));
  if (doc === null) byId.delete(id);
  else byId.set(id, doc);
}

async function readCheckpoint(path: string, state: LegacyState): Promise<bigint> {
  const lines = (await readFile(path, "utf8")).split("\n").filter((line) => line.length > 0);
  const header = JSON.parse(lines[0] ?? "{}") as { ts?: string; tables?: Record<string, number> };
  const footer = JSON.parse(lines[lines.length - 1] ?? "{}") as { end?: number };
  if (header.ts === undefined || footer.end !== lines.length - 2) throw new Error(`Legacy checkpoint ${path} is incomplete; not migrating.`);
  for (const [name, number] of Object.entries(header.tables ?? {})) state.tables.set(name, number);
  for (let i = 1; i < lines.length - 1; i++) {
    const [table, doc] = JSON.parse(lines[i]!) as [string, JSONObject];
    setDocument(state, table, doc._id as string, doc);
  }
  state.ts = BigInt(header.ts);
  return state.ts;
}

/**
 * Valid frames of one segment. Only the last frame of the last segment may be damaged (a
 * crash mid-write: never acknowledged); damage followed by more data is refused.
 */
async function readFrames(path: string, isLast: boolean): Promise<string[]> {
  const bytes = await readFile(path);
  const payloads: string[] = [];
  let offset = 0;
  while (offset + HEADER <= bytes.length) {
    const end = offset + HEADER + bytes.readUInt32LE(offset);
    if (end > bytes.length) break;
    const body = bytes.subarray(offset + HEADER, end);
    if (crc32(body) !== bytes.readUInt32LE(offset + 4)) break;
    payloads.push(body.toString("utf8"));
    offset = end;
  }
  const reachesEnd = offset + HEADER > bytes.length || offset + HEADER + bytes.readUInt32LE(offset) >= bytes.length;
  if (offset < bytes.length && !(isLast && reachesEnd)) {
    throw new Error(`Legacy log ${path} is damaged at byte ${offset}; not migrating (later records would be lost).`);
  }
  return payloads;
}
