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
  return text.split(/\r\n|\r|\n/).map((line) => (line ? `: ${line}\n` : ':\n')).join('') + '\n';
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

/**
 * Turns events (or pre-encoded strings) into an SSE byte stream for a server response. Pull-based,
 * so backpressure reaches the source: the next event is only requested when the reader wants it.
 * Heartbeat comments are sent while the source is silent. Cancelling the stream returns the source
 * iterator, which stops its upstream request.
 */
export function createSSEStream(
  source: AsyncIterable<SSEOutgoingEvent | string>,
  options: SSEStreamOptions = {},
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const heartbeat = encoder.encode(encodeSSEComment(options.heartbeatComment ?? 'heartbeat'));
  const iterator = source[Symbol.asyncIterator]();
  let timer: ReturnType<typeof setInterval> | undefined;
  let lastSent = 0;
  let closed = false;

  const stopHeartbeat = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        lastSent = Date.now();
        if (heartbeatMs > 0) {
          timer = setInterval(() => {
            if (closed || Date.now() - lastSent < heartbeatMs) return;
            lastSent = Date.now();
            try {
              controller.enqueue(heartbeat);
            } catch {
              stopHeartbeat();
            }
          }, Math.max(10, Math.floor(heartbeatMs / 2)));
          timer.unref?.();
        }
      },
      async pull(controller) {
        try {
          const r = await iterator.next();
          if (closed) return;
          if (r.done) {
            closed = true;
            stopHeartbeat();
            controller.close();
            return;
          }
          lastSent = Date.now();
          controller.enqueue(encoder.encode(typeof r.value === 'string' ? r.value : encodeSSE(r.value)));
        } catch (error) {
          closed = true;
          stopHeartbeat();
          controller.error(error);
        }
      },
      async cancel(reason) {
        closed = true;
        stopHeartbeat();
        options.onCancel?.(reason);
        await iterator.return?.().catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
