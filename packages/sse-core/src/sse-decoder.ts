import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { flattenBatches } from './batch-iterator';
import { byteChunks, type ByteSource } from './byte-source';
import { ResponseDecodeError } from './errors';

/** One Server-Sent Event, with its `event` name and `id` kept. */
export interface SSEMessage {
  /** The `event:` field; undefined for the default `message` type. */
  event?: string;
  /** The `id:` field, when the server set one. */
  id?: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
}

export interface SSEDecodeOptions {
  /**
   * Most characters buffered for one unfinished line or event. A longer one ends the stream with a
   * {@link ResponseDecodeError} (`buffer-overflow`) instead of eating memory. Default 4 MiB.
   */
  maxBufferSize?: number;
  /** Called for every comment line, such as `: heartbeat` or `: connected` (text after the colon, trimmed). */
  onComment?: (comment: string) => void;
  /** Called when the server sends a `retry:` field. */
  onRetry?: (retryMs: number) => void;
}

export const DEFAULT_MAX_BUFFER_SIZE = 4 * 1024 * 1024;

/** An SSE message whose data was parsed as JSON, or the `[DONE]` sentinel. */
export type SSEJsonMessage<T = unknown> =
  | { done: false; event?: string; id?: string; data: T }
  | { done: true; event?: string; id?: string };

/**
 * Decodes Server-Sent Events from raw bytes. Byte-safe: a multibyte character or a `\r\n` split
 * across chunks decodes correctly. A final event that lacks its blank line is still delivered when
 * the stream ends cleanly; a stream that fails mid-way rethrows without inventing an event.
 */
export function decodeSSE(chunks: ByteSource, options: SSEDecodeOptions = {}): AsyncIterableIterator<SSEMessage> {
  return flattenBatches(sseBatches(chunks, options, plainMessage));
}

/**
 * {@link decodeSSE}, with each event's data parsed as JSON. The OpenAI-style `[DONE]` sentinel yields
 * `{ done: true }`. Malformed JSON throws {@link ResponseDecodeError} (`invalid-json`) with a redacted
 * excerpt, after every event before it has been delivered.
 */
export function decodeSSEJson<T = unknown>(
  chunks: ByteSource,
  options: SSEDecodeOptions = {},
): AsyncIterableIterator<SSEJsonMessage<T>> {
  return flattenBatches(sseBatches(chunks, options, jsonMessage as (m: EventSourceMessage) => SSEJsonMessage<T>));
}

/**
 * {@link decodeSSE} with a mapping applied inside the decoder, one network chunk at a time: the
 * fastest way from bytes to a provider's own typed events (no extra promise per event). `map`
 * returning `undefined` drops the event. A `map` that throws ends the stream after every event
 * before the failing one has been delivered.
 */
export function decodeSSEWith<T>(
  chunks: ByteSource,
  map: (message: SSEMessage) => T | undefined,
  options: SSEDecodeOptions = {},
): AsyncIterableIterator<T> {
  return flattenBatches(sseBatches(chunks, options, (m) => map(plainMessage(m)))) as AsyncIterableIterator<T>;
}

function plainMessage(m: EventSourceMessage): SSEMessage {
  if (m.id === undefined) return m.event === undefined ? { data: m.data } : { event: m.event, data: m.data };
  return m;
}

