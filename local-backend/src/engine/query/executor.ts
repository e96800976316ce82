/**
 * Runs compiled plans against a transaction's view of the tables: lazy streams that read
 * the index in chunks (so `.first()` touches one entry), pagination with stable key-based
 * cursors, and search. Each records the exact key range it observed in the read set.
 */
import type { DocRecord } from "../store/document.js";
import type { SearchIndexDef } from "../schema.js";
import { MAX_SEARCH_RESULTS, type SearchHit, type SearchQuery } from "../store/search.js";
import type { KeyRange, TableVersion } from "../store/table.js";
import { KEY_MAX } from "../values.js";
import { matches } from "./filter.js";
import type { IndexPlan, Operator, Plan, SearchPlan } from "./plan.js";

/** What queries need from a transaction. */
export interface ReadView {
  table(name: string): TableVersion | undefined;
  /** Adds an index range to the read set, counted against the read-interval limit. */
  recordRange(table: string, index: string, range: KeyRange): void;
  recordSearch(table: string, def: SearchIndexDef, query: SearchQuery): void;
  /** Counts a scanned document against the transaction's read limits. */
  noteRead(record: DocRecord): void;
}

const SCAN_CHUNK = 64;

/** Applies filter/limit operators in order; `stop` once a limit is reached. */
class Pipeline {
  private readonly counts: number[];
  stopped = false;

  constructor(private readonly operators: Operator[]) {
    this.counts = operators.map(() => 0);
    if (operators.some((op) => "limit" in op && op.limit <= 0)) this.stopped = true;
  }

  accept(record: DocRecord): boolean {
    for (let i = 0; i < this.operators.length; i++) {
      const op = this.operators[i]!;
      if ("filter" in op) {
        if (!matches(op.filter, record.value)) return false;
      } else {
        this.counts[i]! += 1;
        if (this.counts[i]! >= op.limit) this.stopped = true;
      }
    }
    return true;
  }
}

/** The part of `range` from its start through `key` (inclusive), in scan order. */
function rangeThrough(range: KeyRange, order: "asc" | "desc", key: string): KeyRange {
  return order === "asc" ? { lo: range.lo, hi: key + KEY_MAX } : { lo: key, hi: range.hi };
}

function keyOf(plan: IndexPlan, record: DocRecord): string {
  return record.keys.get(plan.index)!;
}

export interface Stream {
  next(batch: number): { docs: DocRecord[]; done: boolean };
  /** Records the observed range, given how many delivered documents the function consumed. */
  close(consumed: number): void;
}

export class IndexStream implements Stream {
  private after: string | null = null;
  private done = false;
  private readonly delivered: string[] = [];
  private readonly pipeline: Pipeline;

  constructor(
    private readonly plan: IndexPlan,
    private readonly view: ReadView,
  ) {
    this.pipeline = new Pipeline(plan.operators);
    this.done = this.pipeline.stopped;
  }

  next(batch: number): { docs: DocRecord[]; done: boolean } {
    const docs: DocRecord[] = [];
    while (!this.done && docs.length < batch) {
      const table = this.view.table(this.plan.table);
      const chunk = table ? table.scan(this.plan.index, this.plan.range, this.plan.order, this.after, SCAN_CHUNK) : [];
      let processed = 0;
      for (const record of chunk) {
        processed++;
        this.after = keyOf(this.plan, record);
        this.view.noteRead(record);
        if (!this.pipeline.accept(record)) continue;
        docs.push(record);
        this.delivered.push(this.after);
        if (this.pipeline.stopped || docs.length >= batch) break;
      }
      if (this.pipeline.stopped || (chunk.length < SCAN_CHUNK && processed === chunk.length)) this.done = true;
    }
    return { docs, done: this.done };
  }

  close(consumed: number): void {
    const { plan } = this;
    let range: KeyRange;
    if (consumed < this.delivered.length) range = rangeThrough(plan.range, plan.order, this.delivered[Math.max(consumed, 1) - 1]!);
    else if (this.done && !this.pipeline.stopped) range = plan.range;
    else if (this.after !== null) range = rangeThrough(plan.range, plan.order, this.after);
    else return;
    this.view.recordRange(plan.table, plan.index, range);
  }
}

