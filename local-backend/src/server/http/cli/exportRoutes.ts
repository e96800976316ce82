/**
 * `npx convex export`: `POST /api/export/request/zip?includeStorage=<bool>` writes a ZIP of the
 * published snapshot (engine/snapshot/export.ts) and makes it the latest export;
 * `GET /api/export/zip/<ts>` downloads it. This backend has no file storage, so
 * `--include-file-storage` exports the same tables.
 */
import { readFile, rm } from "node:fs/promises";
import { badRequest, HttpError } from "../../errors.js";
import { json, type HttpContext, type Reply } from "../context.js";
import { requireCli } from "./context.js";

export async function requestZipExport(ctx: HttpContext): Promise<Reply> {
  const cli = await requireCli(ctx);
  const { engine } = ctx.deps;
  if (engine.exportSnapshot === undefined) throw new HttpError(501, "NotImplemented", "This engine has no snapshots");
  const file = await cli.snapshots.path("export");
  const counts = await engine.exportSnapshot(file);
  const previous = cli.snapshots.latestExport;
  cli.snapshots.latestExport = { ts: counts.ts, completeTs: engine.latestTs(), includeStorage: ctx.url.searchParams.get("includeStorage") === "true", file };
  // Only the latest export is downloadable (getLatest names it); its predecessor's ZIP goes.
  if (previous !== null) await rm(previous.file, { force: true });
  return json({});
}

export async function getZipExport(ctx: HttpContext, id: string): Promise<Reply> {
  const cli = await requireCli(ctx);
  if (!/^\d+$/.test(id)) throw badRequest("BadSnapshotId", "Snapshot Id did not parse to an ID.");
  const latest = cli.snapshots.latestExport;
  if (latest === null || latest.ts !== BigInt(id)) throw new HttpError(404, "ExportNotFound", `The requested export ${id} was not found`);
  return {
    status: 200,
    body: await readFile(latest.file),
    headers: { "content-type": "application/zip", "content-disposition": `attachment; filename=snapshot_${id}.zip`, "cache-control": "private, max-age=2592000" },
  };
}
