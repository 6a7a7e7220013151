import { asyncIterator, type KakehashiAsyncIterator } from '@kakehashi/sse-core';

/**
 * Maps an async iterator item by item without an async generator: one promise per item instead of
 * several microtask turns per `yield`. `return()` (leaving a `for await` early) reaches the source at
 * once, so the HTTP request it reads from is cancelled.
 */
export function mapAsyncIterator<A, B>(source: AsyncIterator<A>, map: (item: A) => B): KakehashiAsyncIterator<B> {
  let finished = false;
  const step = (r: IteratorResult<A>): IteratorResult<B, undefined> => {
    if (r.done) {
      finished = true;
      return { done: true, value: undefined };
    }
    return { done: false, value: map(r.value) };
  };
  return asyncIterator({
    next(): Promise<IteratorResult<B, undefined>> {
      if (finished) return Promise.resolve({ done: true, value: undefined });
      return source.next().then(step, (error: unknown) => {
        finished = true;
        throw error;
      });
    },
    async close() {
      if (!finished) {
        finished = true;
        await source.return?.();
      }
    },
  });
}
