import { AbortError, ResponseDecodeError } from './errors';
import type { AttemptScope } from './http-call-scope';
import { decodeNDJSON, type NDJSONDecodeOptions } from './ndjson-decoder';
import { decodeSSE, decodeSSEJson, type SSEDecodeOptions, type SSEJsonMessage, type SSEMessage } from './sse-decoder';

interface HttpResponseInit {
  status: number;
  headers: Headers;
  url: string;
  requestId: string | undefined;
  provider: string | undefined;
  head: Uint8Array[];
  rest: AsyncIterator<Uint8Array> | undefined;
  attempt: AttemptScope;
}

/**
 * Runs `fn(value)` after the pending I/O callbacks: `setImmediate` where the runtime has it (Node, Bun),
 * else a zero timer (Deno, Workers, browsers).
 */
function later(fn: (value: never) => void, value: unknown): unknown {
  const run = fn as (value: unknown) => void;
  return typeof setImmediate === 'function' ? setImmediate(run, value) : setTimeout(run, 0, value);
}

function cancelLater(handle: unknown): void {
  if (typeof clearImmediate === 'function' && typeof setImmediate === 'function')
    clearImmediate(handle as ReturnType<typeof setImmediate>);
  else clearTimeout(handle as ReturnType<typeof setTimeout>);
}

const BODY_END: IteratorResult<Uint8Array, undefined> = Object.freeze({ done: true, value: undefined });

/** Longest wait, and most reads, spent checking whether an abandoned body was about to end anyway. */
const END_GRACE_MS = 2;
const END_GRACE_READS = 4;

/**
 * Resolves with `'late'` once {@link END_GRACE_MS} have passed *and* the event loop has been through a
 * poll phase after that (the timer hands over to `setImmediate`). On a busy server a loop iteration
 * takes longer than the grace period; a bare timer would then expire before the socket holding the
 * body's terminator is even read, and the connection would be given up for nothing.
 */
function afterGrace(): { late: Promise<'late'>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let immediate: unknown;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => {
      immediate = later(resolve, 'late');
    }, END_GRACE_MS);
  });
  return {
    late,
    cancel: () => {
      clearTimeout(timer);
      if (immediate !== undefined) cancelLater(immediate);
    },
  };
}

/**
 * Whether the rest of a body ends at once: within {@link END_GRACE_MS} and one more read of the
 * sockets (at most a few chunks). A body that does is finished normally, so its connection is reused;
 * one that does not is then cancelled, as leaving a loop early must cancel the request.
 */
async function endsAtOnce(rest: AsyncIterator<Uint8Array>): Promise<boolean> {
  for (let i = 0; i < END_GRACE_READS; i++) {
    const next = rest.next();
    next.catch(() => {}); // a later cancel rejects it; nobody else is waiting for it
    // Usually the terminator came in the same read as the end signal and is already parsed: settled
    // before the next check phase, with no timer to set and clear.
    let check: unknown;
    const soon = await Promise.race([
      next,
      new Promise<'later'>((resolve) => {
        check = later(resolve, 'later');
      }),
    ]).catch(() => 'late' as const);
    cancelLater(check);
    if (soon === 'late') return false;
    if (soon !== 'later') {
      if (soon.done) return true;
      continue;
    }
    const grace = afterGrace();
    const r = await Promise.race([next, grace.late]).catch(() => 'late' as const);
    grace.cancel();
    if (r === 'late') return false;
    if (r.done) return true;
  }
  return false;
}

/**
 * A successful (2xx) response whose body has not been handed out yet. Read the body once, with
 * {@link body}, {@link text}, {@link json}, {@link sse}, {@link sseJson} or {@link ndjson}.
 *
 * Leaving a `for await` loop over any of them early, or calling {@link cancel}, closes the HTTP
 * request at once. Idle and total timeouts keep running while the body is read.
 */
