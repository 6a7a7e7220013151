import { randomUUID } from 'node:crypto';
import { OutgoingMessage, type ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from 'pino';
import type { ServerMetrics } from './server-metrics';

/** Internal: what the instrumentation middleware needs. */
export interface InstrumentationContext {
  logger: Logger;
  metrics: ServerMetrics;
  isShuttingDown: () => boolean;
}

/** The header of @hono/node-server's `RESPONSE_ALREADY_SENT`: the route wrote the answer itself. */
const ALREADY_SENT_HEADER = 'x-hono-already-sent';
const QUIET_ROUTES = new Set(['/healthz', '/metrics']);
const REQUEST_ID = /^[\w.:@-]{1,128}$/;

/** The route pattern that answered (`/v1/agent-groups/:groupId`), or `unmatched`: a bounded label set. */
export function routeLabel(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i]!;
    if (route.method !== 'ALL') return route.path;
  }
  return 'unmatched';
}

/** Passes a stream through, calling `done` once when it ends, fails or is cancelled. */
function trackStream(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let finished = false;
  const finish = () => {
    if (!finished) {
      finished = true;
      done();
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: end, value } = await reader.read();
        if (end) {
          finish();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        finish();
        controller.error(error);
      }
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  });
}

/** The Node response behind a request on @hono/node-server (`c.env.outgoing`), when there is one. */
function nodeResponse(c: Context): ServerResponse | undefined {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  return outgoing instanceof OutgoingMessage ? (outgoing as ServerResponse) : undefined;
}

function isEventStream(contentType: unknown): boolean {
  return typeof contentType === 'string' && contentType.startsWith('text/event-stream');
}

/**
 * One middleware for operations: a request id (`x-request-id`, taken from the caller when sane), one
 * JSON log line per request (never headers or bodies), `kakehashi_http_requests_total` and the
 * duration histogram by route pattern, the `kakehashi_active_streams` gauge for `text/event-stream`
 * responses, and `Connection: close` while shutting down.
 *
 * A route may write its answer straight to Node's response and return @hono/node-server's
 * `RESPONSE_ALREADY_SENT` (the chat gateway's streams do). For those, the headers are put on the
 * Node response before the route runs, and the stream is counted until that response closes.
 */
export function instrumentationMiddleware(ctx: InstrumentationContext): MiddlewareHandler {
  // The access line's fields are fixed and never secret (a validated request id, method, path, route
  // pattern, status, time), so it skips the key-path redaction pino would otherwise run on every line.
  const accessLog = ctx.logger.child({}, { redact: [] });
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
    const outgoing = nodeResponse(c);
    if (outgoing !== undefined && !outgoing.headersSent) {
      outgoing.setHeader('x-request-id', requestId);
      if (ctx.isShuttingDown()) outgoing.setHeader('connection', 'close');
    }
    await next();
    const route = routeLabel(c);
    const method = c.req.method;
    const status = c.res.status;
    const seconds = (performance.now() - started) / 1000;
    ctx.metrics.httpRequests.inc({ method, route, status: String(status) });
    ctx.metrics.httpDuration.observe({ method, route }, seconds);
    const fields = { reqId: requestId, method, path: c.req.path, route, status, ms: Math.round(seconds * 1000) };
    if (QUIET_ROUTES.has(route)) accessLog.debug(fields, 'request');
    else accessLog.info(fields, 'request');

    const streamStarted = performance.now();
    const streamClosed = () => {
      ctx.metrics.activeStreams.dec({ route });
      ctx.logger.debug({ reqId: requestId, route, ms: Math.round(performance.now() - streamStarted) }, 'stream closed');
    };
    if (c.res.headers.has(ALREADY_SENT_HEADER)) {
      // Written by the route itself: count the stream until Node's response closes.
      if (outgoing !== undefined && isEventStream(outgoing.getHeader('content-type')) && !outgoing.closed) {
        ctx.metrics.activeStreams.inc({ route });
        outgoing.once('close', streamClosed);
      }
      return;
    }
    try {
      c.header('x-request-id', requestId);
      if (ctx.isShuttingDown()) c.header('connection', 'close');
    } catch {
      // A handler returned a Response with immutable headers (a proxied fetch): leave them as they are.
    }
    const body = c.res.body;
    if (body !== null && isEventStream(c.res.headers.get('content-type'))) {
      ctx.metrics.activeStreams.inc({ route });
      const res = c.res;
      c.res = undefined;
      c.res = new Response(trackStream(body, streamClosed), res);
    }
  };
}
