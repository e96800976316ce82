/**
 * The worker thread that parses large function-call bodies: one per process, started on the
 * first large body, not keeping the process alive. Its entry is built next to `main.js`
 * (`call-body-worker.js`); run from TypeScript sources (tests), it is bundled on first use.
 */
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { IncomingMessage } from "node:http";
import { parseJsonObject, readBody } from "./body.js";
import { fromWire, LARGE_CALL_BODY_BYTES, type CallBody, type WireError } from "./callBodies.js";

const BUILT = "call-body-worker.js";

type Reply = { id: number; ok: true; parsed: CallBody } | { id: number; ok: false; error: WireError };
type Pending = { resolve: (body: CallBody) => void; reject: (error: Error) => void };

let worker: Promise<Worker> | null = null;
const pending = new Map<number, Pending>();
let nextId = 0;

async function entry(): Promise<string> {
  const built = fileURLToPath(new URL(`./${BUILT}`, import.meta.url));
  if (existsSync(built)) return built;
  const outfile = join(await mkdtemp(join(tmpdir(), "doctrina-call-body-")), "worker.mjs");
  const source = fileURLToPath(new URL("./callBodyWorker.ts", import.meta.url));
  const esbuild = await import("esbuild");
  await esbuild.build({ entryPoints: [source], bundle: true, format: "esm", platform: "node", target: "node20", outfile, logLevel: "silent" });
  return outfile;
}

async function start(): Promise<Worker> {
  const started = new Worker(await entry());
  started.unref();
  started.on("message", (reply: Reply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.ok) waiting?.resolve(reply.parsed);
    else waiting?.reject(fromWire(reply.error));
  });
  // A worker that dies fails what it held; the next large body starts another.
  started.on("error", (error) => stop(error));
  started.on("exit", () => stop(new Error("The call-body worker exited")));
  return started;
}

function stop(error: Error): void {
  worker = null;
  for (const waiting of pending.values()) waiting.reject(error);
  pending.clear();
}

/** A function call's body: parsed here when small, on the worker when large. */
export async function readCallBody(req: IncomingMessage): Promise<CallBody> {
  const body = await readBody(req);
  return body.length <= LARGE_CALL_BODY_BYTES ? { fields: parseJsonObject(body) } : await onWorker(body);
}

/** Parses `body` on the worker: copied once into a buffer that is moved there. */
async function onWorker(body: Buffer): Promise<CallBody> {
  worker ??= start();
  const running = await worker;
  const id = nextId++;
  const copy = new Uint8Array(body);
  return await new Promise<CallBody>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    running.postMessage({ id, body: copy }, [copy.buffer]);
  });
}
