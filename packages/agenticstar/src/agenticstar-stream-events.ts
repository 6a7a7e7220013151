import { decodeSSEJson, type ByteSource, type SSEJsonMessage } from '@kakehashi/sse-core';
import {
  agenticStarChunkSchema,
  isPlainAgenticStarChunk,
  type AgenticStarChunk,
  type AgenticStarDelta,
} from './agenticstar-chunk';
import { mapAsyncIterator } from './agenticstar-map-iterator';

/**
 * A chunk of the answer (`data: {createdAt, model, choices}`). `delta`, `content` and
 * `finishReason` are read from the first choice for convenience; the whole chunk, unknown fields
 * included, is in `chunk`.
 */
export interface AgenticStarChunkEvent {
  type: 'chunk';
  /** The chunk as sent, validated tolerantly (unknown fields kept). */
  chunk: AgenticStarChunk;
  /** The first choice's `delta` (with `role`, `messageInfo`, `content`, `tasks`, and any unknown fields). */
  delta?: AgenticStarDelta;
  /** The text piece in this chunk, when there is one. */
  content?: string;
  /** `finishReason` (or `finish_reason`) of the first choice, on the final chunk. */
  finishReason?: string;
}

/** An in-stream error payload (`{error: …}`, `{success: false, …}`, or an `event: error`). Its shape is not documented. */
export interface AgenticStarErrorEvent {
  type: 'error';
  /** `error.message`, `error_description` or `message` from the payload (or a generic text). */
  message: string;
  /** `error.code`, `error.type`, a string `error`, or `code`, when present. */
  code?: string | number;
  /** The payload as sent. */
  data: unknown;
}

/** `data: [DONE]`: the stream ended normally. */
export interface AgenticStarDoneEvent {
  type: 'done';
}

/** A payload this package does not recognise, passed through untouched (never fatal). */
export interface AgenticStarUnknownEvent {
  type: 'unknown';
  /** The SSE `event:` name, when the server set one. */
  event?: string;
  /** The parsed JSON payload as sent. */
  data: unknown;
}

/** The platform's own stream events, as decoded from the SSE body. */
export type AgenticStarStreamEvent =
  | AgenticStarChunkEvent
  | AgenticStarErrorEvent
  | AgenticStarDoneEvent
  | AgenticStarUnknownEvent;

/** Options of {@link decodeAgenticStarStream}. */
export interface AgenticStarDecodeOptions {
  /** Called for every SSE comment: `connected` when the stream opens, `heartbeat` about every 30 s while the agent works. */
  onComment?: (comment: string) => void;
  /** Most characters buffered for one line or event. Default 4 MiB (sse-core's). */
  maxBufferSize?: number;
}

const DONE: AgenticStarDoneEvent = Object.freeze({ type: 'done' }) as AgenticStarDoneEvent;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorEvent(data: unknown): AgenticStarErrorEvent {
  let message: string | undefined;
  let code: string | number | undefined;
  if (isRecord(data)) {
    const err = data.error;
    if (isRecord(err)) {
      if (typeof err.message === 'string') message = err.message;
      if (typeof err.code === 'string' || typeof err.code === 'number') code = err.code;
      else if (typeof err.type === 'string') code = err.type;
    } else if (typeof err === 'string') {
      code = err;
    }
    if (message === undefined) {
      for (const key of ['error_description', 'message', 'errorMessage'] as const) {
        if (typeof data[key] === 'string') {
          message = data[key];
          break;
        }
      }
    }
    if (code === undefined && (typeof data.code === 'string' || typeof data.code === 'number')) code = data.code;
  } else if (typeof data === 'string') {
    message = data;
  }
  const event: AgenticStarErrorEvent = {
    type: 'error',
    message: message ?? (typeof code === 'string' ? code : 'the platform reported an error'),
    data,
  };
  if (code !== undefined) event.code = code;
  return event;
}

/** Maps one decoded SSE message to a typed event. Never throws: what it cannot read is passed through as `unknown`. */
export function toAgenticStarStreamEvent(message: SSEJsonMessage): AgenticStarStreamEvent {
  if (message.done) return DONE;
  const data = message.data;
  if (message.event !== undefined && message.event !== 'message') {
    return message.event === 'error' ? errorEvent(data) : { type: 'unknown', event: message.event, data };
  }
  if (isRecord(data)) {
    if (Array.isArray(data.choices)) {
      const parsed = isPlainAgenticStarChunk(data)
        ? { success: true as const, data }
        : agenticStarChunkSchema.safeParse(data);
      if (parsed.success) {
        const chunk = parsed.data;
        const event: AgenticStarChunkEvent = { type: 'chunk', chunk };
        const choice = chunk.choices[0];
        if (choice) {
          const delta = choice.delta;
          if (delta) {
            event.delta = delta;
            if (typeof delta.content === 'string' && delta.content !== '') event.content = delta.content;
          }
          const reason = choice.finishReason ?? choice.finish_reason;
          if (reason) event.finishReason = reason;
        }
        return event;
      }
    } else if (data.error !== undefined || data.success === false) {
      return errorEvent(data);
    }
  }
  return { type: 'unknown', data };
}

/**
 * Decodes an AgenticStar chat stream from raw bytes (a response body, a file, an array of chunks) into
 * typed events. Byte-safe: a multibyte character or `\r\n` split across chunks decodes correctly.
 * Comments (`: connected`, `: heartbeat`) go to `onComment`. Malformed JSON throws sse-core's
 * `ResponseDecodeError` after every event before it has been delivered.
 */
export function decodeAgenticStarStream(
  bytes: ByteSource,
  options: AgenticStarDecodeOptions = {},
): AsyncIterableIterator<AgenticStarStreamEvent> & AsyncDisposable {
  return mapAsyncIterator(decodeAgenticStarMessages(bytes, options), toAgenticStarStreamEvent);
}

/** The SSE layer below the typed events: sse-core's JSON SSE decoder with the options applied. */
export function decodeAgenticStarMessages(
  bytes: ByteSource,
  options: AgenticStarDecodeOptions = {},
): AsyncIterableIterator<SSEJsonMessage> {
  return decodeSSEJson(bytes, {
    ...(options.onComment ? { onComment: options.onComment } : {}),
    ...(options.maxBufferSize !== undefined ? { maxBufferSize: options.maxBufferSize } : {}),
  });
}
