/**
 * Append-only write-ahead log with group commit. Each commit is one frame
 * `[u32 LE length][u32 LE crc32][payload]`; appends made while an fsync is in flight are
 * written and synced together by the next flush, so throughput holds under concurrency
 * while every acknowledged commit is on disk. The log is split into numbered segments so
 * a checkpoint can drop the segments it covers.
 */
import { mkdir, open, readdir, readFile, truncate, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "./crc32.js";

const HEADER = 8;
const SEGMENT = /^wal-(\d{8})\.log$/;

export function segmentName(seq: number): string {
  return `wal-${String(seq).padStart(8, "0")}.log`;
}

export function frame(payload: string): Buffer {
  const body = Buffer.from(payload, "utf8");
  const out = Buffer.allocUnsafe(HEADER + body.length);
  out.writeUInt32LE(body.length, 0);
  out.writeUInt32LE(crc32(body), 4);
  body.copy(out, HEADER);
  return out;
}

/** Payloads of the valid frames of `bytes`, and where the valid prefix ends. */
export function readFrames(bytes: Buffer): { payloads: string[]; validLength: number } {
  const payloads: string[] = [];
  let offset = 0;
  while (offset + HEADER <= bytes.length) {
    const length = bytes.readUInt32LE(offset);
    const end = offset + HEADER + length;
    if (end > bytes.length) break;
    const body = bytes.subarray(offset + HEADER, end);
    if (crc32(body) !== bytes.readUInt32LE(offset + 4)) break;
    payloads.push(body.toString("utf8"));
    offset = end;
  }
  return { payloads, validLength: offset };
}

export async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .map((name) => SEGMENT.exec(name)?.[1])
    .filter((seq): seq is string => seq !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Reads every segment in order; a torn tail of the last one is cut off (crash mid-write). */
export async function readLog(dir: string): Promise<{ payloads: string[]; lastSeq: number }> {
  const segments = await listSegments(dir);
  const payloads: string[] = [];
  for (const seq of segments) {
    const path = join(dir, segmentName(seq));
    const bytes = await readFile(path);
    const read = readFrames(bytes);
    payloads.push(...read.payloads);
    if (read.validLength < bytes.length) {
      if (seq !== segments[segments.length - 1]) {
        throw new Error(`Write-ahead log segment ${path} is corrupt at byte ${read.validLength}`);
      }
      await truncate(path, read.validLength);
    }
  }
  return { payloads, lastSeq: segments[segments.length - 1] ?? 0 };
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class WriteAheadLog {
  private buffer: Buffer[] = [];
  private callbacks: (() => void)[] = [];
  private flushQueued = false;
  private lock: Promise<unknown> = Promise.resolve();
  private failure: Error | null = null;
  private closed = false;
  bytesInSegment = 0;

  private constructor(
    private readonly dir: string,
    private handle: FileHandle,
    public seq: number,
  ) {}

  /** Opens a fresh segment after `lastSeq`. */
  static async open(dir: string, lastSeq: number): Promise<WriteAheadLog> {
    await mkdir(dir, { recursive: true });
    const seq = lastSeq + 1;
    const handle = await open(join(dir, segmentName(seq)), "a");
    await fsyncDir(dir);
    return new WriteAheadLog(dir, handle, seq);
  }

  /** Queues a frame; `onDurable` runs (in append order) once it is fsynced. */
  append(data: Buffer, onDurable: () => void): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error("The write-ahead log is closed (the engine is shut down).");
    this.buffer.push(data);
    this.callbacks.push(onDurable);
    this.bytesInSegment += data.length;
    this.queueFlush();
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lock.then(task);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    void this.exclusive(async () => {
      this.flushQueued = false;
      await this.flush(this.handle);
    });
  }

  private async flush(handle: FileHandle): Promise<void> {
    if (this.buffer.length === 0) return;
    const data = Buffer.concat(this.buffer.splice(0));
    const callbacks = this.callbacks.splice(0);
    try {
      await handle.write(data);
      await handle.datasync();
    } catch (error) {
      this.failure = new Error(`Write-ahead log write failed: ${String(error)}`);
      throw this.failure;
    }
    for (const callback of callbacks) callback();
  }

  /**
   * Starts a new segment. `capture` runs at the exact point where every earlier append
   * belongs to the old segment and every later one to the new, so the state it captures
   * is what the old segments contain. Resolves once the old segment is synced and closed.
   */
  rotate<T>(capture: () => T): Promise<{ value: T; closedSeq: number }> {
    return this.exclusive(async () => {
      const nextSeq = this.seq + 1;
      const next = await open(join(this.dir, segmentName(nextSeq)), "a");
      await fsyncDir(this.dir);
      const old = this.handle;
      const closedSeq = this.seq;
      const pendingData = this.buffer.splice(0);
      const pendingCallbacks = this.callbacks.splice(0);
      const value = capture();
      this.handle = next;
      this.seq = nextSeq;
      this.bytesInSegment = 0;
      this.buffer = pendingData;
      this.callbacks = pendingCallbacks;
      await this.flush(old);
      await old.close();
      return { value, closedSeq };
    });
  }

  /** Flushes what is queued and closes the log. */
  async close(): Promise<void> {
    this.closed = true;
    await this.exclusive(async () => {
      await this.flush(this.handle);
      await this.handle.close();
    });
  }
}
