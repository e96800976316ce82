/** Entry point of the engine for the protocol layer (src/server) and the CLI. */
import type { Deployment, Engine } from "./api.js";
import { LocalEngine, type EngineOptions } from "./engine.js";

export type { EngineOptions } from "./engine.js";
export * from "./api.js";

export async function createEngine(options: EngineOptions): Promise<Engine & Deployment> {
  return await LocalEngine.create(options);
}
