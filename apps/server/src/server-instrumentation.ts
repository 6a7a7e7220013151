import { randomUUID } from 'node:crypto';
import { OutgoingMessage, type ServerResponse } from 'node:http';
import { CLIENT_CLOSED_STATUS } from '@kakehashi/openai-compat';
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
const requestIds = new WeakMap<Request, string>();

/**
 * The `x-request-id` the instrumentation gave a request (the caller's, when sane, or a fresh one):
 * the chat and Responses handlers quote it in error messages, so a caller can name a failure.
 */
export function requestIdOf(request: Request): string | undefined {
  return requestIds.get(request);
}

/** The route pattern that answered (`/v1/agent-groups/:groupId`), or `unmatched`: a bounded label set. */
export function routeLabel(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i]!;
    if (route.method !== 'ALL') return route.path;
  }
  return 'unmatched';
}

/** Passes a stream through, calling `done` once when it ends, fails or is cancelled (`cancelled` true: the reader left). */
function trackStream(body: ReadableStream<Uint8Array>, done: (cancelled: boolean) => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let finished = false;
  const finish = (cancelled = false) => {
    if (!finished) {
      finished = true;
      done(cancelled);
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
      finish(true);
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
 * responses, and `Connection: close` while shutting down. A caller that went away is its own outcome:
 * before its answer, status 499 (`outcome: client_closed`) in the log line and the counter; in the
 * middle of a stream, a `stream closed` line with `outcome: client_closed`; both also counted in
 * `kakehashi_client_disconnects_total{route, phase}`.
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
    requestIds.set(c.req.raw, requestId);
    const outgoing = nodeResponse(c);
    if (outgoing !== undefined && !outgoing.headersSent) {
      outgoing.setHeader('x-request-id', requestId);
      if (ctx.isShuttingDown()) outgoing.setHeader('connection', 'close');
    }
    await next();
    const route = routeLabel(c);
    const method = c.req.method;
    const alreadySent = c.res.headers.has(ALREADY_SENT_HEADER);
    // The caller went away before its answer (the route's own status, if any, was never read).
    const left = !alreadySent && (c.res.status === CLIENT_CLOSED_STATUS || c.req.raw.signal.aborted);
    const status = left ? CLIENT_CLOSED_STATUS : alreadySent && outgoing ? outgoing.statusCode : c.res.status;
    const seconds = (performance.now() - started) / 1000;
    ctx.metrics.httpRequests.inc({ method, route, status: String(status) });
    ctx.metrics.httpDuration.observe({ method, route }, seconds);
    const fields = { reqId: requestId, method, path: c.req.path, route, status, ms: Math.round(seconds * 1000) };
    if (left) {
      ctx.metrics.clientDisconnects.inc({ route, phase: 'before_answer' });
      accessLog.info({ ...fields, outcome: 'client_closed' }, 'request');
    } else if (QUIET_ROUTES.has(route)) accessLog.debug(fields, 'request');
    else accessLog.info(fields, 'request');

    const streamStarted = performance.now();
    const streamClosed = (cancelled: boolean) => {
      ctx.metrics.activeStreams.dec({ route });
      const closed = { reqId: requestId, route, ms: Math.round(performance.now() - streamStarted) };
      if (cancelled) {
        ctx.metrics.clientDisconnects.inc({ route, phase: 'mid_stream' });
        accessLog.info({ ...closed, outcome: 'client_closed' }, 'stream closed');
      } else ctx.logger.debug(closed, 'stream closed');
    };
    if (alreadySent) {
      // Written by the route itself: count the stream until Node's response closes (before its end: the caller left).
      if (outgoing !== undefined && isEventStream(outgoing.getHeader('content-type')) && !outgoing.closed) {
        ctx.metrics.activeStreams.inc({ route });
        outgoing.once('close', () => streamClosed(!outgoing.writableFinished));
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
