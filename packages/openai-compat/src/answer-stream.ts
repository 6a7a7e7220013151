import {
  type AgentErrorEvent,
  type AgentEvent,
  type AgentFinishEvent,
  type AgentStartEvent,
  createSSEStream,
  pipeSSE,
  type SSEWritable,
} from '@kakehashi/sse-core';
import { CLIENT_CLOSED_KIND, type GatewayErrorInfo, type OpenAIErrorObject } from './chat-completions-errors';
import { type TurnObserver, turnFailure } from './chat-completions-hooks';
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

/**
 * How one protocol encodes a streamed answer as SSE text: Chat Completions chunks
 * (`ChatCompletionChunkWriter`) or Responses API events (`ResponseWriter`).
 */
export interface AnswerEncoder {
  /** The ids known so far, for the response headers. */
  ids(): KakehashiIds;
  /** Notes the ids of a `start` event without writing anything (for the headers). */
  remember(start: AgentStartEvent): void;
  /** Text that leads the body and goes out at once, even while the platform is silent. Read once; none when absent. */
  begin?(): string;
  /** SSE text for an event that is neither `finish` nor `error` (`''` or `undefined` for none). */
  write(event: AgentEvent): string | undefined;
  /** SSE text that reports a failure and ends the body. */
  failed(error: OpenAIErrorObject): string;
}

/** How {@link StreamAnswerOptions.complete} ends the turn. */
export interface AnswerEnding {
  /** Ends the turn with its outcome (and closes the observer); the body ends after the text returned. */
  end(outcome: 'finished' | 'failed', info?: GatewayErrorInfo): void;
  /** Whether the reader went away meanwhile (the turn was then cancelled). */
  left(): boolean;
}

/** What a streamed answer needs besides the turn. */
export interface StreamAnswerOptions {
  encoder: AnswerEncoder;
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
   * Turns the `finish` event into the answer's last SSE text and ends the turn with `ending.end`,
   * before or after the work that must be done before that text goes out (remembering the
   * conversation, storing the response), so that a client acting on the last event finds it done.
   * Must not reject: a failure is reported with `ending.end('failed', …)` and the encoder's `failed`.
   */
  complete(event: AgentFinishEvent, ending: AnswerEnding): string | Promise<string>;
}

const PENDING = Symbol('pending');

