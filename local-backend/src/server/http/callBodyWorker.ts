/** Worker-thread entry: parses one large function-call body per message (callBodies.ts). */
import { parentPort } from "node:worker_threads";
import { parseLargeCallBody, toWire } from "./callBodies.js";

type Request = { id: number; body: Uint8Array };

parentPort!.on("message", ({ id, body }: Request) => {
  try {
    const parsed = parseLargeCallBody(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    parentPort!.postMessage({ id, ok: true, parsed });
  } catch (error) {
    parentPort!.postMessage({ id, ok: false, error: toWire(error) });
  }
});
