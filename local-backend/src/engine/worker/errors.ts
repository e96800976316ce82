/**
 * Turns what a function threw into the backend's error shape: `Uncaught <Name>: <message>`
 * plus the stack frames that lie in the functions directory, shown as `../convex/...`.
 */
import { basename } from "node:path";
import type { CallError } from "./protocol.js";

function frames(stack: string | undefined, functionsDir: string): string | undefined {
  if (!stack) return undefined;
  const shown = `../${basename(functionsDir)}`;
  const lines = stack
    .split("\n")
    .filter((line) => line.startsWith("    at ") && line.includes(functionsDir))
    .map((line) => line.split(`file://${functionsDir}`).join(shown).split(functionsDir).join(shown));
  return lines.length === 0 ? undefined : lines.map((line) => `${line}\n`).join("");
}

function uncaught(name: string, message: string): string {
  if (name && message) return `Uncaught ${name}: ${message}`;
  if (name) return `Uncaught ${name}`;
  if (message) return `Uncaught ${message}`;
  return "Uncaught";
}

export function toCallError(error: unknown, functionsDir: string, system: boolean): CallError {
  if (error instanceof Error && system) return { message: error.message, system: true };
  if (error !== null && typeof error === "object" && Symbol.for("ConvexError") in error) {
    const e = error as Error & { data?: unknown };
    const data = typeof e.data === "string" ? e.data : JSON.stringify(e.data ?? null);
    return { message: uncaught("ConvexError", e.message), data, frames: frames(e.stack, functionsDir) };
  }
  if (error instanceof Error) {
    return { message: uncaught(error.name, error.message), frames: frames(error.stack, functionsDir) };
  }
  return { message: uncaught("", String(error)) };
}
