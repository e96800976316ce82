/** Entry point of the engine for the protocol layer (src/server) and the CLI. */
import type { Deployment, Engine } from "./api.js";
import { LocalEngine, type EngineOptions } from "./engine.js";

export type { EngineOptions } from "./engine.js";
export { DataDirDamagedError, DataDirLockedError } from "./durability/persistence.js";
export { writeHolder } from "./durability/holder.js";
export { SnapshotImportError } from "./snapshot/import.js";
export * from "./api.js";
export { argsShapeError } from "./callLimits.js";

export async function createEngine(options: EngineOptions): Promise<Engine & Deployment> {
  return await LocalEngine.create(options);
}