export class HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  /** The URL called, without query string. */
  readonly url: string;
  /** The request id from the response headers, when the server sent one. */
  readonly requestId: string | undefined;
  readonly provider: string | undefined;
  private readonly init: HttpResponseInit;
  private consumed = false;
  /** The attempt's clocks are stopped and its connection released (read to the end, or closed). */
  private released = false;
  /** Set by {@link cancel}: the error the next read of the body fails with. */
  private cancelled: AbortError | undefined;

  constructor(init: HttpResponseInit) {
    this.init = init;
    this.status = init.status;
    this.headers = init.headers;
    this.url = init.url;
    this.requestId = init.requestId;
    this.provider = init.provider;
    if (!init.rest) this.release(false);
  }

  /** The `content-type` header without parameters, lower-cased (`text/event-stream`). */
  get contentType(): string {
    return (this.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  }

  private release(cancel: boolean): void {
    if (this.released) return;
    this.released = true;
    this.init.attempt.finish(cancel, this.cancelled);
    this.init.attempt.call.dispose();
  }

  /**
   * The raw body, chunk by chunk. After {@link cancel}, the next read rejects with `AbortError` and
   * later ones end.
   *
   * Hand-written rather than an async generator (one promise per network read, where a generator's
   * `await` and `yield` cost several microtask turns), with a generator's behaviour: nothing happens
   * until the first `next()`; a `return()` or `throw()` while a read is in flight waits for it; when the
   * reader stops before the end, a body about to end anyway is finished (its keep-alive connection is
   * reused) and any other is closed.
   */
  body(): AsyncGenerator<Uint8Array, void, undefined> {
    const { head, rest, attempt } = this.init;
    let started = false;
    let done = false;
    let complete = !rest;
    let headIndex = 0;
    let inflight: Promise<unknown> | undefined;
    let closing: Promise<void> | undefined;

    // What a generator's `finally` did, once, however the body ends.
    const finish = async (): Promise<void> => {
      if (rest && !this.released) {
        // A reader that stops at its end signal (`[DONE]`, a final object) usually leaves only the
        // body's terminator unread: finishing it keeps the keep-alive connection for the next request.
        if (!complete && !attempt.signal.aborted) complete = await endsAtOnce(rest);
        this.release(!complete);
        if (!complete) await rest.return?.().catch(() => {});
      }
    };
    const end = (): Promise<void> => {
      done = true;
      closing ??= finish();
      return closing;
    };
    const fail = (error: unknown): Promise<never> => end().then(() => Promise.reject(error));
    const onRead = (
      r: IteratorResult<Uint8Array>,
    ): IteratorResult<Uint8Array, undefined> | Promise<IteratorResult<Uint8Array, undefined>> => {
      inflight = undefined;
      if (r.done) {
        complete = true;
        return end().then(() => BODY_END);
      }
      attempt.bytesReceived();
      return { done: false, value: r.value };
    };
    const onReadError = (error: unknown): Promise<never> => {
      inflight = undefined;
      return fail(attempt.classify(error, true));
    };
    // Closes the body as a generator's `return()` does (after a read in flight), then settles with `then`.
    const close = <R>(then: () => R | Promise<R>): Promise<R> => {
      const run = (): Promise<R> => {
        if (!started) {
          started = true;
          done = true;
        }
        return (done ? (closing ?? Promise.resolve()) : end()).then(then);
      };
      return inflight === undefined ? run() : inflight.then(run, run);
    };

    const iterator: AsyncGenerator<Uint8Array, void, undefined> = {
      next: (): Promise<IteratorResult<Uint8Array, undefined>> => {
        if (inflight !== undefined) {
          const again = () => iterator.next() as Promise<IteratorResult<Uint8Array, undefined>>;
          return inflight.then(again, again);
        }
        if (done) return Promise.resolve(BODY_END);
        if (!started) {
          started = true;
          // Before the generator's `try`: nothing to finish.
          if (this.cancelled) {
            done = true;
            return Promise.reject(this.cancelled);
          }
          if (this.consumed) {
            done = true;
            return Promise.reject(new Error('kakehashi: the response body was already read'));
          }
          this.consumed = true;
        } else if (this.cancelled) return fail(this.cancelled);
        if (headIndex < head.length) return Promise.resolve({ done: false, value: head[headIndex++]! });
        if (!rest) return end().then(() => BODY_END);
        const read = rest.next().then(onRead, onReadError);
        inflight = read;
        return read;
      },
      return: () => close(() => BODY_END),
      throw: (error: unknown) => close(() => Promise.reject(error)),
      [Symbol.asyncIterator]() {
        return iterator;
      },
      [Symbol.asyncDispose]: () => close(() => undefined),
    };
    return iterator;
  }

  /** The whole body as text (UTF-8). */
  async text(): Promise<string> {
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of this.body()) text += decoder.decode(chunk, { stream: true });
    return text + decoder.decode();
  }

  /** The whole body parsed as JSON; malformed JSON rejects with {@link ResponseDecodeError}. */
  async json<T = unknown>(): Promise<T> {
    const text = await this.text();
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new ResponseDecodeError('invalid-json', `Response from ${this.url} is not valid JSON`, {
        excerpt: text,
        cause,
      });
    }
  }

  /** The body decoded as Server-Sent Events. */
  sse(options?: SSEDecodeOptions): AsyncIterableIterator<SSEMessage> {
    return decodeSSE(this.body(), options);
  }

  /** The body decoded as Server-Sent Events whose data is JSON; `[DONE]` yields `{ done: true }`. */
  sseJson<T = unknown>(options?: SSEDecodeOptions): AsyncIterableIterator<SSEJsonMessage<T>> {
    return decodeSSEJson<T>(this.body(), options);
  }

  /** The body decoded as newline-delimited JSON. */
  ndjson<T = unknown>(options?: NDJSONDecodeOptions): AsyncIterableIterator<T> {
    return decodeNDJSON<T>(this.body(), options);
  }

  /**
   * Stops reading and closes the connection at once, whether or not the body is being read: the
   * server sees the connection close, a read waiting for the body rejects with `AbortError` (so does
   * the next read, if none was waiting), and reads after that end. Safe to call at any time and more
   * than once; a body already read to its end has nothing left to close.
   */
  async cancel(): Promise<void> {
    if (this.cancelled) return;
    this.cancelled = new AbortError(new Error('the response was cancelled'));
    const rest = this.init.rest;
    if (!rest || this.released) return;
    this.release(true);
    await rest.return?.().catch(() => {});
  }
}
