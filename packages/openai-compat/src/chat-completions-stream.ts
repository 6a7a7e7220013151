import { type AgentErrorEvent, type AgentEvent, createSSEStream, pipeSSE, type SSEWritable } from '@kakehashi/sse-core';
import { type ChatCompletionChunkWriter, sseErrorEvent } from './chat-completions-chunks';
import {
  describeAgentErrorEvent,
  describeGatewayError,
  type GatewayErrorInfo,
  isAbort,
} from './chat-completions-errors';
import type { TurnObserver } from './chat-completions-hooks';
import type { KakehashiIds } from './chat-completions-ids';
import type { ChatTurn } from './chat-completions-turn';

/**
 * The parts of Node's `http.ServerResponse` the handler writes a streamed answer to (an
 * `Http2ServerResponse` fits too).
 */
export interface ChatCompletionsNodeResponse extends SSEWritable {
  /** True once the status line and headers went out. */
  readonly headersSent: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  /** Sends the headers now, before any body byte. */
  flushHeaders(): void;
}

/** The header of @hono/node-server's `RESPONSE_ALREADY_SENT`: the answer was written to the Node response. */
export const ALREADY_SENT_HEADER = 'x-hono-already-sent';

/**
 * The runtime's own `Response` class. @hono/node-server replaces the global `Response` with a
 * lightweight subclass whose instances it writes out itself (without looking at
 * `x-hono-already-sent`); a response made from the base class is the one it leaves alone, as it does
 * its own `RESPONSE_ALREADY_SENT`.
 */
const NativeResponse: typeof Response = (() => {
  let ctor: typeof Response = globalThis.Response;
  for (;;) {
    const parent: unknown = Object.getPrototypeOf(ctor);
    if (typeof parent !== 'function' || parent === Function.prototype) return ctor;
    ctor = parent as typeof Response;
  }
})();

/** The answer went to Node's response: an empty `Response` marked `x-hono-already-sent` for the framework to skip. */
function alreadySent(): Response {
  return new NativeResponse(null, { headers: { [ALREADY_SENT_HEADER]: 'true' } });
}

/** What a streamed answer needs besides the turn. */
export interface StreamAnswerOptions {
  writer: ChatCompletionChunkWriter;
  observer: TurnObserver;
  heartbeatMs: number;
  /** Longest wait for the first agent event before the 200 headers go out (errors before it get a real HTTP status). */
  firstEventWaitMs: number;
  /** Headers for the response (ids known so far). */
  headers: (ids: KakehashiIds) => Record<string, string>;
  /** Called with a failure before the stream started: answer it as a JSON error. */
  failed: (info: GatewayErrorInfo) => Response;
  /** Node's response for this request: the answer is written to it directly. */
  outgoing?: ChatCompletionsNodeResponse | undefined;
  /**
   * Runs after the `finish` event was turned into the last chunks and before they are handed out (so
   * `data: [DONE]` goes out only once it has resolved): the conversation is remembered here. Must
   * not reject.
   */
  finished?: ((finalText: string) => Promise<void>) | undefined;
}

const PENDING = Symbol('pending');

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof PENDING> {
  if (!Number.isFinite(ms)) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof PENDING>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms), PENDING);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const CUT_MID_ANSWER: AgentErrorEvent = {
  type: 'error',
  message: 'the answer ended before its finish signal',
  code: 'stream-cut',
  retryable: true,
};

/**
 * The SSE body: one `chat.completion.chunk` text per agent event, pulled as the writer asks for it
 * (so a slow reader slows the upstream read down). It does no batching of its own: on Node,
 * sse-core's `pipeSSE` joins the events of one tick (one upstream read) into one socket write.
 *
 * The turn ends in one of three ways. A `finish` (or an in-stream error) closes the turn with
 * `return()`: the SDK has stopped at the end signal, and sse-core lets the rest of the upstream body
 * end so its keep-alive connection is reused. The reader going away (`return()` here) cancels the
 * turn at once, even while a read waits on a silent upstream.
 */
class ChunkSource implements AsyncIterableIterator<string> {
  readonly #chat: ChatTurn;
  readonly #writer: ChatCompletionChunkWriter;
  readonly #observer: TurnObserver;
  readonly #finished: ((finalText: string) => Promise<void>) | undefined;
  #pending: Promise<IteratorResult<AgentEvent>> | IteratorResult<AgentEvent> | undefined;
  #done = false;

