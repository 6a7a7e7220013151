/** An event to send to a Server-Sent Events client. */
export interface SSEOutgoingEvent {
  event?: string;
  id?: string;
  /** Text is sent as is (split into `data:` lines at newlines); anything else is JSON-encoded. */
  data: unknown;
  /** Reconnection delay to advertise, in ms. */
  retry?: number;
}

/** Encodes one event as SSE text, ending with the blank line. */
export function encodeSSE(event: SSEOutgoingEvent): string {
  let out = '';
  if (event.event !== undefined) out += `event: ${stripNewlines(event.event)}\n`;
  if (event.id !== undefined) out += `id: ${stripNewlines(event.id)}\n`;
  if (event.retry !== undefined) out += `retry: ${Math.max(0, Math.floor(event.retry))}\n`;
  const data = typeof event.data === 'string' ? event.data : JSON.stringify(event.data);
  if (data.includes('\n') || data.includes('\r')) {
    for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  } else {
    out += `data: ${data}\n`;
  }
  return `${out}\n`;
}

/** Encodes a comment line (`: text`), which clients ignore: used for heartbeats. */
export function encodeSSEComment(text = ''): string {
  return `${text
    .split(/\r\n|\r|\n/)
    .map((line) => (line ? `: ${line}\n` : ':\n'))
    .join('')}\n`;
}

function stripNewlines(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}

export interface SSEStreamOptions {
  /** Send a `: heartbeat` comment whenever nothing was sent for this long. Default 15,000 ms; 0 switches heartbeats off. */
  heartbeatMs?: number;
  /** The comment text of a heartbeat. Default `heartbeat`. */
  heartbeatComment?: string;
  /** Called when the reader cancels (the client went away): stop the upstream work. */
  onCancel?: (reason: unknown) => void;
}

/** The default heartbeat comment, encoded once. */
let defaultHeartbeat: string | undefined;

/**
 * The heartbeat of an outgoing SSE stream: calls `send(comment, context)` whenever nothing was sent
 * for `heartbeatMs` (checked every half period, so a heartbeat goes out between 1 and 1.5 periods
 * after the last write). `heartbeatMs: 0` switches it off. The timer is unref'd: it never keeps a
 * process alive on its own. The timer's callback is one function for all clocks (the clock is its
 * argument), and `context` lets a caller pass a plain function rather than a closure over itself.
 * Internal: shared by `createSSEStream` and `pipeSSE`.
 */
export class HeartbeatClock<C = undefined> {
  readonly #comment: string;
  readonly #heartbeatMs: number;
  readonly #send: (comment: string, context: C) => void;
  readonly #context: C;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastSent = Date.now();

  constructor(
    options: Pick<SSEStreamOptions, 'heartbeatMs' | 'heartbeatComment'>,
    send: (comment: string, context: C) => void,
    context: C,
  ) {
    const heartbeatMs = options.heartbeatMs ?? 15_000;
    defaultHeartbeat ??= encodeSSEComment('heartbeat');
    this.#comment =
      options.heartbeatComment === undefined ? defaultHeartbeat : encodeSSEComment(options.heartbeatComment);
    this.#heartbeatMs = heartbeatMs;
    this.#send = send;
    this.#context = context;
    if (heartbeatMs <= 0) return;
    this.#timer = setInterval(HeartbeatClock.#tick, Math.max(10, Math.floor(heartbeatMs / 2)), this);
    this.#timer.unref?.();
  }

  static #tick<D>(clock: HeartbeatClock<D>): void {
    if (Date.now() - clock.#lastSent < clock.#heartbeatMs) return;
    clock.#lastSent = Date.now();
    clock.#send(clock.#comment, clock.#context);
  }

  /** Something was sent: the silence starts again. */
  sent(): void {
    this.#lastSent = Date.now();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * Turns events (or pre-encoded strings) into an SSE byte stream for a server response. Pull-based,
 * so backpressure reaches the source: the next event is only requested when the reader wants it.
 * Heartbeat comments are sent while the source is silent. Cancelling the stream returns the source
 * iterator, which stops its upstream request. On Node, {@link pipeSSE} writes the same text straight
 * to an `http.ServerResponse`, skipping the web stream.
 */
export function createSSEStream(
  source: AsyncIterable<SSEOutgoingEvent | string>,
  options: SSEStreamOptions = {},
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = source[Symbol.asyncIterator]();
  let closed = false;
  let heartbeat: HeartbeatClock | undefined;

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        heartbeat = new HeartbeatClock(
          options,
          (comment) => {
            try {
              controller.enqueue(encoder.encode(comment));
            } catch {
              heartbeat?.stop();
            }
          },
          undefined,
        );
      },
      async pull(controller) {
        try {
          const r = await iterator.next();
          if (closed) return;
          if (r.done) {
            closed = true;
            heartbeat?.stop();
            controller.close();
            return;
          }
          heartbeat?.sent();
          controller.enqueue(encoder.encode(typeof r.value === 'string' ? r.value : encodeSSE(r.value)));
        } catch (error) {
          closed = true;
          heartbeat?.stop();
          controller.error(error);
        }
      },
      async cancel(reason) {
        closed = true;
        heartbeat?.stop();
        options.onCancel?.(reason);
        await iterator.return?.().catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
