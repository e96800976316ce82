/**
 * Serves the database syscalls of a query or mutation (convex/server's `1.0/*` JSON
 * shapes) against its transaction. Everything here is synchronous: a syscall is atomic
 * with respect to every other transaction and to commits.
 */
import type { JSONValue } from "./api.js";
import { approachingLimitWarning, scheduledArgsWarning } from "./callLimits.js";
import type { FunctionRegistry } from "./functions.js";
import { canonicalPath, parseUdfPath, displayPath } from "./paths.js";
import { openStream, paginate } from "./query/executor.js";
import { compile, type QueryJson } from "./query/plan.js";
import { SCHEDULED_FUNCTIONS_TABLE } from "./schema.js";
import { MAX_DOCUMENTS_READ, type Transaction } from "./transaction.js";
import { isUndefinedMarker, valueSize, type JSONObject } from "./values.js";
import type { CallHandler, SyscallReply } from "./worker/pool.js";

const MAX_SCHEDULED_PER_MUTATION = 1000;
const MAX_SCHEDULED_ARGS_BYTES = 1 << 24;

type Args = Record<string, JSONValue>;

const ok = (value: JSONValue): SyscallReply => ({ result: JSON.stringify(value) });

/** Target of `ctx.scheduler.runAfter/runAt` (and actions' scheduler), validated against the registry. */
export function scheduledJob(functions: FunctionRegistry, args: Args): JSONObject {
  if (typeof args.name !== "string") {
    throw new Error("Only function references by name can be scheduled (components and function handles are not supported).");
  }
  const address = parseUdfPath(args.name);
  const fn = functions.find(address);
  if (!fn) throw new Error(`Attempted to schedule function at nonexistent path: ${displayPath(address)}`);
  if (fn.kind === "query") throw new Error(`Attempted to schedule a query (${displayPath(address)}); only mutations and actions can be scheduled.`);
  const seconds = Number(args.ts);
  return {
    name: canonicalPath(address),
    args: [args.args ?? {}],
    scheduledTime: seconds * 1000,
    state: { kind: "pending" },
  };
}

export class TransactionHandler implements CallHandler {
  private scheduled = 0;
  private scheduledArgsBytes = 0;
  private largestScheduledArgsBytes = 0;

  constructor(
    readonly tx: Transaction,
    private readonly functions: FunctionRegistry,
  ) {}

  syscall(op: string, argsJson: string): SyscallReply {
    const args = JSON.parse(argsJson) as Args;
    switch (op) {
      case "1.0/get":
        return this.get(args);
      case "1.0/insert":
        return ok({ _id: this.tx.insert(String(args.table), this.fields(args.value, "insert")).id });
      case "1.0/shallowMerge":
        return this.patch(args);
      case "1.0/replace":
        return this.replace(args);
      case "1.0/remove":
        return this.remove(args);
      case "stream/next":
        return this.streamNext(args);
      case "1.0/queryPage":
        return this.queryPage(args);
      case "1.0/count":
        return this.count(args);
      case "1.0/schedule":
        return this.schedule(args);
      case "1.0/cancel_job":
        return this.cancel(args);
      case "tx/savepoint":
        return ok(this.tx.savepoint());
      case "tx/release":
        this.tx.releaseSavepoint(Number(argsJson));
        return ok(null);
      case "tx/rollback":
        this.tx.rollback(Number(argsJson));
        return ok(null);
      case "1.0/getTransactionMetrics":
        return ok(this.tx.metrics());
      default:
        throw unknownOperation(op);
    }
  }

  notice(op: string, argsJson: string): void {
    if (op !== "stream/close") return;
    const { queryId, consumed } = JSON.parse(argsJson) as { queryId: number; consumed: number };
    this.tx.streams.get(queryId)?.close(consumed);
    this.tx.streams.delete(queryId);
  }

