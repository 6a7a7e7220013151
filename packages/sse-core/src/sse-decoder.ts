import { createParser, type EventSourceMessage } from 'eventsource-parser';
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

/**
 * Decodes Server-Sent Events from raw bytes. Byte-safe: a multibyte character or a `\r\n` split
 * across chunks decodes correctly. A final event that lacks its blank line is still delivered when
 * the stream ends cleanly; a stream that fails mid-way rethrows without inventing an event.
 */
export async function* decodeSSE(
  chunks: AsyncIterable<Uint8Array>,
  options: SSEDecodeOptions = {},
): AsyncGenerator<SSEMessage, void, undefined> {
  const decoder = new TextDecoder();
  let batch: SSEMessage[] = [];
  let overflow: ResponseDecodeError | undefined;
  const maxBufferSize = options.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE;
  const parser = createParser({
    onEvent: (m: EventSourceMessage) => {
      batch.push(m.id === undefined ? (m.event === undefined ? { data: m.data } : { event: m.event, data: m.data }) : m);
    },
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

  for await (const chunk of chunks) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    if (overflow) throw overflow;
    if (batch.length > 0) {
      const ready = batch;
      batch = [];
      for (const m of ready) yield m;
    }
  }
  // Clean end: flush a trailing partial character and a final event without its blank line.
  parser.feed(`${decoder.decode()}\n\n`);
  if (overflow) throw overflow;
  for (const m of batch) yield m;
}

/** An SSE message whose data was parsed as JSON, or the `[DONE]` sentinel. */
export type SSEJsonMessage<T = unknown> =
  | { done: false; event?: string; id?: string; data: T }
  | { done: true; event?: string; id?: string };

/**
 * {@link decodeSSE}, with each event's data parsed as JSON. The OpenAI-style `[DONE]` sentinel yields
 * `{ done: true }`. Malformed JSON throws {@link ResponseDecodeError} (`invalid-json`) with a redacted excerpt.
 */
export async function* decodeSSEJson<T = unknown>(
  chunks: AsyncIterable<Uint8Array>,
  options?: SSEDecodeOptions,
): AsyncGenerator<SSEJsonMessage<T>, void, undefined> {
  for await (const m of decodeSSE(chunks, options)) {
    const data = m.data;
    if (data === '[DONE]' || (data.length < 12 && data.trim() === '[DONE]')) {
      yield { done: true, event: m.event, id: m.id };
      continue;
    }
    let parsed: T;
    try {
      parsed = JSON.parse(data) as T;
    } catch (cause) {
      throw new ResponseDecodeError('invalid-json', `Malformed JSON in Server-Sent Event${m.event ? ` "${m.event}"` : ''}`, {
        excerpt: data,
        cause,
      });
    }
    yield m.id === undefined && m.event === undefined ? { done: false, data: parsed } : { done: false, event: m.event, id: m.id, data: parsed };
  }
}
