/**
 * Messages between the main thread (which owns the store) and function workers (which run
 * the bundled `convex/` code). JSON payloads travel as strings so neither side re-encodes.
 */
import type { JSONValue, UdfKind, UserIdentity } from "../api.js";
import type { RunUsage } from "../callLimits.js";

export type WorkerData = {
  bundlePath: string;
  /** `auth.config` bundled alone (the analyze step evaluates it); null without one. */
  authConfigPath: string | null;
  /** Absolute functions directory, to shorten stack frames to `../convex/...`. */
  functionsDir: string;
  env: Record<string, string>;
};

export type FunctionAddress = { module: string; name: string };

export type RunMessage = {
  type: "run";
  callId: number;
  /** Main-side transaction id for queries and mutations; 0 for actions. */
  txId: number;
  kind: UdfKind;
  address: FunctionAddress;
  args: string;
  identity: UserIdentity | null;
  requestId: string;
  snapshotTs: string;
  /** Table name by number, for `v.id()` validation and `normalizeId`. */
  tables: [number, string][];
  /** The `_scheduled_functions` id when a scheduled job runs this call. */
  scheduledJobId: string | null;
  /** Set for an HTTP action: the request `http.ts`'s router answers (`address` is then `http:default`). */
  http?: HttpActionRequest;
  /** An HTTP action whose `Authorization` header did not verify: `getUserIdentity` throws this, as Convex's does. */
  identityError?: string;
};

/** An HTTP request as the worker builds its `Request` from it; bodies travel base64-encoded. */
export type HttpActionRequest = {
  method: string;
  /** Absolute, as the action sees it (`http://127.0.0.1:PORT/stripe/webhook?x=1`). */
  url: string;
  headers: [string, string][];
  body: string | null;
};

/** What an HTTP action answered (the worker's serialization of its `Response`). */
export type HttpActionResponse = {
  status: number;
  headers: [string, string][];
  body: string;
};

/** One route of `http.ts` as `HttpRouter.getRoutes()` lists it (`/stripe/webhook`, `/files/*`). */
export type HttpRoute = { path: string; method: string };

export type ReplyMessage =
  | { type: "reply"; reqId: number; ok: true; result: string; docs?: string[]; logLines?: string[] }
  | { type: "reply"; reqId: number; ok: false; message: string; data?: string; logLines?: string[] };

export type AnalyzeMessage = { type: "analyze" };

export type MainToWorker = RunMessage | ReplyMessage | AnalyzeMessage;

export type SyscallMessage = {
  type: "syscall";
  callId: number;
  txId: number;
  reqId: number;
  op: string;
  args: string;
  /** The call's user-code time so far, measured in the worker (message latency excluded). */
  userMs: number;
};

/** Fire-and-forget notifications (no reply expected). */
export type NoticeMessage = { type: "notice"; callId: number; txId: number; op: string; args: string };

export type CallError = {
  message: string;
  /** ConvexError data, convex-encoded JSON text. */
  data?: string;
  /** Stack frames below the message (already formatted). */
  frames?: string;
  /** An error raised by the system (validation, limits): no `Uncaught` prefix. */
  system?: boolean;
  /** The backend's error code when it is not a function error (`OptimisticConcurrencyControlFailure`). */
  code?: string;
};

export type DoneMessage =
  | { type: "done"; callId: number; ok: true; result: string; logLines: string[]; usage: RunUsage }
  | { type: "done"; callId: number; ok: false; error: CallError; logLines: string[] };

export type AnalyzedFunction = {
  module: string;
  name: string;
  kind: UdfKind;
  visibility: "public" | "internal";
  args: string;
  returns: string;
};

export type Analysis = {
  functions: AnalyzedFunction[];
  schema: string | null;
  crons: string | null;
  authConfig: JSONValue | null;
  /** The routes of `http.ts`'s default export; null without an `http` module exporting a router. */
  httpRoutes: HttpRoute[] | null;
};

export type AnalysisMessage =
  | { type: "analysis"; ok: true; analysis: Analysis }
  | { type: "analysis"; ok: false; message: string };

export type ReadyMessage = { type: "ready" };

export type WorkerToMain = SyscallMessage | NoticeMessage | DoneMessage | AnalysisMessage | ReadyMessage;
