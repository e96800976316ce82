/** The analyze step: loads the bundle in a one-off worker and reads what the engine needs. */
import { Worker } from "node:worker_threads";
import type { Analysis, WorkerData, WorkerToMain } from "./protocol.js";

export async function analyzeBundle(script: string, data: WorkerData): Promise<Analysis> {
  const worker = new Worker(script, { workerData: data, env: data.env });
  try {
    return await new Promise<Analysis>((resolve, reject) => {
      worker.on("message", (message: WorkerToMain) => {
        if (message.type === "ready") worker.postMessage({ type: "analyze" });
        else if (message.type === "analysis") {
          if (message.ok) resolve(message.analysis);
          else reject(new Error(`Loading the functions failed:\n${message.message}`));
        }
      });
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`The analyze worker exited with code ${code}`)));
    });
  } finally {
    await worker.terminate();
  }
}
