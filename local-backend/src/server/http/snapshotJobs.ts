/**
 * `POST /_doctrina/snapshot` (admin) starts a snapshot export or import of a ZIP at a path on
 * this machine (the local backend and its caller share the filesystem) and returns `{jobId}`;
 * `GET /_doctrina/snapshot?job=<id>` reports its progress and outcome, so `LocalBackend`
 * can draw a progress bar. The Convex CLI's own export/import routes are separate.
 */
import { randomUUID } from "node:crypto";
import type { ImportMode, SnapshotProgress } from "../../engine/api.js";
import { badRequest, HttpError } from "../errors.js";
import { readJsonObject } from "./body.js";
import { callerOf, json, type HttpContext, type Reply } from "./context.js";

type Job = SnapshotProgress & { state: "running" | "done" | "failed"; result?: unknown; error?: string };

const MODES: readonly ImportMode[] = ["requireEmpty", "append", "replace"];
const KEPT_JOBS = 32;
const jobs = new Map<string, Job>();

async function requireAdmin(ctx: HttpContext): Promise<void> {
  if (!(await callerOf(ctx)).admin) throw new HttpError(403, "BadDeployKey", "Snapshot export and import require the admin key");
}

export async function postSnapshotJob(ctx: HttpContext): Promise<Reply> {
  await requireAdmin(ctx);
  const { operation, path, mode = "requireEmpty" } = await readJsonObject(ctx.req);
  if (typeof path !== "string" || path.length === 0) throw badRequest("BadJsonBody", "`path` must be a non-empty string");
  if (operation !== "export" && operation !== "import") throw badRequest("BadJsonBody", '`operation` must be "export" or "import"');
  if (!MODES.includes(mode as ImportMode)) throw badRequest("BadJsonBody", `\`mode\` must be one of ${MODES.join(", ")}`);
  const { engine } = ctx.deps;
  if (engine.exportSnapshot === undefined || engine.importSnapshot === undefined) throw new HttpError(501, "NotImplemented", "This engine has no snapshots");
  const job: Job = { state: "running", table: "", documents: 0, totalDocuments: 0 };
  const onProgress = (progress: SnapshotProgress) => Object.assign(job, progress);
  const id = randomUUID();
  remember(id, job);
  const run = operation === "export" ? engine.exportSnapshot(path, { onProgress }) : engine.importSnapshot(path, { mode: mode as ImportMode, onProgress });
  run.then(
    (result) => Object.assign(job, { state: "done", result }),
    (error: unknown) => Object.assign(job, { state: "failed", error: (error as Error).message }),
  );
  return json({ jobId: id });
}

export async function getSnapshotJob(ctx: HttpContext): Promise<Reply> {
  await requireAdmin(ctx);
  const job = jobs.get(ctx.url.searchParams.get("job") ?? "");
  if (job === undefined) throw new HttpError(404, "NotFound", "No such snapshot job");
  return json(job);
}

function remember(id: string, job: Job): void {
  jobs.set(id, job);
  for (const old of jobs.keys()) {
    if (jobs.size <= KEPT_JOBS) break;
    if (jobs.get(old)!.state !== "running") jobs.delete(old);
  }
}
