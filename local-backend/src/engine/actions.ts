/**
 * Syscalls of an action: `ctx.runQuery/runMutation` run as separate transactions (like
 * Convex, each is its own top-level call with the action's identity, internal functions
 * allowed), and the scheduler writes `_scheduled_functions` in a transaction of its own.
 */
import { parseUdfPath } from "./paths.js";
import type { CallContext, Runner } from "./runner.js";
import { SCHEDULED_FUNCTIONS_TABLE } from "./schema.js";
import { cancelJob, scheduledJob, unknownOperation } from "./syscalls.js";
import type { JSONValue } from "./api.js";
import { SyscallError, type CallHandler, type SyscallReply } from "./worker/pool.js";

type Args = Record<string, JSONValue>;

const UNCAUGHT_CONVEX_ERROR = "Uncaught ConvexError: ";

export class ActionHandler implements CallHandler {
  constructor(
    private readonly runner: Runner,
    private readonly ctx: CallContext,
  ) {}

  async syscall(op: string, argsJson: string): Promise<SyscallReply> {
    const args = JSON.parse(argsJson) as Args;
    switch (op) {
      case "1.0/actions/query":
        return await this.call(args, "query");
      case "1.0/actions/mutation":
        return await this.call(args, "mutation");
      case "1.0/actions/schedule": {
        const { value, durable } = this.runner.committer.system((tx) =>
          tx.insertSystem(SCHEDULED_FUNCTIONS_TABLE, scheduledJob(this.runner.functions, args)),
        );
        await durable;
        return { result: JSON.stringify(value.id) };
      }
      case "1.0/actions/cancel_job": {
        await this.runner.committer.system((tx) => cancelJob(tx, String(args.id))).durable;
        return { result: "null" };
      }
      default:
        throw unknownOperation(op);
    }
  }

  notice(): void {}

  private async call(args: Args, kind: "query" | "mutation"): Promise<SyscallReply> {
    if (typeof args.name !== "string") {
      throw new Error("Only function references by name are supported (components and function handles are not).");
    }
    const address = parseUdfPath(args.name);
    const fn = this.runner.functions.find(address);
    if (!fn) throw new Error(`Could not find function for '${args.name}'.`);
    if (fn.kind !== kind) {
      const title = (k: string) => k[0]!.toUpperCase() + k.slice(1);
      throw new Error(`Trying to execute ${address.module}.js:${address.name} as ${title(kind)}, but it is defined as ${title(fn.kind)}.`);
    }
    const argsJson = JSON.stringify(args.args ?? {});
    const outcome = await this.runner.logs.timed({ kind, address, requestId: this.ctx.requestId, caller: "action" }, async () =>
      kind === "query"
        ? (await this.runner.runQuery(address, argsJson, this.ctx, this.runner.db.published)).outcome
        : await this.runner.runMutation(address, argsJson, this.ctx),
    );
    if (outcome.ok) return { result: outcome.value, logLines: outcome.logLines };
    const { message, data } = outcome.error;
    if (data === undefined) throw new SyscallError(message, undefined, outcome.logLines);
    const text = message.startsWith(UNCAUGHT_CONVEX_ERROR) ? message.slice(UNCAUGHT_CONVEX_ERROR.length) : message;
    throw new SyscallError(text, data, outcome.logLines);
  }
}
