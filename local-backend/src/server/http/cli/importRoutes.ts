/**
 * `npx convex import`: `POST /api/import/start_upload` → `{uploadToken}`;
 * `/api/import/upload_part?uploadToken&partNumber` (a chunk of the file) → a part token;
 * `/api/import/finish_upload` `{import: {tableName?, mode, format}, uploadToken, partTokens}` →
 * `{importId}`, the file parsed and summarised (`waiting_for_confirmation`, or `failed` with
 * Convex's message, e.g. a non-empty table in `requireEmpty` mode); `/api/perform_import`
 * `{importId}` runs it (`completed` with the documents written, or `failed`).
 */
import { appendFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Engine, ImportFormat, ImportMode, ImportTableChange } from "../../../engine/api.js";
import { badRequest, HttpError } from "../../errors.js";
import { readBody } from "../body.js";
import { json, type HttpContext, type Reply } from "../context.js";
import { readCliJson } from "./body.js";
import { requireCli } from "./context.js";
import type { CliSnapshots, ImportJob } from "./snapshots.js";
import { renderTableChanges } from "./tableChanges.js";

/** Convex refuses uploads of 10,000 parts or more. */
const MAX_PARTS = 9_999;
const MAX_PART_BYTES = 64 * 1024 * 1024;
const FORMATS: readonly ImportFormat[] = ["zip", "jsonLines", "jsonArray", "csv"];
const MODES: readonly ImportMode[] = ["requireEmpty", "append", "replace"];

function snapshotsOf(engine: Engine): Required<Pick<Engine, "importSnapshot" | "previewImport">> {
  if (engine.importSnapshot === undefined || engine.previewImport === undefined) throw new HttpError(501, "NotImplemented", "This engine has no snapshots");
  return { importSnapshot: engine.importSnapshot.bind(engine), previewImport: engine.previewImport.bind(engine) };
}

export async function startUpload(ctx: HttpContext): Promise<Reply> {
  const cli = await requireCli(ctx);
  const dir = await cli.snapshots.path("upload");
  await mkdir(dir);
  const uploadToken = dir.slice(dir.lastIndexOf("-") + 1);
  cli.snapshots.uploads.set(uploadToken, dir);
  return json({ uploadToken });
}

function uploadDir(snapshots: CliSnapshots, token: unknown): string {
  const dir = typeof token === "string" ? snapshots.uploads.get(token) : undefined;
  if (dir === undefined) throw badRequest("InvalidUploadToken", "Unknown upload token: start the upload with /api/import/start_upload.");
  return dir;
}

export async function uploadPart(ctx: HttpContext): Promise<Reply> {
  const cli = await requireCli(ctx);
  const dir = uploadDir(cli.snapshots, ctx.url.searchParams.get("uploadToken"));
  const part = Number(ctx.url.searchParams.get("partNumber"));
  if (!Number.isInteger(part) || part < 1 || part > MAX_PARTS) throw badRequest("InvalidPartNumber", `partNumber must be an integer from 1 to ${MAX_PARTS}`);
  await writeFile(join(dir, String(part)), await readBody(ctx.req, MAX_PART_BYTES));
  return json(String(part));
}

type ImportArgs = { format: ImportFormat; mode: ImportMode; table: string | undefined };

function importArgs(raw: unknown): ImportArgs {
  const { format, mode = "requireEmpty", tableName, componentPath } = (raw ?? {}) as Record<string, unknown>;
  if (!FORMATS.includes(format as ImportFormat)) throw badRequest("BadJsonBody", `\`import.format\` must be one of ${FORMATS.join(", ")}`);
  if (!MODES.includes(mode as ImportMode)) throw badRequest("BadJsonBody", `This backend supports the import modes ${MODES.join(", ")}, not ${JSON.stringify(mode)}`);
  if (componentPath !== undefined && componentPath !== null && componentPath !== "") throw badRequest("ComponentsNotSupported", "This backend runs the root component only");
  if (tableName !== undefined && typeof tableName !== "string") throw badRequest("BadJsonBody", "`import.tableName` must be a string");
  if (format === "zip" && tableName !== undefined) throw badRequest("InvalidName", "ZIP import cannot have table name");
  if (format !== "zip" && tableName === undefined) throw badRequest("InvalidName", `${format === "csv" ? "CSV" : format === "jsonArray" ? "JSON" : "JSONL"} import requires table name`);
  return { format: format as ImportFormat, mode: mode as ImportMode, table: tableName };
}

