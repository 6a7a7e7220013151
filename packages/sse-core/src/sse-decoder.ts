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

/** The decoding loop: one batch of mapped events per network chunk. */
async function* sseBatches<T>(
  chunks: ByteSource,
  options: SSEDecodeOptions,
  map: (m: EventSourceMessage) => T,
): AsyncGenerator<T[], void, undefined> {
  const decoder = new TextDecoder();
  let raw: EventSourceMessage[] = [];
  let overflow: ResponseDecodeError | undefined;
  const maxBufferSize = options.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE;
  const parser = createParser({
    onEvent: (m) => raw.push(m),
    onComment: options.onComment ? (c) => options.onComment!(c.trim()) : undefined,
    onRetry: options.onRetry,
    onError: (e) => {
      if (e.type === 'max-buffer-size-exceeded') {
        overflow = new ResponseDecodeError(
          'buffer-overflow',
          `Server-Sent Events stream has a line or event longer than ${maxBufferSize} characters`,
        );
      }
    },
    maxBufferSize,
  });

  // Maps the events parsed so far; if one fails, the ones before it are delivered first.
  function* take(): Generator<T[], void, undefined> {
    if (raw.length === 0) return;
    const ready = raw;
    raw = [];
    const out: T[] = [];
    for (const m of ready) {
      let value: T;
      try {
        value = map(m);
      } catch (error) {
        if (out.length > 0) yield out;
        throw error;
      }
      if (value !== undefined) out.push(value);
    }
    if (out.length > 0) yield out;
  }

  for await (const chunk of byteChunks(chunks)) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    yield* take();
    if (overflow) throw overflow;
  }
  // Clean end: flush a trailing partial character and a final event without its blank line.
  parser.feed(`${decoder.decode()}\n\n`);
  yield* take();
  if (overflow) throw overflow;
}