function jsonMessage(m: EventSourceMessage): SSEJsonMessage {
  const data = m.data;
  const named = m.id !== undefined || m.event !== undefined;
  if (data === '[DONE]' || (data.length < 12 && data.trim() === '[DONE]')) {
    return named ? { done: true, event: m.event, id: m.id } : { done: true };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (cause) {
    throw new ResponseDecodeError(
      'invalid-json',
      `Malformed JSON in Server-Sent Event${m.event ? ` "${m.event}"` : ''}`,
      { excerpt: data, cause },
    );
  }
  return named ? { done: false, event: m.event, id: m.id, data: parsed } : { done: false, data: parsed };
}

const BATCHES_DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The decoding loop: one batch of mapped events per network chunk. Hand-written rather than an async
 * generator (see `asyncIterator`): a chunk is decoded, parsed and mapped in the callback of its own
 * read, so a network read costs one promise here, not the several microtask turns of a generator's
 * `for await` and `yield`. Semantics as a generator's:
 *
 * - a `map` (or buffer-overflow) failure hands over the events before it first, then closes the
 *   source and rejects; a failed read rejects as it is (the source is not closed);
 * - `return()` closes the source (after a read in flight has settled), and the iterator then ends.
 */
function sseBatches<T>(
  chunks: ByteSource,
  options: SSEDecodeOptions,
  map: (m: EventSourceMessage) => T,
): AsyncIterator<T[], undefined, undefined> {
  const source = byteChunks(chunks)[Symbol.asyncIterator]();
  const decoder = new TextDecoder();
  let raw: EventSourceMessage[] = [];
  let failure: unknown;
  let failed = false;
  let finished = false;
  let inflight: Promise<unknown> | undefined;
  const maxBufferSize = options.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE;
  const parser = createParser({
    onEvent: (m) => raw.push(m),
    onComment: options.onComment ? (c) => options.onComment!(c.trim()) : undefined,
    onRetry: options.onRetry,
    onError: (e) => {
      if (e.type === 'max-buffer-size-exceeded' && !failed) {
        failed = true;
        failure = new ResponseDecodeError(
          'buffer-overflow',
          `Server-Sent Events stream has a line or event longer than ${maxBufferSize} characters`,
        );
      }
    },
    maxBufferSize,
  });

  // Maps the events parsed so far; a failing one is kept (in `failure`) and the ones before it handed over.
  const take = (): T[] => {
    const ready = raw;
    raw = [];
    const out: T[] = [];
    for (const m of ready) {
      let value: T;
      try {
        value = map(m);
      } catch (error) {
        failed = true;
        failure = error;
        break;
      }
      if (value !== undefined) out.push(value);
    }
    return out;
  };
  // Closes the source, then rejects with the failure (as a generator's `for await` does when its body throws).
  const reject = (): Promise<never> => {
    finished = true;
    const error = failure;
    failure = undefined;
    const closed = source.return?.();
    return Promise.resolve(closed).then(
      () => Promise.reject(error),
      () => Promise.reject(error),
    );
  };
  // `inflight` is the read a `return()` must wait for; it is cleared when that read hands over its result.
  const settled = <R>(result: R): R => {
    inflight = undefined;
    return result;
  };
  const onRead = (
    r: IteratorResult<Uint8Array>,
  ): IteratorResult<T[], undefined> | Promise<IteratorResult<T[], undefined>> => {
    if (finished) return settled(BATCHES_DONE);
    // A clean end flushes a trailing partial character and a final event without its blank line.
    parser.feed(r.done ? `${decoder.decode()}\n\n` : decoder.decode(r.value, { stream: true }));
    const out = raw.length === 0 ? [] : take();
    if (out.length > 0) {
      if (r.done && !failed) finished = true;
      return settled({ done: false, value: out });
    }
    if (failed) return settled(reject());
    if (r.done) {
      finished = true;
      return settled(BATCHES_DONE);
    }
    return source.next().then(onRead, onReadError);
  };
  const onReadError = (error: unknown): never => {
    inflight = undefined;
    finished = true;
    throw error;
  };

  const iterator: AsyncIterator<T[], undefined, undefined> = {
    next(): Promise<IteratorResult<T[], undefined>> {
      if (inflight !== undefined) {
        const again = () => iterator.next();
        return inflight.then(again, again);
      }
      if (failed && failure !== undefined) return reject();
      if (finished) return Promise.resolve(BATCHES_DONE);
      const read = source.next().then(onRead, onReadError);
      inflight = read;
      return read;
    },
    return(): Promise<IteratorResult<T[], undefined>> {
      const close = (): Promise<IteratorResult<T[], undefined>> => {
        if (finished) return Promise.resolve(BATCHES_DONE);
        finished = true;
        return Promise.resolve(source.return?.()).then(() => BATCHES_DONE);
      };
      return inflight === undefined ? close() : inflight.then(close, close);
    },
  };
  return iterator;
}
