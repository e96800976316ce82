/** An iterator whose next value can be looked at before it is taken: merging ordered streams needs it. */
export type Peekable<T> = { peek(): T | undefined; take(): void };

export function peekable<T>(source: Iterator<T>): Peekable<T> {
  let head: IteratorResult<T> | null = null;
  return {
    peek() {
      head ??= source.next();
      return head.done ? undefined : head.value;
    },
    take() {
      head = null;
    },
  };
}
