import { encodeSSE, HeartbeatClock, type SSEOutgoingEvent, type SSEStreamOptions } from './sse-encoder';

/** `process.nextTick` on Node (and Bun, Deno); a microtask where there is no `process`. */
function nextTick(fn: () => void): void {
  const p = (globalThis as { process?: { nextTick?: (fn: () => void) => void } }).process;
  if (typeof p?.nextTick === 'function') p.nextTick(fn);
  else queueMicrotask(fn);
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
  const iterator = source[Symbol.asyncIterator]();
  let closed = false;
  let wake: (() => void) | undefined;
  const heartbeat = new HeartbeatClock(options, (comment) => {
    if (!closed && !target.writableNeedDrain) target.write(comment);
  });
  const onClose = () => {
    if (closed) return;
    closed = true;
    heartbeat.stop();
    wake?.();
    options.onCancel?.(new Error('the client closed the connection'));
    void iterator.return?.()?.catch(() => {});
  };
  const drained = () => {
    let onDrain!: () => void;
    return new Promise<void>((resolve) => {
      onDrain = resolve;
      wake = resolve;
      target.once('drain', resolve);
    }).finally(() => {
      wake = undefined;
      target.off('drain', onDrain);
    });
  };
  const settle = (outcome: SSEPipeOutcome): SSEPipeOutcome => {
    closed = true;
    heartbeat.stop();
    target.off('close', onClose);
    return outcome;
  };

  target.once('close', onClose);
  if (target.destroyed) onClose();

  // Events that arrive in the same tick (the events of one network read, passed on through promise
  // chains) are joined and written once, when the tick is over: one `write` per read, not per event.
  let pending = '';
  let flushQueued = false;
  let needDrain = false;
  const flush = () => {
    flushQueued = false;
    if (pending === '' || closed) return;
    const text = pending;
    pending = '';
    if (!target.write(text)) needDrain = true;
  };

  return (async () => {
    try {
      for (;;) {
        if (closed) return 'closed';
        if (needDrain) {
          needDrain = false;
          await drained();
          if (closed) return 'closed';
        }
        const r = await iterator.next();
        if (closed) return 'closed';
        if (r.done) {
          flush();
          settle('finished');
          target.end();
          return 'finished';
        }
        heartbeat.sent();
        pending += typeof r.value === 'string' ? r.value : encodeSSE(r.value);
        if (pending.length >= FLUSH_CHARS) flush();
        else if (!flushQueued) {
          flushQueued = true;
          nextTick(flush);
        }
      }
    } catch (error) {
      if (closed) return 'closed';
      settle('failed');
      target.destroy(error instanceof Error ? error : new Error(String(error)));
      return 'failed';
    }
  })();
}
