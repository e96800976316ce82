/**
 * One connection's subscriptions and the Transitions that report them
 * (convex-protocol.md §2.3-2.5). A single loop computes Transitions one after
 * another: each takes one snapshot ts, re-runs only the queries a commit
 * invalidated (or that are new), sends only results that changed, and chains
 * `startVersion` to the previous `endVersion`.
 */
import type { Caller, Commit, JSONValue, ReadSet, UdfResult } from "../../engine/api.js";
import { newRequestId, type FunctionRunner } from "../runner.js";
import { encodeTs } from "../timestamp.js";
import { encodeValue, RawJson, stringify } from "../values.js";
import type { CommitLog } from "./commitLog.js";
import { ProtocolError, type QuerySetChange } from "./messages.js";

export type IdentityState = { version: number; caller: Caller };

export type QuerySetDeps = {
  runner: FunctionRunner;
  commits: CommitLog;
  latestTs(): bigint;
  identity(): IdentityState;
  send(message: unknown): void;
  isOpen(): boolean;
  onFailure(error: unknown): void;
};

type Version = { querySet: number; identity: number; ts: bigint };

type Subscription = {
  queryId: number;
  path: string;
  args: JSONValue;
  /** Where a paginated query's page ended last time, so re-runs keep the page's bounds. */
  journal: string | null;
  /** Must be evaluated by the next Transition. */
  dirty: boolean;
  running: boolean;
  /** The client has been sent a result for it. */
  reported: boolean;
  /** Identifies the last result sent, ignoring log lines and request ids. */
  lastKey?: string;
  readSet?: ReadSet;
  readTs?: bigint;
};

export class QuerySet {
  private version = 0;
  private readonly subscriptions = new Map<number, Subscription>();
  private removed: number[] = [];
  /** Mutation responses, sent just before the Transition that must follow them. */
  private outbox: unknown[] = [];
  private sent: Version = { querySet: 0, identity: 0, ts: 0n };
  private wanted = false;
  private forced = false;
  private draining = false;

  constructor(private readonly deps: QuerySetDeps) {}

  modify(baseVersion: number, newVersion: number, changes: QuerySetChange[]): void {
    if (baseVersion !== this.version) {
      throw new ProtocolError(`BaseVersionMismatch: query set version is ${this.version}, not ${baseVersion}`);
    }
    if (newVersion <= baseVersion) throw new ProtocolError("newVersion must be greater than baseVersion");
    for (const change of changes) {
      if (change.type === "Add") this.add(change.queryId, change.udfPath, change.args, change.journal);
      else this.remove(change.queryId);
    }
    this.version = newVersion;
    this.request(false);
  }

  /** The identity changed: every result may differ. */
  invalidateAll(): void {
    for (const subscription of this.subscriptions.values()) subscription.dirty = true;
    this.request(false);
  }

  onCommit(commit: Commit): void {
    let invalidated = false;
    for (const sub of this.subscriptions.values()) {
      // Running queries are checked against the commit log when they finish.
      if (sub.dirty || sub.running || sub.readSet === undefined || sub.readTs === undefined) continue;
      if (commit.ts > sub.readTs && sub.readSet.isInvalidatedBy(commit)) {
        sub.dirty = true;
        invalidated = true;
      }
    }
    if (invalidated) this.request(false);
  }

  /** Sends `message`, then a Transition at a ts that includes every commit so far. */
  respondThenTransition(message: unknown): void {
    this.outbox.push(message);
    this.request(true);
  }

  private add(queryId: number, path: string, args: JSONValue, journal: string | null): void {
    if (this.subscriptions.has(queryId)) throw new ProtocolError(`Query ${queryId} is already subscribed`);
    this.subscriptions.set(queryId, { queryId, path, args, journal, dirty: true, running: false, reported: false });
  }