  constructor(
    chat: ChatTurn,
    writer: ChatCompletionChunkWriter,
    observer: TurnObserver,
    first: Promise<IteratorResult<AgentEvent>> | IteratorResult<AgentEvent>,
    finished: ((finalText: string) => Promise<void>) | undefined,
  ) {
    this.#chat = chat;
    this.#writer = writer;
    this.#observer = observer;
    this.#pending = first;
    this.#finished = finished;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<string>> {
    while (!this.#done) {
      let r: IteratorResult<AgentEvent>;
      const pending = this.#pending;
      this.#pending = undefined;
      try {
        r = await (pending ?? this.#chat.turn.next());
      } catch (error) {
        if (this.#done) break;
        const text = this.#failed(error);
        if (text !== '') return { done: false, value: text };
        break;
      }
      if (this.#done) break;
      const text = this.#take(r);
      // The answer is complete: let the conversation be remembered before its last chunks go out, so
      // a client that sends its next turn the moment it sees [DONE] is recognised.
      if (this.#finished !== undefined && !r.done && r.value.type === 'finish') await this.#finished(r.value.text);
      if (text !== '') return { done: false, value: text };
    }
    return { done: true, value: undefined };
  }

  /** SSE text for one read result ('' for none); ends the turn on finish, error or a cut. */
  #take(r: IteratorResult<AgentEvent>): string {
    this.#observer.firstEvent();
    if (r.done) return this.#error(CUT_MID_ANSWER);
    const event = r.value;
    if (event.type === 'error') return this.#error(event);
    const text = this.#writer.write(event) ?? '';
    if (event.type === 'finish') this.#end('finished');
    return text;
  }

  #error(event: AgentErrorEvent): string {
    const info = describeAgentErrorEvent(event, this.#observer.platform);
    this.#end('failed', info);
    return sseErrorEvent(info.error);
  }

  /** A read failed: an abort ends quietly, anything else becomes an error event. */
  #failed(error: unknown): string {
    if (isAbort(error)) {
      this.#end('cancelled');
      return '';
    }
    const info = describeGatewayError(this.#chat.requestError(error), this.#observer.platform);
    this.#end('failed', info);
    return sseErrorEvent(info.error);
  }

  /** The reader went away (or the stream was cancelled): cancel the turn now. */
  async return(): Promise<IteratorResult<string>> {
    if (!this.#done) {
      this.#done = true;
      this.#chat.turn.cancel();
      this.#observer.close('cancelled');
    }
    return { done: true, value: undefined };
  }

  #end(outcome: 'finished' | 'failed' | 'cancelled', info?: GatewayErrorInfo): void {
    this.#done = true;
    this.#observer.close(
      outcome,
      info ? { kind: info.kind, message: info.error.message, status: info.status } : undefined,
    );
    // Closes the turn where it stands: after a finish sse-core lets the upstream body end (the
    // connection is reused); anything still open is closed.
    void this.#chat.turn.return?.()?.catch(() => {});
  }
}

/**
 * Answers a streaming request. Waits up to `firstEventWaitMs` for the first agent event, so that a
 * failure before the answer starts (401/404/5xx from the platform, bad configuration, an immediate
 * platform error) is a real HTTP error and the ids can go into the response headers; after that the
 * body is `text/event-stream`, with heartbeat comments while the agent is silent, and a cancel that
 * cancels the turn. With `outgoing` (Node) the events are written to it by sse-core's `pipeSSE` and
 * the result is an empty `Response` marked `x-hono-already-sent` (@hono/node-server's
 * `RESPONSE_ALREADY_SENT`); otherwise the body is a web stream from `createSSEStream`. Both are
 * pull-based: the platform is read as fast as the caller reads.
 */
export async function streamAnswer(chat: ChatTurn, options: StreamAnswerOptions): Promise<Response> {
  const { writer, observer } = options;
  const firstPromise = chat.turn.next();
  let first: IteratorResult<AgentEvent> | typeof PENDING;
  try {
    first = await withTimeout(firstPromise, options.firstEventWaitMs);
  } catch (error) {
    const info = describeGatewayError(chat.requestError(error), observer.platform);
    observer.close(isAbort(error) ? 'cancelled' : 'failed', {
      kind: info.kind,
      message: info.error.message,
      status: info.status,
    });
    void chat.turn.return?.()?.catch(() => {});
    return options.failed(info);
  }
  if (first !== PENDING) {
    observer.firstEvent();
    const failure: AgentErrorEvent | undefined = first.done
      ? { ...CUT_MID_ANSWER, message: 'the answer ended before it started' }
      : first.value.type === 'error'
        ? first.value
        : undefined;
    if (failure !== undefined) {
      const info = describeAgentErrorEvent(failure, observer.platform);
      observer.close('failed', { kind: info.kind, message: info.error.message, status: info.status });
      void chat.turn.return?.()?.catch(() => {});
      return options.failed(info);
    }
    if (first.value.type === 'start') writer.remember(first.value);
  } else {
    // Keep the pending read from rejecting unobserved; the source awaits the same promise.
    firstPromise.catch(() => {});
  }
  // The first event is replayed through the source (the writer only noted its ids for the headers).
  const source = new ChunkSource(chat, writer, observer, first === PENDING ? firstPromise : first, options.finished);
  const headers = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    ...options.headers(writer.ids()),
  };
  const outgoing = options.outgoing !== undefined && !options.outgoing.headersSent ? options.outgoing : undefined;
  if (outgoing !== undefined) {
    // Straight to the socket: no web stream, no copies. Headers go out with the first chunk, or now
    // when the platform is still silent.
    outgoing.writeHead(200, headers);
    if (first === PENDING) outgoing.flushHeaders();
    void pipeSSE(source, outgoing, { heartbeatMs: options.heartbeatMs });
    return alreadySent();
  }
  return new Response(createSSEStream(source, { heartbeatMs: options.heartbeatMs }), { status: 200, headers });
}
