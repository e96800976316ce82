/**
 * Convex's count of a transaction's read-set intervals (`TooManyReads`): per index, the
 * ranges read merged where they overlap or touch (`IntervalSet::add`), summed over every
 * index. Searches are not intervals (Convex records them apart). Each index keeps its
 * merged ranges sorted and disjoint, so an add is a binary search and one splice.
 */
import type { KeyRange } from "./store/table.js";

export class ReadIntervals {
  private readonly byIndex = new Map<string, KeyRange[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds a non-empty `[lo, hi)` range of `index` (a table and index name). */
  add(index: string, range: KeyRange): void {
    let ranges = this.byIndex.get(index);
    if (ranges === undefined) this.byIndex.set(index, (ranges = []));
    // The first merged range that ends at or after this one's start: it may touch.
    let first = 0;
    for (let high = ranges.length; first < high; ) {
      const middle = (first + high) >> 1;
      if (ranges[middle]!.hi < range.lo) first = middle + 1;
      else high = middle;
    }
    let last = first;
    let { lo, hi } = range;
    for (; last < ranges.length && ranges[last]!.lo <= range.hi; last++) {
      if (ranges[last]!.lo < lo) lo = ranges[last]!.lo;
      if (ranges[last]!.hi > hi) hi = ranges[last]!.hi;
    }
    ranges.splice(first, last - first, { lo, hi });
    this.count += 1 - (last - first);
  }
}