const SOURCE_DONE: IteratorResult<string> = Object.freeze({ done: true, value: undefined });

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
 * The SSE body: the encoder's text for the agent events, pulled as the writer asks for it (so a slow
 * reader slows the upstream read down). The turn is read in batches (`turn.batches()`): the events of
 * one upstream read are encoded in one pass and handed out as one string, so one network read becomes
 * one socket write (sse-core's `pipeSSE`) with one promise per read, not per event.
 *
 * The turn ends in one of three ways. A `finish` (or an in-stream error) closes the turn with
 * `return()`: the SDK has stopped at the end signal, and sse-core lets the rest of the upstream body
 * end so its keep-alive connection is reused. The reader going away (`return()` here) cancels the
 * turn at once, even while a read waits on a silent upstream.
 */
class AnswerSource implements AsyncIterableIterator<string> {
  readonly #chat: ChatTurn;
  readonly #o: StreamAnswerOptions;
  readonly #ending: AnswerEnding = {
    end: (outcome, info) => this.#end(outcome, info),
    left: () => this.#done,
  };
  #head: string;
  readonly #batches: AsyncIterator<readonly AgentEvent[], undefined>;
  #pending: Promise<IteratorResult<readonly AgentEvent[]>> | IteratorResult<readonly AgentEvent[]> | undefined;
  #done = false;

  constructor(
    chat: ChatTurn,
    options: StreamAnswerOptions,
    batches: AsyncIterator<readonly AgentEvent[], undefined>,
    first: Promise<IteratorResult<readonly AgentEvent[]>> | IteratorResult<readonly AgentEvent[]>,
  ) {
    this.#chat = chat;
    this.#batches = batches;
    this.#o = options;
    this.#pending = first;
    this.#head = options.encoder.begin?.() ?? '';
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The text to hand out, with the encoder's head on the first piece. */
  #out(text: string): IteratorResult<string> {
    const value = this.#head + text;
    this.#head = '';
    return { done: false, value };
  }

  /**
   * The next piece of SSE text: one upstream read encoded. Written as promise callbacks rather than
   * an `async` function, so a read costs the reader one promise here (this runs once per network read).
   */
  next(): Promise<IteratorResult<string>> {
    if (this.#head !== '') return Promise.resolve(this.#out(''));
    if (this.#done) return Promise.resolve(SOURCE_DONE);
    const pending = this.#pending;
    this.#pending = undefined;
    return Promise.resolve(pending ?? this.#batches.next()).then(this.#onBatch, this.#onReadError);
  }

  readonly #onBatch = (
    r: IteratorResult<readonly AgentEvent[]>,
  ): IteratorResult<string> | Promise<IteratorResult<string>> => {
    if (this.#done) return SOURCE_DONE;
    this.#o.observer.firstEvent();
    if (r.done) return this.#settle(this.#error(CUT_MID_ANSWER));
    return this.#encode(r.value, 0, '');
  };

  /** Encodes `events` from `from` on, after `text`; a finish's work is waited for, then the rest follows. */
  #encode(
    events: readonly AgentEvent[],
    from: number,
    text: string,
  ): IteratorResult<string> | Promise<IteratorResult<string>> {
    for (let i = from; i < events.length; i++) {
      const piece = this.#take(events[i]!);
      // Only a finish has work to wait for: every other event stays on the synchronous path.
      if (typeof piece !== 'string')
        return piece.then((last) =>
          this.#done ? this.#settle(text + last) : this.#encode(events, i + 1, text + last),
        );
      text += piece;
      if (this.#done) break;
    }
    return this.#settle(text);
  }

  readonly #onReadError = (error: unknown): IteratorResult<string> => {
    if (this.#done) return SOURCE_DONE;
    const text = this.#failed(error);
    return text !== '' ? this.#out(text) : SOURCE_DONE;
  };

  /** Hands out the text of a read, or reads on when it encoded to nothing (and the turn goes on). */
  #settle(text: string): IteratorResult<string> | Promise<IteratorResult<string>> {
    if (text !== '') return this.#out(text);
    if (this.#done) return SOURCE_DONE;
    return this.#batches.next().then(this.#onBatch, this.#onReadError);
  }

  /** SSE text for one event ('' for none); ends the turn on finish or error. */
  #take(event: AgentEvent): string | Promise<string> {
    if (event.type === 'error') return this.#error(event);
    if (event.type === 'finish') return this.#o.complete(event, this.#ending);
    return this.#o.encoder.write(event) ?? '';
  }

  #error(event: AgentErrorEvent): string {
    const info = this.#o.observer.failWithEvent(event);
    this.#end('failed', info);
    return this.#o.encoder.failed(info.error);
  }

  /**
   * A read failed: the caller's abort ends quietly; anything else, the server's shutdown among
   * them, becomes the protocol's final error event.
   */
  #failed(error: unknown): string {
    const info = this.#o.observer.failWith(this.#chat.requestError(error));
    this.#end('failed', info); // the observer is closed already: this closes the turn
    return info.kind === CLIENT_CLOSED_KIND ? '' : this.#o.encoder.failed(info.error);
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
    this.#o.observer.close(outcome, info ? turnFailure(info) : undefined);
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
  const { encoder, observer } = options;
  const batches = chat.turn.batches();
  const firstPromise = batches.next();
  let first: IteratorResult<readonly AgentEvent[]> | typeof PENDING;
  try {
    first = await withTimeout(firstPromise, options.firstEventWaitMs);
  } catch (error) {
    const info = observer.failWith(chat.requestError(error));
    void chat.turn.return?.()?.catch(() => {});
    return options.failed(info);
  }
  if (first !== PENDING) {
    observer.firstEvent();
    const head = first.done ? undefined : first.value[0];
    const failure: AgentErrorEvent | undefined =
      head === undefined
        ? { ...CUT_MID_ANSWER, message: 'the answer ended before it started' }
        : head.type === 'error'
          ? head
          : undefined;
    if (failure !== undefined) {
      const info = observer.failWithEvent(failure);
      void chat.turn.return?.()?.catch(() => {});
      return options.failed(info);
    }
    if (head?.type === 'start') encoder.remember(head);
  } else {
    // Keep the pending read from rejecting unobserved; the source awaits the same promise.
    firstPromise.catch(() => {});
  }
  // The first read is replayed through the source (the encoder only noted its ids for the headers).
  const source = new AnswerSource(chat, options, batches, first === PENDING ? firstPromise : first);
  const headers = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    ...options.headers(encoder.ids()),
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
