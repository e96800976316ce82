/**
 * The deployment's functions (from the analyze step) and path resolution with the
 * backend's error texts for unknown, internal and wrong-kind functions.
 */
import type { Caller, FunctionInfo, JSONValue, UdfKind } from "./api.js";
import { addressKey, canonicalPath, displayPath, parseUdfPath } from "./paths.js";
import type { AnalyzedFunction, FunctionAddress } from "./worker/protocol.js";

export type Resolved = { address: FunctionAddress; fn: AnalyzedFunction };

const title = (kind: UdfKind): string => kind[0]!.toUpperCase() + kind.slice(1);

export function functionInfos(functions: AnalyzedFunction[]): FunctionInfo[] {
  return functions.map((fn) => ({
    path: displayPath({ module: fn.module, name: fn.name }),
    kind: fn.kind,
    visibility: fn.visibility,
    args: JSON.parse(fn.args) as JSONValue,
    returns: JSON.parse(fn.returns) as JSONValue,
  }));
}

export class FunctionRegistry {
  private byKey = new Map<string, AnalyzedFunction>();
  /** Built once per push: the server indexes it by identity, so a new array per call defeats its cache. */
  private listed: FunctionInfo[] = [];

  constructor(functions: AnalyzedFunction[]) {
    this.replace(functions);
  }

  /** Swaps in the functions of a new push; calls already resolved keep their function. */
  replace(functions: AnalyzedFunction[]): void {
    this.byKey = new Map(functions.map((fn) => [addressKey({ module: fn.module, name: fn.name }), fn]));
    this.listed = functionInfos(functions);
  }

  find(address: FunctionAddress): AnalyzedFunction | undefined {
    return this.byKey.get(addressKey(address));
  }

  /** Resolves a client call, or returns the error message the client gets. */
  resolve(path: string, kind: UdfKind | undefined, caller: Caller): Resolved | string {
    const address = parseUdfPath(path);
    const fn = this.find(address);
    if (!fn || (fn.visibility === "internal" && !caller.admin)) {
      return kind === undefined
        ? `Could not find function for '${displayPath(address)}'. Did you forget to run \`npx convex dev\`?`
        : `Could not find public function for '${displayPath(address)}'. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?`;
    }
    if (kind !== undefined && fn.kind !== kind) {
      return `Trying to execute ${canonicalPath(address)} as ${title(kind)}, but it is defined as ${title(fn.kind)}.`;
    }
    return { address, fn };
  }

  list(): FunctionInfo[] {
    return this.listed;
  }
}
