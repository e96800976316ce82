/**
 * Function paths: `module:function`, `module.js:function`, `dir/module:function`, or
 * `module` (its default export). Canonical form here is the module without extension.
 */
import type { FunctionAddress } from "./worker/protocol.js";

const EXTENSION = /\.(js|ts|jsx|tsx|mjs|cjs)$/;

export function parseUdfPath(path: string): FunctionAddress {
  const colon = path.lastIndexOf(":");
  const modulePart = colon < 0 ? path : path.slice(0, colon);
  const name = colon < 0 ? "default" : path.slice(colon + 1);
  return { module: modulePart.replace(EXTENSION, ""), name };
}

/** `users:create` (how errors name a function for the caller). */
export function displayPath(address: FunctionAddress): string {
  return address.name === "default" ? address.module : `${address.module}:${address.name}`;
}

/** `users.js:create` (the backend's canonical form, used in type-mismatch errors). */
export function canonicalPath(address: FunctionAddress): string {
  return `${address.module}.js:${address.name}`;
}

export function addressKey(address: FunctionAddress): string {
  return `${address.module}:${address.name}`;
}
