import { asyncIterator, ResponseDecodeError, decodeSSE, type ByteSource, type SSEMessage } from '@kakehashi/sse-core';
import {
  CODEER_ERROR_EVENT_TYPES,
  CODEER_STREAM_EVENT_SCHEMAS,
  type CodeerOutputTextDeltaEvent,
  type CodeerStreamEvent,
  type CodeerUnknownEvent,
} from './codeer-stream-events';

/** Options of {@link decodeCodeerStream}. */
export interface DecodeCodeerStreamOptions {
  /** Most characters buffered for one line or one event's data (a longer one fails the stream). Default 4 MiB. */
  maxBufferSize?: number;
}

/**
 * Bytes to decode: an async source (a response body, a Node stream, a web `ReadableStream`), or
 * in-memory bytes (one `Uint8Array`, or an array / iterable of chunks).
 */
export type CodeerByteInput = ByteSource | Iterable<Uint8Array> | Uint8Array;

/** Gives this package's AgentEvent layer the underlying SSE messages of an unread decoder. */
export const CODEER_SSE_SOURCE: unique symbol = Symbol('kakehashi.codeer-sse-source');

/** What {@link decodeCodeerStream} returns, with its internal hook. */
export type CodeerStreamEventIterator = AsyncIterableIterator<CodeerStreamEvent> &
  AsyncDisposable & {
    /** @internal The SSE messages, if nothing was read yet (the iterator itself must then not be read). */
    [CODEER_SSE_SOURCE]?: () => AsyncIterableIterator<SSEMessage> | undefined;
  };

function toByteSource(input: CodeerByteInput): ByteSource {
  if (input instanceof Uint8Array) return fromChunks([input]);
  if (Symbol.asyncIterator in input || typeof (input as ReadableStream).getReader === 'function')
    return input as ByteSource;
  return fromChunks(input as Iterable<Uint8Array>);
}

async function* fromChunks(chunks: Iterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  yield* chunks;
}

const DONE: CodeerStreamEvent = Object.freeze({ type: 'done' }) as CodeerStreamEvent;
const ERROR_TYPES: ReadonlySet<string> = new Set(CODEER_ERROR_EVENT_TYPES);

/**
 * Decodes a Codeer message stream from raw bytes (a response body, a recorded file, any byte source)
 * into typed events, on sse-core's Server-Sent Events decoder: byte-safe (a multibyte character or a
 * `\r\n` split across chunks is fine), `:` comments skipped, multi-line `data:` joined with `\n`, a
 * final event without its blank line still delivered, buffers bounded. `data: [DONE]` yields
 * `{ type: 'done' }` and ends the iteration (the rest of the source is not read); data that is not JSON
 * yields `plain-text`; unknown event types yield `unknown`. A known event of the wrong shape fails with
 * `ResponseDecodeError` (`invalid-event`) after every event before it.
 *
 * Leaving a `for await` early closes the source (and so the HTTP request).
 */
export function decodeCodeerStream(
  source: CodeerByteInput,
  options: DecodeCodeerStreamOptions = {},
): AsyncIterableIterator<CodeerStreamEvent> & AsyncDisposable {
  const sse = decodeSSE(toByteSource(source), { maxBufferSize: options.maxBufferSize });
  let started = false;
  let finished = false;
  const onResult = (r: IteratorResult<SSEMessage>): IteratorResult<CodeerStreamEvent, undefined> => {
    if (r.done) {
      finished = true;
      return { done: true, value: undefined };
    }
    const event = toCodeerStreamEvent(r.value);
    if (event === DONE) {
      // Stop reading at [DONE]: closing the SSE decoder closes the source.
      finished = true;
      void sse.return?.()?.catch(() => {});
    }
    return { done: false, value: event };
  };
  const onError = (error: unknown): never => {
    finished = true;
    throw error;
  };
  const iterator = asyncIterator<CodeerStreamEvent>({
    next() {
      started = true;
      if (finished) return Promise.resolve({ done: true, value: undefined });
      return sse.next().then(onResult, onError);
    },
    async close() {
      started = true;
      if (!finished) {
        finished = true;
        await sse.return?.();
      }
    },
  });
  return Object.assign(iterator, {
    [CODEER_SSE_SOURCE]() {
      if (started) return undefined;
      started = true;
      return sse;
    },
  }) satisfies CodeerStreamEventIterator;
}

/** Maps one Server-Sent Event of a Codeer stream to its typed event. */
export function toCodeerStreamEvent(message: SSEMessage): CodeerStreamEvent {
  const { data, event } = message;
  if (data === '[DONE]' || (data.length < 12 && data.trim() === '[DONE]')) return DONE;
  const c = data.charCodeAt(0);
  let payload: unknown;
  let isJson = false;
  // Only objects and arrays are read as JSON; anything else is legacy plain text.
  if (c === 123 /* { */ || c === 91 /* [ */ || ((c === 32 || c === 9) && /^\s*[[{]/.test(data))) {
    try {
      payload = JSON.parse(data);
      isJson = true;
    } catch {
      // Not JSON after all: plain text.
    }
  }
  if (!isJson) {
    if (event !== undefined && ERROR_TYPES.has(event)) return { type: event as 'error', message: data };
    if (data === '') return event === undefined ? { type: 'unknown', data } : { type: 'unknown', event, data };
    return event === undefined ? { type: 'plain-text', text: data } : { type: 'plain-text', event, text: data };
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return event === undefined ? { type: 'unknown', data: payload } : { type: 'unknown', event, data: payload };
  }
  const p = payload as Record<string, unknown>;
  const type = typeof p.type === 'string' ? p.type : event;
  // Hot path: a well-formed delta is returned as parsed (exactly what the schema would produce).
  if (type === 'response.output_text.delta' && p.type === type && typeof p.delta === 'string' && idsOk(p)) {
    return p as CodeerOutputTextDeltaEvent;
  }
  // Own keys only: a type such as "constructor" must not find Object.prototype's members.
  const schema =
    type !== undefined && Object.hasOwn(CODEER_STREAM_EVENT_SCHEMAS, type)
      ? CODEER_STREAM_EVENT_SCHEMAS[type]
      : undefined;
  if (schema === undefined) {
    const unknown: CodeerUnknownEvent = { type: 'unknown', data: payload };
    if (event !== undefined) unknown.event = event;
    if (typeof p.type === 'string') unknown.originalType = p.type;
    return unknown;
  }
  const result = schema.safeParse(p.type === type ? p : { ...p, type });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.map(String).join('.') : 'payload';
  throw new ResponseDecodeError(
    'invalid-event',
    `Codeer stream event "${type}" has an unexpected shape: ${where}: ${issue?.message ?? 'invalid'}`,
    {
      excerpt: data,
    },
  );
}

function idsOk(p: Record<string, unknown>): boolean {
  const r = p.response_id;
  const c = p.chat_id;
  return (
    (r === undefined || r === null || typeof r === 'string') &&
    (c === undefined || c === null || typeof c === 'number' || typeof c === 'string')
  );
}