export async function finishUpload(ctx: HttpContext): Promise<Reply> {
  const cli = await requireCli(ctx);
  const body = await readCliJson(ctx);
  const args = importArgs(body.import);
  const dir = uploadDir(cli.snapshots, body.uploadToken);
  if (!Array.isArray(body.partTokens) || body.partTokens.some((token) => typeof token !== "string")) throw badRequest("BadJsonBody", "`partTokens` must be a list of strings");
  const file = await assemble(cli.snapshots, dir, body.partTokens as string[]);
  cli.snapshots.uploads.delete(body.uploadToken as string);
  await rm(dir, { recursive: true, force: true });
  const job = cli.snapshots.addImport({ ...args, file, state: { state: "in_progress", progress_message: "Parsing uploaded data", checkpoint_messages: [] } });
  await summarise(snapshotsOf(ctx.deps.engine), job);
  return json({ importId: job.id });
}

async function assemble(snapshots: CliSnapshots, dir: string, parts: string[]): Promise<string> {
  const file = await snapshots.path("import");
  await writeFile(file, "");
  for (const part of parts) {
    if (!/^\d+$/.test(part)) throw badRequest("InvalidPartToken", `Unknown part token ${JSON.stringify(part)}`);
    const chunk = await readFile(join(dir, part)).catch(() => {
      throw badRequest("InvalidPartToken", `Part ${part} was not uploaded`);
    });
    await appendFile(file, chunk);
  }
  return file;
}

async function summarise(engine: Required<Pick<Engine, "previewImport">>, job: ImportJob): Promise<void> {
  try {
    const changes = await engine.previewImport(job.file, { mode: job.mode, format: job.format, table: job.table });
    job.state = { state: "waiting_for_confirmation", message_to_confirm: confirmation(changes), require_manual_confirmation: changes.some((c) => c.deleted > 0) };
  } catch (error) {
    await fail(job, error);
  }
}

/** Convex's text: the change summary, then the note that the import runs in the background. */
function confirmation(changes: ImportTableChange[]): string {
  const lines = changes.length === 0 ? [] : ["Import change summary:", ...renderTableChanges(changes)];
  lines.push("Once the import has started, it will run in the background.\nInterrupting `npx convex import` will not cancel it.");
  return lines.join("\n");
}

async function fail(job: ImportJob, error: unknown): Promise<void> {
  job.state = { state: "failed", error_message: (error as Error).message };
  await rm(job.file, { force: true });
}

export async function performImport(ctx: HttpContext): Promise<Reply> {
  const cli = await requireCli(ctx);
  const { importId } = await readCliJson(ctx);
  const job = typeof importId === "string" ? cli.snapshots.importJob(importId) : undefined;
  if (job === undefined) throw badRequest("InvalidImport", `invalid import id ${String(importId)}`);
  if (job.state.state !== "waiting_for_confirmation") throw badRequest("ImportNotWaitingForConfirmation", `Import ${job.id} is ${job.state.state}, not waiting for confirmation`);
  job.state = { state: "in_progress", progress_message: "Importing", checkpoint_messages: [] };
  try {
    const counts = await snapshotsOf(ctx.deps.engine).importSnapshot(job.file, { mode: job.mode, format: job.format, table: job.table });
    job.state = { state: "completed", num_rows_written: counts.documents };
    await rm(job.file, { force: true });
  } catch (error) {
    await fail(job, error);
  }
  return json({});
}
