import { ResponseDecodeError, type HttpResponse } from '@kakehashi/sse-core';
import type { CodeerContext } from './codeer-context';
import { readEnvelope, type CodeerCall } from './codeer-http';
import { CodeerMessageStream } from './codeer-message-stream';
import type { CodeerRequestOptions } from './codeer-request-options';
import type { CodeerChat } from './codeer-response-schemas';

/**
 * What a call with an undocumented answer gave back: a stream (the server answered with
 * `text/event-stream`) or the envelope's `data` (it answered with JSON).
 */
export type CodeerTurnResult =
  | {
      /** The server streamed an answer. */
      type: 'stream';
      /** The answer being streamed. */
      stream: CodeerMessageStream;
    }
  | {
      /** The server answered with a JSON envelope. */
      type: 'data';
      /** The envelope's `data`, as sent. */
      data: unknown;
    };

function isEventStream(res: HttpResponse): boolean {
  return res.contentType === 'text/event-stream';
}

/** Sends a turn call whose answer should stream; the call's signal and `cancel()` both close it. */
async function openStreaming(
  ctx: CodeerContext,
  call: CodeerCall,
  options: CodeerRequestOptions,
): Promise<{ res: HttpResponse; abort: () => void }> {
  const controller = new AbortController();
  // Every signal goes down to sse-core, which listens to each only while the call runs (no AbortSignal.any).
  const given = options.signal;
  const signal =
    given === undefined
      ? controller.signal
      : given instanceof AbortSignal
        ? [given, controller.signal]
        : [...given, controller.signal];
  const res = await ctx.http.open(
    { ...call, turn: true, headers: { accept: 'text/event-stream', ...call.headers } },
    { ...options, signal },
  );
  return { res, abort: () => controller.abort() };
}

/**
 * Opens a message stream. A JSON answer instead of a stream is read as an envelope: an error envelope
 * throws `CodeerApiError` (even with HTTP 200); a plain answer string is delivered as a completed event.
 */
export async function openMessageStream(
  ctx: CodeerContext,
  call: CodeerCall,
  chatId: number,
  options: CodeerRequestOptions,
  chat?: CodeerChat,
): Promise<CodeerMessageStream> {
  const { res, abort } = await openStreaming(ctx, call, options);
  if (isEventStream(res) || res.contentType !== 'application/json') {
    return CodeerMessageStream.fromResponse(res, chatId, abort, chat);
  }
  const { data } = await readEnvelope(res);
  if (typeof data !== 'string') {
    throw new ResponseDecodeError(
      'invalid-event',
      `Expected a stream or an answer string from ${res.url}, got JSON ${data === null ? 'null' : typeof data}`,
    );
  }
  const wire =
    `event: response.output_text.completed\ndata: ${JSON.stringify({ type: 'response.output_text.completed', chat_id: chatId, final_text: data })}\n\n` +
    'data: [DONE]\n\n';
  const bytes = new TextEncoder().encode(wire);
  return new CodeerMessageStream({ bytes: () => once(bytes), cancel: async () => {} }, chatId, chat);
}

/** Sends a turn call whose answer is undocumented: a stream if the server streams, else the envelope's data. */
export async function openTurn(
  ctx: CodeerContext,
  call: CodeerCall,
  chatId: number,
  options: CodeerRequestOptions,
): Promise<CodeerTurnResult> {
  const { res, abort } = await openStreaming(ctx, call, options);
  if (isEventStream(res)) return { type: 'stream', stream: CodeerMessageStream.fromResponse(res, chatId, abort) };
  const { data } = await readEnvelope(res);
  return { type: 'data', data };
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  yield bytes;
}
