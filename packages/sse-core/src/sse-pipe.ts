import { encodeSSE, HeartbeatClock, type SSEOutgoingEvent, type SSEStreamOptions } from './sse-encoder';

/**
 * `process.nextTick(fn, arg)` on Node (and Bun, Deno); a microtask where there is no `process`. The
 * argument is passed along, so a caller needs no closure per call.
 */
function nextTick<A>(fn: (arg: A) => void, arg: A): void {
  const p = (globalThis as { process?: { nextTick?: <B>(fn: (arg: B) => void, arg: B) => void } }).process;
  if (typeof p?.nextTick === 'function') p.nextTick(fn, arg);
  else queueMicrotask(() => fn(arg));
}

/**
 * What {@link pipeSSE} writes to: the part of a Node `Writable` it uses. An `http.ServerResponse`
 * (or an `Http2ServerResponse`) fits as it is.
 */
export interface SSEWritable {
  /** Returns `false` when the caller should wait for `drain` (Node's backpressure signal). */
  write(chunk: string): boolean;
  end(): unknown;
  destroy(error?: Error): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
  /** True once the connection is gone (or the writable was destroyed). */
  readonly destroyed: boolean;
  /** True while the writable's buffer is over its high-water mark. */
  readonly writableNeedDrain?: boolean;
}

/** Joined text written at once when it reaches this size, so backpressure is checked at least this often. */
const FLUSH_CHARS = 16 * 1024;

/** How {@link pipeSSE} ended. */
export type SSEPipeOutcome =
  /** The source ended and the response was ended. */
  | 'finished'
  /** The writable closed first (the client went away): the source was returned. */
  | 'closed'
  /** The source threw: the writable was destroyed with the error. */
  | 'failed';

/**
 * Writes events (or pre-encoded strings) as SSE text straight to a Node writable, usually the
 * `http.ServerResponse` whose headers you already set: the same stream {@link createSSEStream} makes,
 * without a web `ReadableStream` in between (Node encodes the strings to UTF-8 as it writes them).
 *
 * - Events that arrive in the same tick (several in one network read) are joined into one `write`
 *   at the end of the tick (at once past 16 K characters).
 * - Backpressure: after a write the buffer is over its high-water mark, the next event is requested
 *   only after `drain`.
 * - Heartbeat comments go out while the source is silent (not while waiting for `drain`).
 * - The writable closing first (the client went away) returns the source iterator at once, even while
 *   it waits on a silent upstream, and calls `onCancel`.
 * - A source that throws destroys the writable with the error (the client sees a cut stream).
 *
 * Resolves (never rejects) when the stream is over, with how it ended.
 */
export function pipeSSE(
  source: AsyncIterable<SSEOutgoingEvent | string>,
  target: SSEWritable,
  options: SSEStreamOptions = {},
): Promise<SSEPipeOutcome> {
  return new SSEPipe(source[Symbol.asyncIterator](), target, options).run();
}

/**
 * One {@link pipeSSE} stream: a class, so an open stream holds one object, its `run` frame and one
 * closure (the writable's `close` listener, which `off` must be given again), not a closure per step.
 * The end-of-tick flush and the heartbeat's send are static methods given the pipe as their argument
 * (`nextTick(fn, pipe)`, the clock's context), so they allocate nothing per read or per stream.
 */
class SSEPipe {
  readonly #iterator: AsyncIterator<SSEOutgoingEvent | string>;
  readonly #target: SSEWritable;
  readonly #options: SSEStreamOptions;
  readonly #heartbeat: HeartbeatClock<SSEPipe>;
  readonly #onClose = (): void => this.#close();
  #closed = false;
  /** Resolves a pending wait for `drain` (the writable closed meanwhile). */
  #wake: (() => void) | undefined;
  // Events that arrive in the same tick (the events of one network read, passed on through promise
  // chains) are joined and written once, when the tick is over: one `write` per read, not per event.
  #pending = '';
  #flushQueued = false;
  #needDrain = false;

  constructor(iterator: AsyncIterator<SSEOutgoingEvent | string>, target: SSEWritable, options: SSEStreamOptions) {
    this.#iterator = iterator;
    this.#target = target;
    this.#options = options;
    this.#heartbeat = new HeartbeatClock<SSEPipe>(options, SSEPipe.#beat, this);
    target.once('close', this.#onClose);
    if (target.destroyed) this.#close();
  }

  async run(): Promise<SSEPipeOutcome> {
    try {
      for (;;) {
        if (this.#closed) return 'closed';
        if (this.#needDrain) {
          this.#needDrain = false;
          await this.#drained();
          if (this.#closed) return 'closed';
        }
        const r = await this.#iterator.next();
        if (this.#closed) return 'closed';
        if (r.done) {
          this.#flush();
          this.#settle();
          this.#target.end();
          return 'finished';
        }
        this.#heartbeat.sent();
        this.#pending += typeof r.value === 'string' ? r.value : encodeSSE(r.value);
        if (this.#pending.length >= FLUSH_CHARS) this.#flush();
        else if (!this.#flushQueued) {
          this.#flushQueued = true;
          nextTick(SSEPipe.#flushAtTickEnd, this);
        }
      }
    } catch (error) {
      if (this.#closed) return 'closed';
      this.#settle();
      this.#target.destroy(error instanceof Error ? error : new Error(String(error)));
      return 'failed';
    }
  }

  static #flushAtTickEnd(pipe: SSEPipe): void {
    pipe.#flush();
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#pending === '' || this.#closed) return;
    const text = this.#pending;
    this.#pending = '';
    if (!this.#target.write(text)) this.#needDrain = true;
  }

  static #beat(comment: string, pipe: SSEPipe): void {
    if (!pipe.#closed && !pipe.#target.writableNeedDrain) pipe.#target.write(comment);
  }

  /** The writable closed first (the client went away). */
  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#heartbeat.stop();
    this.#wake?.();
    this.#options.onCancel?.(new Error('the client closed the connection'));
    void this.#iterator.return?.()?.catch(() => {});
  }

  #drained(): Promise<void> {
    let onDrain!: () => void;
    return new Promise<void>((resolve) => {
      onDrain = resolve;
      this.#wake = resolve;
      this.#target.once('drain', resolve);
    }).finally(() => {
      this.#wake = undefined;
      this.#target.off('drain', onDrain);
    });
  }

  /** The stream is over on the pipe's side (finished or failed): no more heartbeats or close handling. */
  #settle(): void {
    this.#closed = true;
    this.#heartbeat.stop();
    this.#target.off('close', this.#onClose);
  }
}