/** The best `limit` hits (Convex returns at most 1024); hits before `noted` were counted as read already. */
function searchHits(plan: SearchPlan, view: ReadView, limit = MAX_SEARCH_RESULTS, noted = 0): SearchHit[] {
  if (noted === 0) view.recordSearch(plan.table, plan.def, plan.query);
  const table = view.table(plan.table);
  const index = table?.search.get(plan.def.name);
  if (!table || !index || plan.query.terms.length === 0) return [];
  const hits = index.search(plan.query, (id) => table.get(id), limit);
  for (const hit of hits.slice(noted)) view.noteRead(hit.record);
  return hits;
}

/** Hits computed for the first batch; more (the same order, so a longer prefix) only when the function reads on. */
const FIRST_SEARCH_LIMIT = 16;

export class SearchStream implements Stream {
  private hits: SearchHit[];
  private limit = FIRST_SEARCH_LIMIT;
  private position = 0;
  private readonly pipeline: Pipeline;

  constructor(
    private readonly plan: SearchPlan,
    private readonly view: ReadView,
  ) {
    this.hits = searchHits(plan, view, this.limit);
    this.pipeline = new Pipeline(plan.operators);
  }

  next(batch: number): { docs: DocRecord[]; done: boolean } {
    const docs: DocRecord[] = [];
    while (docs.length < batch && !this.pipeline.stopped && this.more()) {
      const record = this.hits[this.position++]!.record;
      if (this.pipeline.accept(record)) docs.push(record);
    }
    return { docs, done: this.pipeline.stopped || !this.more() };
  }

  /** Whether a hit is left at `position`, widening the top-k while the last one was full. */
  private more(): boolean {
    if (this.position < this.hits.length) return true;
    if (this.hits.length < this.limit || this.limit >= MAX_SEARCH_RESULTS) return false;
    this.limit = Math.min(MAX_SEARCH_RESULTS, this.limit * 8);
    this.hits = searchHits(this.plan, this.view, this.limit, this.hits.length);
    return this.position < this.hits.length;
  }

  close(): void {}
}

export function openStream(plan: Plan, view: ReadView): Stream {
  return plan.type === "index" ? new IndexStream(plan, view) : new SearchStream(plan, view);
}

// ---------------------------------------------------------------------------
// Pagination

export type PageRequest = {
  cursor: string | null;
  endCursor: string | null;
  pageSize: number;
  maximumRowsRead: number | null;
  maximumBytesRead: number | null;
};

export type Page = {
  page: DocRecord[];
  isDone: boolean;
  continueCursor: string;
  splitCursor: string | null;
  pageStatus: "SplitRecommended" | "SplitRequired" | null;
};

const END = "E";

/** Cursors are opaque to clients: base64 of a position (an index key, a search offset, or the end). */
function encodeCursor(position: string): string {
  return Buffer.from(position, "latin1").toString("base64url");
}

/** A cursor this engine did not make is refused with Convex's text (keybroker `cursor_parse_error`). */
function decodeCursor(cursor: string | null): string | null {
  if (cursor === null) return null;
  const position = Buffer.from(cursor, "base64url").toString("latin1");
  if (position !== END && !position.startsWith("K") && !position.startsWith("S")) {
    throw new Error("Failed to parse cursor");
  }
  return position;
}

const SOFT_MAX_PAGE_LEN = 8192;

type PageScan = { page: DocRecord[]; scanned: string[]; exhausted: boolean; splitRequired: boolean };