  private remove(queryId: number): void {
    const subscription = this.subscriptions.get(queryId);
    if (subscription === undefined) throw new ProtocolError(`Query ${queryId} is not subscribed`);
    this.subscriptions.delete(queryId);
    if (subscription.reported || subscription.running) this.removed.push(queryId);
  }

  private request(force: boolean): void {
    this.wanted = true;
    if (force) this.forced = true;
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.wanted && this.deps.isOpen()) {
        this.wanted = false;
        await this.step();
      }
    } catch (error) {
      this.deps.onFailure(error);
    } finally {
      this.draining = false;
    }
  }

  private async step(): Promise<void> {
    const identity = this.deps.identity();
    const querySet = this.version;
    const snapshotTs = maxTs(this.deps.latestTs(), this.sent.ts);
    for (const message of this.outbox.splice(0)) this.deps.send(message);
    const force = this.forced;
    this.forced = false;
    const modifications: unknown[] = this.removed.splice(0).map((queryId) => ({ type: "QueryRemoved", queryId }));
    const due = [...this.subscriptions.values()].filter((sub) => sub.dirty);
    for (const sub of due) {
      sub.dirty = false;
      sub.running = true;
    }
    const results = await Promise.all(due.map((sub) => this.evaluate(sub, snapshotTs, identity.caller)));
    let ts = snapshotTs;
    due.forEach((sub, i) => {
      const changed = this.record(sub, results[i]);
      if (changed !== undefined) modifications.push(changed);
      if (sub.readTs !== undefined) ts = maxTs(ts, sub.readTs);
    });
    const end: Version = { querySet, identity: identity.version, ts };
    const versionChanged = end.querySet !== this.sent.querySet || end.identity !== this.sent.identity;
    if (!this.deps.isOpen() || (!force && !versionChanged && modifications.length === 0)) return;
    this.deps.send({ type: "Transition", startVersion: wire(this.sent), endVersion: wire(end), modifications });
    this.sent = end;
  }

  private async evaluate(sub: Subscription, ts: bigint, caller: Caller): Promise<UdfResult> {
    const request = {
      path: sub.path,
      args: sub.args,
      kind: "query" as const,
      caller,
      requestId: newRequestId(),
      atTs: ts,
      journal: sub.journal,
    };
    const { result, readSet } = await this.deps.runner.runTracked(request);
    if (result.status === "success" && result.journal !== undefined) sub.journal = result.journal;
    sub.readSet = readSet;
    sub.readTs = result.status === "success" ? result.ts : ts;
    sub.running = false;
    // Commits after the snapshot landed while the query ran, before its read set was known.
    if (this.deps.commits.invalidatesSince(readSet, sub.readTs)) {
      sub.dirty = true;
      this.wanted = true;
    }
    return result;
  }

  /** The modification for a new result, or `undefined` when the client already has it. */
  private record(sub: Subscription, result: UdfResult): RawJson | undefined {
    const base = { queryId: sub.queryId, logLines: result.logLines, journal: sub.journal };
    let modification: Record<string, unknown>;
    let key: string;
    if (result.status === "success") {
      const value = encodeValue(result.value, "convex_encoded_json");
      modification = { type: "QueryUpdated", ...base, value };
      key = `ok:${sub.journal}:${value.text}`;
    } else {
      const errorData = result.errorData === undefined ? undefined : encodeValue(result.errorData, "convex_encoded_json");
      modification = { type: "QueryFailed", ...base, errorMessage: result.errorMessage, errorData };
      // Every run has a new request id; the same failure is not news.
      key = `error:${stringify([result.errorMessage.replace(/^\[Request ID: [^\]]*\] /, ""), errorData ?? null])}`;
    }
    if (key === sub.lastKey) return undefined;
    sub.lastKey = key;
    sub.reported = true;
    return new RawJson(stringify(modification));
  }
}

function wire(version: Version): { querySet: number; identity: number; ts: string } {
  return { querySet: version.querySet, identity: version.identity, ts: encodeTs(version.ts) };
}

function maxTs(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
