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

/**
 * The same protocol as a base class, for iterators that sit on every open stream: a subclass writes
 * `next` (and `close`) as methods, so nothing is allocated per iterator beyond the instance itself,
 * where {@link asyncIterator}'s parts are closures over their state.
 */
export abstract class HandWrittenIterator<T> {
  #closed = false;

  abstract next(): Promise<IteratorResult<T, undefined>>;

  /** As {@link IteratorParts.close}: called at most once, by the first `return()`. */
  protected close(): Promise<unknown> | unknown {
    return undefined;
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    if (!this.#closed) {
      this.#closed = true;
      await this.close();
    }
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}

/** The iterator {@link asyncIterator} builds: the parts' `next` as it is, their `close` behind `return()`. */
class PartsIterator<T> extends HandWrittenIterator<T> {
  override readonly next: () => Promise<IteratorResult<T, undefined>>;
  readonly #parts: IteratorParts<T>;

  constructor(parts: IteratorParts<T>) {
    super();
    this.next = parts.next;
    this.#parts = parts;
  }

  protected override close(): Promise<unknown> | unknown {
    return this.#parts.close?.();
  }
}

/** Builds an async iterator from a `next` and an optional `close` (see {@link IteratorParts}). */
export function asyncIterator<T>(parts: IteratorParts<T>): KakehashiAsyncIterator<T> {
  return new PartsIterator(parts) as KakehashiAsyncIterator<T>;
}
