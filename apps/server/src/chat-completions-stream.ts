import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { createSSEStream, pipeSSE, type AgentEvent } from '@kakehashi/sse-core';
import { type ChatCompletionChunkWriter, sseErrorEvent } from './chat-completions-chunks';
import {
  describeAgentErrorEvent,
  describeGatewayError,
  isAbort,
  type GatewayErrorInfo,
} from './chat-completions-errors';
import type { TurnObserver } from './chat-completions-hooks';
import { releaseAfterFinish, type AgentTurn } from './chat-completions-turn';

/** What a streamed answer needs besides the turn. */
export interface StreamAnswerOptions {
  writer: ChatCompletionChunkWriter;
  observer: TurnObserver;
  heartbeatMs: number;
  /** Longest wait for the first agent event before the 200 headers go out (errors before it get a real HTTP status). */
  firstEventWaitMs: number;
  /** Headers for the response (ids known so far). */
  headers: (ids: ReturnType<ChatCompletionChunkWriter['ids']>) => Record<string, string>;
  /** Called with a failure before the stream started: answer it as a JSON error. */
  failed: (info: GatewayErrorInfo) => Response;
  /** Node's response for this request: the answer is written to it directly (see `ChatCompletionsTarget`). */
  outgoing?: ServerResponse | undefined;
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

const NOT_READY = Symbol('not-ready');

/** Resolves with `promise`'s value if it settles within a few microtask turns (data already buffered), else with NOT_READY. */
function settledSoon<T>(promise: Promise<T>): Promise<T | typeof NOT_READY> {
  let ticks: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < 8; i++) ticks = ticks.then();
  return Promise.race([promise, ticks.then((): typeof NOT_READY => NOT_READY)]) as Promise<T | typeof NOT_READY>;
}

/** Most events and bytes coalesced into one body chunk (one socket write). */
const COALESCE_EVENTS = 33;
const COALESCE_CHARS = 16 * 1024;

/**
 * The SSE body source: pulls agent events as the reader asks for chunks (the ReadableStream around it
 * is pull-based, so a slow reader slows the upstream read down). Events that are already buffered
 * (several in one network read) are coalesced into one chunk, so one socket write carries them.
 * `return()` aborts the upstream request at once, even while a read waits on a silent upstream.
 */
class ChunkSource implements AsyncIterableIterator<string> {
  readonly #turn: AgentTurn;
  readonly #writer: ChatCompletionChunkWriter;
  readonly #observer: TurnObserver;
  /** Most events coalesced into one chunk: 1 when the writer batches by itself (Node's socket cork). */
  readonly #coalesceEvents: number;
  #pending: Promise<IteratorResult<AgentEvent>> | IteratorResult<AgentEvent> | undefined;
  #done = false;

  constructor(
    turn: AgentTurn,
    writer: ChatCompletionChunkWriter,
    observer: TurnObserver,
    first: Promise<IteratorResult<AgentEvent>> | IteratorResult<AgentEvent>,
    coalesceEvents: number,
  ) {
    this.#coalesceEvents = coalesceEvents;
    this.#turn = turn;
    this.#writer = writer;
    this.#observer = observer;
    this.#pending = first;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #read(): Promise<IteratorResult<AgentEvent>> | IteratorResult<AgentEvent> {
    const pending = this.#pending;
    if (pending === undefined) return this.#turn.events.next();
    this.#pending = undefined;
    return pending;
  }

