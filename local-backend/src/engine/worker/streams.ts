/**
 * Worker side of `db.query` streams. `1.0/queryStream` is a synchronous syscall, so the
 * stream is only registered here; the main thread sees it on the first
 * `queryStreamNext`. Documents arrive in batches (sized by the query's `limit` when it has
 * one, else growing) and are handed to the function one by one; on close the main thread
 * learns how many were consumed, so the read set ends exactly at the last document used.
 */
export type StreamRequest = (args: string) => Promise<{ result: string; docs?: string[] }>;
export type ClosedStream = { queryId: number; consumed: number };

const FIRST_BATCH = 16;
const MAX_BATCH = 1024;

type Stream = {
  query: unknown;
  started: boolean;
  buffer: string[];
  done: boolean;
  consumed: number;
  batch: number;
};

const DONE = '{"value":null,"done":true}';

function trailingLimit(query: unknown): number | null {
  const operators = (query as { operators?: { limit?: number }[] }).operators ?? [];
  const last = operators[operators.length - 1];
  return last?.limit ?? null;
}

export class StreamTable {
  private nextId = 1;
  private readonly streams = new Map<number, Stream>();

  open(query: unknown): number {
    const id = this.nextId++;
    const limit = trailingLimit(query);
    const batch = limit === null ? FIRST_BATCH : Math.max(1, Math.min(limit, MAX_BATCH));
    this.streams.set(id, { query, started: false, buffer: [], done: false, consumed: 0, batch });
    return id;
  }

  async next(id: number, request: StreamRequest): Promise<string> {
    const stream = this.streams.get(id);
    if (!stream) throw new Error("This query is closed and can't emit any more values.");
    if (stream.buffer.length === 0 && !stream.done) await this.fill(id, stream, request);
    const doc = stream.buffer.shift();
    if (doc === undefined) return DONE;
    stream.consumed++;
    return `{"value":${doc},"done":false}`;
  }

  private async fill(id: number, stream: Stream, request: StreamRequest): Promise<void> {
    const args = { queryId: id, batch: stream.batch, query: stream.started ? undefined : stream.query };
    stream.started = true;
    const reply = await request(JSON.stringify(args));
    stream.buffer.push(...(reply.docs ?? []));
    stream.done = reply.result === "true";
    stream.batch = Math.min(stream.batch * 4, MAX_BATCH);
  }

  /** Forgets a stream; returns what the main thread must be told if it had started it. */
  close(id: number): ClosedStream | null {
    const stream = this.streams.get(id);
    this.streams.delete(id);
    return stream?.started ? { queryId: id, consumed: stream.consumed } : null;
  }

  closeAll(): ClosedStream[] {
    return [...this.streams.keys()].map((id) => this.close(id)).filter((c): c is ClosedStream => c !== null);
  }
}
