import { asyncIterator, type KakehashiAsyncIterator } from './async-iterator';

/**
 * Flattens a source of batches into an async iterator of items. Decoders produce one batch per
 * network chunk; handing the items out through this hand-written iterator costs one resolved promise
 * per item, where an async generator `yield` costs several microtask turns. On an SSE stream of small
 * JSON chunks that is the difference between ~0.7x and ~0.95x of a bare callback parser.
 *
 * `return()` (leaving a `for await` early) is passed to the source at once, so the HTTP request it
 * reads from is cancelled.
 */
export function flattenBatches<T>(source: AsyncIterator<T[], void, undefined>): KakehashiAsyncIterator<T> {
  let batch: T[] = [];
  let index = 0;
  let finished = false;

  const fill = async (): Promise<IteratorResult<T, undefined>> => {
    for (;;) {
      let r: IteratorResult<T[], void>;
      try {
        r = await source.next();
      } catch (error) {
        finished = true;
        throw error;
      }
      if (r.done) {
        finished = true;
        return { done: true, value: undefined };
      }
      if (r.value.length > 0) {
        batch = r.value;
        index = 1;
        return { done: false, value: batch[0]! };
      }
    }
  };

  return asyncIterator({
    next(): Promise<IteratorResult<T, undefined>> {
      if (index < batch.length) return Promise.resolve({ done: false, value: batch[index++]! });
      if (finished) return Promise.resolve({ done: true, value: undefined });
      return fill();
    },
    async close() {
      batch = [];
      index = 0;
      if (!finished) {
        finished = true;
        await source.return?.(undefined);
      }
    },
  });
}
