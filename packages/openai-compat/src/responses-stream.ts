import {
  type AgentErrorEvent,
  type AgentEvent,
  type AgentFinishEvent,
  createSSEStream,
  pipeSSE,
} from '@kakehashi/sse-core';
import {
  describeAgentErrorEvent,
  describeGatewayError,
  type GatewayErrorInfo,
  isAbort,
} from './chat-completions-errors';
import type { TurnObserver } from './chat-completions-hooks';
import type { KakehashiIds } from './chat-completions-ids';
import { ALREADY_SENT_HEADER, type ChatCompletionsNodeResponse } from './chat-completions-stream';
import type { ChatTurn } from './chat-completions-turn';
import type { ResponseWriter } from './responses-writer';

/**
 * What happens once the answer is complete and before `response.completed` goes out: the response
 * is stored (so a client that continues the moment it sees `response.completed` finds it). A
 * rejection fails the response (`response.failed`).
 */
export type ResponseFinisher = (event: AgentFinishEvent) => Promise<void>;

/** What a streamed response needs besides the turn. */
export interface StreamResponseOptions {
  writer: ResponseWriter;
  observer: TurnObserver;
  heartbeatMs: number;
  /** Longest wait for the first agent event before the 200 headers go out (errors before it get a real HTTP status). */
  firstEventWaitMs: number;
  /** Headers for the response (ids known so far). */
  headers: (ids: KakehashiIds) => Record<string, string>;
  /** Called with a failure before the stream started: answer it as a JSON error. */
  failed: (info: GatewayErrorInfo) => Response;
  /** Stores the finished response. */
  finished: ResponseFinisher;
  /** Describes a failure of {@link finished}. */
  finishError: (error: unknown) => GatewayErrorInfo;
  /** Node's response for this request: the answer is written to it directly. */
  outgoing?: ChatCompletionsNodeResponse | undefined;
}

/**
 * The runtime's own `Response` class (as in `chat-completions-stream.ts`): @hono/node-server writes
 * out instances of its lightweight subclass itself, and leaves a base-class one marked
 * `x-hono-already-sent` alone.
 */
const NativeResponse: typeof Response = (() => {
  let ctor: typeof Response = globalThis.Response;
  for (;;) {
    const parent: unknown = Object.getPrototypeOf(ctor);
    if (typeof parent !== 'function' || parent === Function.prototype) return ctor;
    ctor = parent as typeof Response;
  }
})();

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
 * The SSE body: the Responses API's events for each agent event, pulled as the writer asks for them
 * (a slow reader slows the upstream read down). `response.created` and `response.in_progress` lead
 * the first chunk. A `finish` closes the items, stores the response, then sends
 * `response.completed`; an in-stream error, a cut stream or a failure to store sends
 * `response.failed`, and the stream ends either way (never a hang). The reader going away cancels
 * the turn at once.
 */
class ResponseEventSource implements AsyncIterableIterator<string> {
  readonly #chat: ChatTurn;
  readonly #o: StreamResponseOptions;
  #pending: Promise<IteratorResult<AgentEvent>> | IteratorResult<AgentEvent> | undefined;
  #head: string;
  #done = false;

  constructor(
    chat: ChatTurn,
    options: StreamResponseOptions,
    first: Promise<IteratorResult<AgentEvent>> | IteratorResult<AgentEvent>,
  ) {
    this.#chat = chat;
    this.#o = options;
    this.#pending = first;
    this.#head = options.writer.begin();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The events so far, with the lifecycle head on the first chunk. */
  #out(text: string): IteratorResult<string> {
    const value = this.#head + text;
    this.#head = '';
    return { done: false, value };
  }

  async next(): Promise<IteratorResult<string>> {
    // The head goes out at once, even while the platform is silent.
    if (this.#head !== '') return this.#out('');
    while (!this.#done) {
      let r: IteratorResult<AgentEvent>;
      const pending = this.#pending;
      this.#pending = undefined;
      try {
        r = await (pending ?? this.#chat.turn.next());
      } catch (error) {
        if (this.#done) break;
        const text = this.#failed(error);
        if (text !== '') return this.#out(text);
        break;
      }
      if (this.#done) break;
      const text = await this.#take(r);
      if (text !== '') return this.#out(text);
    }
    return { done: true, value: undefined };
  }

  /** SSE text for one read result ('' for none); ends the turn on finish, error or a cut. */
  async #take(r: IteratorResult<AgentEvent>): Promise<string> {
    this.#o.observer.firstEvent();
    if (r.done) return this.#error(CUT_MID_ANSWER);
    const event = r.value;
    if (event.type === 'error') return this.#error(event);
    if (event.type !== 'finish') return this.#o.writer.write(event);
    const text = this.#o.writer.finish(event);
    try {
      await this.#o.finished(event);
    } catch (error) {
      const info = this.#o.finishError(error);
      this.#end('failed', info);
      return text + this.#o.writer.failed(info.error);
    }
    if (this.#done) return ''; // the reader left while the response was stored
    this.#end('finished');
    return text + this.#o.writer.completed();
  }

  #error(event: AgentErrorEvent): string {
    const info = describeAgentErrorEvent(event, this.#o.observer.platform);
    this.#end('failed', info);
    return this.#o.writer.failed(info.error);
  }

  /** A read failed: an abort ends quietly, anything else is `response.failed`. */
  #failed(error: unknown): string {
    if (isAbort(error)) {
      this.#end('cancelled');
      return '';
    }
    const info = describeGatewayError(this.#chat.requestError(error), this.#o.observer.platform);
    this.#end('failed', info);
    return this.#o.writer.failed(info.error);
  }

  /** The reader went away (or the stream was cancelled): cancel the turn now. */
  async return(): Promise<IteratorResult<string>> {
    if (!this.#done) {
      this.#done = true;
      this.#chat.turn.cancel();
      this.#o.observer.close('cancelled');
    }
    return { done: true, value: undefined };
  }

  #end(outcome: 'finished' | 'failed' | 'cancelled', info?: GatewayErrorInfo): void {
    this.#done = true;
    this.#o.observer.close(
      outcome,
      info ? { kind: info.kind, message: info.error.message, status: info.status } : undefined,
    );
    void this.#chat.turn.return?.()?.catch(() => {});
  }
}

/**
 * Answers a streaming request, as the chat handler does: waits up to `firstEventWaitMs` for the
 * first agent event, so that a failure before the answer starts is a real HTTP error with the ids
 * in headers; then `text/event-stream` with heartbeat comments while the agent is silent, written
 * straight to Node's response with `outgoing` (sse-core's `pipeSSE`; the result is an empty
 * `Response` marked `x-hono-already-sent`) or as a web stream. Both are pull-based.
 */
export async function streamResponse(chat: ChatTurn, options: StreamResponseOptions): Promise<Response> {
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
    firstPromise.catch(() => {});
  }
  const source = new ResponseEventSource(chat, options, first === PENDING ? firstPromise : first);
  const headers = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    ...options.headers(writer.ids()),
  };
  const outgoing = options.outgoing !== undefined && !options.outgoing.headersSent ? options.outgoing : undefined;
  if (outgoing !== undefined) {
    outgoing.writeHead(200, headers);
    if (first === PENDING) outgoing.flushHeaders();
    void pipeSSE(source, outgoing, { heartbeatMs: options.heartbeatMs });
    return new NativeResponse(null, { headers: { [ALREADY_SENT_HEADER]: 'true' } });
  }
  return new Response(createSSEStream(source, { heartbeatMs: options.heartbeatMs }), { status: 200, headers });
}
