/** What snapshot export and import share. */
import type { SnapshotProgress } from "../api.js";

export type OnProgress = (progress: SnapshotProgress) => void;

/** Tables a snapshot carries: user tables only (system tables, `_`-prefixed, are not exported). */
export const isUserTable = (name: string): boolean => !name.startsWith("_");
