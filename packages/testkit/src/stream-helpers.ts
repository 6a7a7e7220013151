/**
 * Small helpers for tests that read streams: turn byte chunks into a body-like async iterable,
 * collect an async iterable, and capture the error a call fails with.
 */

/** An async iterable over byte chunks, delivered one by one as a response body would. */
export async function* chunksOf(parts: Iterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  for (const part of parts) yield part;
}

/** Reads an async iterable to its end and returns every item. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/**
 * Resolves with what `promiseOrFn` rejects with (or a function throws, synchronously or not);
 * rejects when it succeeds, so a test that expected a failure cannot pass by accident.
 */
export async function rejectionOf(promiseOrFn: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (error) {
    return error;
  }
  throw new Error('testkit: expected a rejection, but the call succeeded');
}

/**
 * Resolves once `read()` has returned the same value for `quietMs` in a row, with that value: for
 * backpressure tests ("the producer has stopped"). Rejects after `timeoutMs` (default 10 s).
 */
export async function whenSteady<T>(read: () => T, quietMs = 100, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = read();
  for (;;) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = read();
    if (Object.is(now, last)) return now;
    if (Date.now() > deadline) throw new Error(`testkit: whenSteady: still changing after ${timeoutMs} ms`);
    last = now;
  }
}
