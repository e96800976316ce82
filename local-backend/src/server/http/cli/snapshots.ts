/**
 * The state behind `npx convex export` and `import`: the latest export (a ZIP in a directory
 * of this server's own, removed when it stops) and the recent imports, as the documents of
 * Convex's `_exports` and `_snapshot_imports` tables that `_system/cli/exports:getLatest` and
 * `_system/cli/queryImport` return. Each step finishes before its HTTP reply, so the CLI's
 * subscription sees a settled state at once.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImportFormat, ImportMode, JSONValue } from "../../../engine/api.js";
import { int64ToJson } from "../../../engine/values.js";

/** The `format` tags of Convex's `_snapshot_imports` documents. */
const FORMAT_TAG: Record<ImportFormat, string> = { zip: "zip", jsonLines: "jsonl", jsonArray: "json_array", csv: "csv" };
/** Convex keeps the 20 latest imports visible to `queryImport:list`. */
const LISTED_IMPORTS = 20;

export type LatestExport = { ts: bigint; completeTs: bigint; includeStorage: boolean; file: string };

export type ImportState =
  | { state: "waiting_for_confirmation"; message_to_confirm: string; require_manual_confirmation: boolean }
  | { state: "in_progress"; progress_message: string; checkpoint_messages: string[] }
  | { state: "completed"; num_rows_written: number }
  | { state: "failed"; error_message: string };

export type ImportJob = {
  id: string;
  creationTime: number;
  format: ImportFormat;
  mode: ImportMode;
  table: string | undefined;
  /** The uploaded file, until the import ends. */
  file: string;
  state: ImportState;
};

export class CliSnapshots {
  private dir: Promise<string> | null = null;
  latestExport: LatestExport | null = null;
  private readonly imports = new Map<string, ImportJob>();
  /** Upload token → the directory its parts are written to, until `finish_upload`. */
  readonly uploads = new Map<string, string>();

  /** A fresh path in this server's directory. */
  async path(prefix: string): Promise<string> {
    this.dir ??= mkdtemp(join(tmpdir(), "doctrina-cli-snapshots-"));
    return join(await this.dir, `${prefix}-${randomBytes(8).toString("hex")}`);
  }

  addImport(job: Omit<ImportJob, "id" | "creationTime">): ImportJob {
    const added: ImportJob = { ...job, id: randomBytes(16).toString("hex"), creationTime: Date.now() };
    this.imports.set(added.id, added);
    // Only the listed ones are kept (with the upload of one never performed).
    for (const old of [...this.imports.values()].slice(0, Math.max(0, this.imports.size - LISTED_IMPORTS))) {
      this.imports.delete(old.id);
      void rm(old.file, { force: true });
    }
    return added;
  }

  importJob(id: string): ImportJob | undefined {
    return this.imports.get(id);
  }

  /** `_system/cli/exports:getLatest`: null before the first export. */
  exportDocument(): JSONValue {
    const latest = this.latestExport;
    if (latest === null) return null;
    return {
      state: "completed",
      start_ts: int64ToJson(latest.ts),
      complete_ts: int64ToJson(latest.completeTs),
      zip_object_key: latest.file,
      format: { format: "zip", include_storage: latest.includeStorage },
      requestor: "snapshotExport",
    };
  }

  /** `_system/cli/queryImport`: the import's document, null for an unknown ID. */
  importDocument(id: string): JSONValue {
    const job = this.imports.get(id);
    return job === undefined ? null : document(job);
  }

  /** `_system/cli/queryImport:list`: the latest imports, newest first. */
  importList(): JSONValue {
    return [...this.imports.values()].reverse().map(document);
  }

  async close(): Promise<void> {
    if (this.dir !== null) await rm(await this.dir, { recursive: true, force: true });
  }
}

function document(job: ImportJob): JSONValue {
  const state: JSONValue = job.state.state === "completed" ? { state: "completed", num_rows_written: int64ToJson(BigInt(job.state.num_rows_written)) } : { ...job.state };
  const format: JSONValue = job.table === undefined ? { format: FORMAT_TAG[job.format] } : { format: FORMAT_TAG[job.format], table: job.table };
  return { _id: job.id, _creationTime: job.creationTime, state, format, mode: job.mode };
}