  async next(): Promise<IteratorResult<string>> {
    let out = '';
    while (!this.#done && out === '') {
      let r: IteratorResult<AgentEvent>;
      try {
        r = await this.#read();
      } catch (error) {
        if (!this.#done) out += this.#failed(error);
        break;
      }
      if (this.#done) break;
      out += this.#take(r);
    }
    for (let n = 1; out !== '' && !this.#done && n < this.#coalesceEvents && out.length < COALESCE_CHARS; n++) {
      const next = this.#turn.events.next();
      let r: IteratorResult<AgentEvent> | typeof NOT_READY;
      try {
        r = await settledSoon(next);
      } catch (error) {
        if (!this.#done) out += this.#failed(error);
        break;
      }
      if (r === NOT_READY) {
        next.catch(() => {}); // observed later, by the next pull
        this.#pending = next;
        break;
      }
      if (this.#done) break;
      out += this.#take(r);
    }
    return out === '' ? { done: true, value: undefined } : { done: false, value: out };
  }

  /** SSE text for one read result ('' for none); ends the turn on finish, error or a cut. */
  #take(r: IteratorResult<AgentEvent>): string {
    this.#observer.firstEvent();
    if (r.done) {
      const info = describeAgentErrorEvent(
        { type: 'error', message: 'the answer ended before its finish signal', code: 'stream-cut', retryable: true },
        this.#observer.platform,
      );
      this.#end('failed', info);
      return sseErrorEvent(info.error);
    }
    const event = r.value;
    if (event.type === 'error') {
      const info = describeAgentErrorEvent(event, this.#observer.platform);
      this.#end('failed', info);
      return sseErrorEvent(info.error);
    }
    const text = this.#writer.write(event) ?? '';
    if (event.type === 'finish') this.#end('finished');
    return text;
  }

  /** A read failed: an abort ends quietly, anything else becomes an error event. */
  #failed(error: unknown): string {
    if (isAbort(error)) {
      this.#end('cancelled');
      return '';
    }
    const info = describeGatewayError(error, this.#observer.platform);
    this.#end('failed', info);
    return sseErrorEvent(info.error);
  }

  /** The reader went away (or the stream was cancelled): abort upstream now. */
  async return(): Promise<IteratorResult<string>> {
    if (!this.#done) {
      this.#done = true;
      this.#turn.abort();
      this.#observer.close('cancelled');
      // Also close the event source: runs its cleanup now when it is idle, or right after the pending read fails.
      void this.#turn.events.return?.()?.catch(() => {});
    }
    return { done: true, value: undefined };
  }

  #end(outcome: 'finished' | 'failed' | 'cancelled', info?: GatewayErrorInfo): void {
    this.#done = true;
    this.#observer.close(
      outcome,
      info ? { kind: info.kind, message: info.error.message, status: info.status } : undefined,
    );
    // After a finish, let the upstream body end so its connection is reused; otherwise close it now.
    if (outcome === 'finished') releaseAfterFinish(this.#turn.events);
    else void this.#turn.events.return?.()?.catch(() => {});
  }
}

/**
 * Answers a streaming request. Waits up to `firstEventWaitMs` for the first agent event, so that a
 * failure before the answer starts (401/404/5xx from the platform, bad configuration, an immediate
 * platform error) is a real HTTP error and the ids can go into the response headers; after that the
 * body is `text/event-stream`, with heartbeat comments while the agent is silent, and a cancel that
 * aborts the upstream request. With `outgoing` (Node) the events are written to it by sse-core's
 * `pipeSSE` and the result is @hono/node-server's `RESPONSE_ALREADY_SENT`; otherwise the body is a
 * web stream from `createSSEStream`. Both are pull-based: the platform is read as fast as the
 * caller reads.
 */
export async function streamAnswer(turn: AgentTurn, options: StreamAnswerOptions): Promise<Response> {
  const { writer, observer } = options;
  const firstPromise = turn.events.next();
  let first: IteratorResult<AgentEvent> | typeof PENDING;
  try {
    first = await withTimeout(firstPromise, options.firstEventWaitMs);
  } catch (error) {
    const info = describeGatewayError(error, observer.platform);
    observer.close(isAbort(error) ? 'cancelled' : 'failed', {
      kind: info.kind,
      message: info.error.message,
      status: info.status,
    });
    return options.failed(info);
  }
  if (first !== PENDING) {
    observer.firstEvent();
    const failure = first.done
      ? ({ type: 'error', message: 'the answer ended before it started', code: 'stream-cut', retryable: true } as const)
      : first.value.type === 'error'
        ? first.value
        : undefined;
    if (failure !== undefined) {
      const info = describeAgentErrorEvent(failure, observer.platform);
      observer.close('failed', { kind: info.kind, message: info.error.message, status: info.status });
      return options.failed(info);
    }
    if (!first.done && first.value.type === 'start') writer.remember(first.value);
  } else {
    // Keep the pending read from rejecting unobserved; the source awaits the same promise.
    firstPromise.catch(() => {});
  }
  // The first event is replayed through the source (the writer only noted its ids for the headers).
  const replay: IteratorResult<AgentEvent> | Promise<IteratorResult<AgentEvent>> =
    first === PENDING ? firstPromise : first;
  const outgoing = options.outgoing !== undefined && !options.outgoing.headersSent ? options.outgoing : undefined;
  // Written to Node's response, events need no coalescing here: pipeSSE joins the events of one tick
  // (one upstream read) into one write by itself.
  const source = new ChunkSource(turn, writer, observer, replay, outgoing === undefined ? COALESCE_EVENTS : 1);
  const headers = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    ...options.headers(writer.ids()),
  };
  if (outgoing !== undefined) {
    // Straight to the socket: no web stream, no copies. Headers go out with the first chunk, or now
    // when the platform is still silent.
    outgoing.writeHead(200, headers);
    if (first === PENDING) outgoing.flushHeaders();
    void pipeSSE(source, outgoing, { heartbeatMs: options.heartbeatMs });
    return RESPONSE_ALREADY_SENT;
  }
  return new Response(createSSEStream(source, { heartbeatMs: options.heartbeatMs }), { status: 200, headers });
}