/** Reads index entries after `after` until the page is full, `endKey` is passed, a read limit hits or the range ends. */
function scanPage(plan: IndexPlan, view: ReadView, after: string | null, endKey: string | null, request: PageRequest, fill: boolean): PageScan {
  const pipeline = new Pipeline(plan.operators);
  const table = view.table(plan.table);
  const out: PageScan = { page: [], scanned: [], exhausted: pipeline.stopped, splitRequired: false };
  let bytes = 0;
  while (!out.exhausted) {
    const chunk = table ? table.scan(plan.index, plan.range, plan.order, after, SCAN_CHUNK) : [];
    for (const record of chunk) {
      const key = keyOf(plan, record);
      if (endKey !== null && (plan.order === "asc" ? key > endKey : key < endKey)) return out;
      after = key;
      out.scanned.push(key);
      view.noteRead(record);
      bytes += record.size;
      if (pipeline.accept(record)) out.page.push(record);
      if (key === endKey) return out;
      const rowLimit = request.maximumRowsRead !== null && out.scanned.length >= request.maximumRowsRead;
      const byteLimit = request.maximumBytesRead !== null && bytes >= request.maximumBytesRead;
      if (rowLimit || byteLimit) return { ...out, splitRequired: true };
      if (pipeline.stopped) return { ...out, exhausted: true };
      if (fill && out.page.length >= request.pageSize) return out;
    }
    if (chunk.length < SCAN_CHUNK) out.exhausted = true;
  }
  return out;
}

/**
 * A page of an index range. Without an end cursor it holds `pageSize` results; with one
 * (the client's, or the journal of a previous run) it runs exactly to that position and
 * returns it as the continue cursor, so neighbouring pages stay connected as data changes.
 */
function paginateIndex(plan: IndexPlan, view: ReadView, request: PageRequest): Page {
  const start = decodeCursor(request.cursor);
  const end = decodeCursor(request.endCursor);
  if (start === END) return { page: [], isDone: true, continueCursor: encodeCursor(END), splitCursor: null, pageStatus: null };
  const endKey = end !== null && end !== END ? end.slice(1) : null;
  const scan = scanPage(plan, view, start === null ? null : start.slice(1), endKey, request, end === null);
  const last = scan.scanned[scan.scanned.length - 1] ?? null;
  const reachedEnd = scan.exhausted && !scan.splitRequired;
  const stopKey = scan.splitRequired ? last : (endKey ?? (reachedEnd ? null : last));
  const from = start === null ? plan.range : rangeAfter(plan, start.slice(1));
  view.recordRange(plan.table, plan.index, stopKey === null ? from : rangeThrough(from, plan.order, stopKey));
  const continueCursor =
    end !== null && !scan.splitRequired ? request.endCursor! : encodeCursor(stopKey === null ? END : `K${stopKey}`);
  const pageStatus = scan.splitRequired ? "SplitRequired" : scan.page.length > SOFT_MAX_PAGE_LEN ? "SplitRecommended" : null;
  const middle = scan.scanned[Math.floor((scan.scanned.length - 1) / 2)];
  const splitCursor = pageStatus !== null && scan.scanned.length >= 2 ? encodeCursor(`K${middle}`) : null;
  return { page: scan.page, isDone: decodeCursor(continueCursor) === END, continueCursor, splitCursor, pageStatus };
}

/** `range` restricted to keys after `key` in scan order. */
function rangeAfter(plan: IndexPlan, key: string): KeyRange {
  return plan.order === "asc" ? { lo: key + KEY_MAX, hi: plan.range.hi } : { lo: plan.range.lo, hi: key };
}

function paginateSearch(plan: SearchPlan, view: ReadView, request: PageRequest): Page {
  const start = decodeCursor(request.cursor);
  const end = decodeCursor(request.endCursor);
  if (start === END) return { page: [], isDone: true, continueCursor: encodeCursor(END), splitCursor: null, pageStatus: null };
  const hits = searchHits(plan, view);
  const pipeline = new Pipeline(plan.operators);
  const offset = start === null ? 0 : Number(start.slice(1));
  const stopAt = end === null ? Infinity : end === END ? hits.length : Number(end.slice(1));
  const page: DocRecord[] = [];
  let position = offset;
  while (position < hits.length && position < stopAt && (end !== null || page.length < request.pageSize) && !pipeline.stopped) {
    const record = hits[position++]!.record;
    if (pipeline.accept(record)) page.push(record);
  }
  const isDone = position >= hits.length || pipeline.stopped;
  return { page, isDone, continueCursor: encodeCursor(isDone ? END : `S${position}`), splitCursor: null, pageStatus: null };
}

export function paginate(plan: Plan, view: ReadView, request: PageRequest): Page {
  return plan.type === "index" ? paginateIndex(plan, view, request) : paginateSearch(plan, view, request);
}