  /** Closes streams the worker never reported (the function returned or threw mid-iteration). */
  closeStreams(): void {
    for (const stream of this.tx.streams.values()) stream.close(Number.MAX_SAFE_INTEGER);
    this.tx.streams.clear();
  }

  private fields(value: JSONValue | undefined, method: string): JSONObject {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new Error(`Invalid argument \`value\` for \`db.${method}\`: expected an object`);
    }
    return value as JSONObject;
  }

  private userTable(args: Args, method: string): { table: string; id: string } | null {
    const table = this.tx.tableOfId(args.id ?? null, args.table === undefined ? undefined : String(args.table), method);
    if (table?.startsWith("_") && method !== "get") throw new Error("System tables (prefixed with `_`) are read-only.");
    return table === null ? null : { table, id: args.id as string };
  }

  private get(args: Args): SyscallReply {
    const target = this.userTable(args, "get");
    if (target === null) return ok(null);
    if (target.table.startsWith("_") !== (args.isSystem === true)) {
      return ok(null);
    }
    const record = this.tx.get(target.table, target.id);
    return { result: record ? record.json : "null" };
  }

  private patch(args: Args): SyscallReply {
    const target = this.userTable(args, "patch");
    if (target === null) throw new Error(`Update on nonexistent document ID ${String(args.id)}`);
    const current = this.tx.get(target.table, target.id);
    if (!current) throw new Error(`Update on nonexistent document ID ${target.id}`);
    const merged: JSONObject = { ...current.value };
    for (const [key, value] of Object.entries(this.fields(args.value, "patch"))) {
      if (key === "_id" || key === "_creationTime") {
        if (JSON.stringify(value) !== JSON.stringify(current.value[key])) throw new Error(`Provided \`${key}\` field does not match the document's`);
        continue;
      }
      if (isUndefinedMarker(value)) delete merged[key];
      else merged[key] = value;
    }
    const { _id, _creationTime, ...fields } = merged;
    this.tx.replaceFields(target.table, target.id, fields, "Update");
    return ok({});
  }

  private replace(args: Args): SyscallReply {
    const target = this.userTable(args, "replace");
    if (target === null) throw new Error(`Replace on nonexistent document ID ${String(args.id)}`);
    const { _id, _creationTime, ...fields } = this.fields(args.value, "replace");
    if (_id !== undefined && _id !== target.id) throw new Error("Provided `_id` field does not match the document's");
    this.tx.replaceFields(target.table, target.id, fields, "Replace");
    return ok({});
  }

  private remove(args: Args): SyscallReply {
    const target = this.userTable(args, "delete");
    if (target === null) throw new Error(`Delete on nonexistent document ID ${String(args.id)}`);
    this.tx.delete(target.table, target.id);
    return ok({});
  }

  private plan(query: JSONValue) {
    return compile(query as unknown as QueryJson, (name) => this.tx.db.tableSchema(name));
  }

  private streamNext(args: Args): SyscallReply {
    const queryId = Number(args.queryId);
    let stream = this.tx.streams.get(queryId);
    if (!stream) {
      if (args.query === undefined) throw new Error("This query is closed and can't emit any more values.");
      stream = openStream(this.plan(args.query), this.tx);
      this.tx.streams.set(queryId, stream);
    }
    const { docs, done } = stream.next(Math.max(1, Number(args.batch) || 1));
    return { result: String(done), docs: docs.map((d) => d.json) };
  }

  private queryPage(args: Args): SyscallReply {
    if (this.tx.paginated) {
      throw new Error("This query or mutation function ran multiple paginated queries. Convex only supports a single paginated query in each function.");
    }
    this.tx.paginated = true;
    const pageSize = Number(args.pageSize);
    if (pageSize <= 0) throw new Error("Must request at least 1 document while paginating");
    if (pageSize > MAX_DOCUMENTS_READ) throw new Error(`Requested too many items: ${pageSize}`);
    const page = paginate(this.plan(args.query ?? null), this.tx, {
      cursor: typeof args.cursor === "string" ? args.cursor : null,
      endCursor: typeof args.endCursor === "string" ? args.endCursor : this.tx.journalEndCursor,
      pageSize,
      maximumRowsRead: typeof args.maximumRowsRead === "number" ? args.maximumRowsRead : null,
      maximumBytesRead: typeof args.maximumBytesRead === "number" ? args.maximumBytesRead : null,
    });
    this.tx.journalOut = JSON.stringify({ endCursor: page.continueCursor });
    const docs = page.page.map((d) => d.json).join(",");
    const rest = JSON.stringify({
      isDone: page.isDone,
      continueCursor: page.continueCursor,
      splitCursor: page.splitCursor,
      pageStatus: page.pageStatus,
    });
    return { result: `{"page":[${docs}],${rest.slice(1)}` };
  }

  private count(args: Args): SyscallReply {
    const table = String(args.table);
    this.tx.recordRange(table, "by_id", { lo: "", hi: "\u0100" });
    return ok(this.tx.table(table)?.count ?? 0);
  }

  /** Convex's `check_scheduling_limits`: both counted before the job is added. */
  private schedule(args: Args): SyscallReply {
    const job = scheduledJob(this.functions, args);
    if (this.scheduled >= MAX_SCHEDULED_PER_MUTATION) {
      throw new Error(`Too many functions scheduled by this mutation (limit: ${MAX_SCHEDULED_PER_MUTATION})`);
    }
    const size = valueSize(job.args);
    if (this.scheduledArgsBytes + size > MAX_SCHEDULED_ARGS_BYTES) {
      throw new Error(`Too large total size of the arguments of scheduled functions from this mutation (limit: ${MAX_SCHEDULED_ARGS_BYTES} bytes)`);
    }
    this.scheduled++;
    this.scheduledArgsBytes += size;
    this.largestScheduledArgsBytes = Math.max(this.largestScheduledArgsBytes, size);
    return ok(this.tx.insertSystem(SCHEDULED_FUNCTIONS_TABLE, job).id);
  }

  /** The run's limit warnings: reads and writes, scheduling, then documents written (Convex's order). */
  limitWarnings(): string[] {
    const scheduling = [
      approachingLimitWarning(this.scheduled, MAX_SCHEDULED_PER_MUTATION, "Many functions scheduled by this mutation"),
      approachingLimitWarning(
        this.scheduledArgsBytes,
        MAX_SCHEDULED_ARGS_BYTES,
        "Large total size of the arguments of scheduled functions from this mutation",
        " bytes",
      ),
      scheduledArgsWarning(this.largestScheduledArgsBytes),
    ];
    return [...this.tx.limitWarnings(), ...scheduling.filter((line) => line !== null), ...this.tx.documentWarnings()];
  }

  private cancel(args: Args): SyscallReply {
    cancelJob(this.tx, String(args.id));
    return ok(null);
  }
}

const UNSUPPORTED = /^1\.0\/(storage|actions\/vectorSearch|signJwt|createServiceToken|getServiceUrl)/;

/** Features this backend does not have say so; anything else is unknown, as in Convex. */
export function unknownOperation(op: string): Error {
  return new Error(UNSUPPORTED.test(op) ? `${op} is not supported by the Doctrina local backend.` : `Unknown async operation ${op}`);
}

/** Cancels a pending or running job; finished jobs are left as they are. */
export function cancelJob(tx: Transaction, id: string): void {
  const job = tx.get(SCHEDULED_FUNCTIONS_TABLE, id);
  if (!job) throw new Error(`Scheduled function ${id} not found`);
  const kind = (job.value.state as { kind: string }).kind;
  if (kind !== "pending" && kind !== "inProgress") return;
  const { _id, _creationTime, ...fields } = job.value;
  tx.replaceSystem(SCHEDULED_FUNCTIONS_TABLE, id, { ...fields, state: { kind: "canceled" } });
}
