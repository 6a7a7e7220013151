/**
 * The one way kakehashi hand-writes an async iterator. Hot paths (every event of every stream) avoid
 * async generators, whose resumption costs several microtask turns per item; this helper supplies the
 * protocol around a `next` that the caller writes: `return()` (leaving a `for await` early) runs
 * `close` once and then ends the iterator, `[Symbol.asyncIterator]` returns the iterator itself, and
 * `await using` disposes it. `next` is handed out as it is, so the helper costs nothing per item.
 */
export interface IteratorParts<T> {
  /** Produces the next result. Called directly by the reader: keep your own "finished" state. */
  next(): Promise<IteratorResult<T, undefined>>;
  /**
   * Releases what the iterator reads from when the reader leaves early. Called at most once, and
   * never after {@link IteratorParts.next} has reported the end (check that in your own state if it
   * matters: it is called whenever `return()` is).
   */
  close?(): Promise<unknown> | unknown;
}

/** An async iterator that is its own iterable and can be disposed with `await using`. */
export type KakehashiAsyncIterator<T> = AsyncIterableIterator<T, undefined, undefined> & AsyncDisposable;

/** Builds an async iterator from a `next` and an optional `close` (see {@link IteratorParts}). */
export function asyncIterator<T>(parts: IteratorParts<T>): KakehashiAsyncIterator<T> {
  let closed = false;
  const iterator: KakehashiAsyncIterator<T> = {
    next: parts.next,
    async return(): Promise<IteratorResult<T, undefined>> {
      if (!closed) {
        closed = true;
        await parts.close?.();
      }
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
    async [Symbol.asyncDispose]() {
      await iterator.return?.();
    },
  };
  return iterator;
}
