import { randomUUID } from 'node:crypto';
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

/**
 * One middleware for operations: a request id (`x-request-id`, taken from the caller when sane), one
 * JSON log line per request (never headers or bodies), `kakehashi_http_requests_total` and the
 * duration histogram by route pattern, the `kakehashi_active_streams` gauge for `text/event-stream`
 * responses, and `Connection: close` while shutting down.
 */
export function instrumentationMiddleware(ctx: InstrumentationContext): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
    await next();
    const route = routeLabel(c);
    const method = c.req.method;
    const status = c.res.status;
    const seconds = (performance.now() - started) / 1000;
    ctx.metrics.httpRequests.inc({ method, route, status: String(status) });
    ctx.metrics.httpDuration.observe({ method, route }, seconds);
    try {
      c.header('x-request-id', requestId);
      if (ctx.isShuttingDown()) c.header('connection', 'close');
    } catch {
      // A handler returned a Response with immutable headers (a proxied fetch): leave them as they are.
    }
    const fields = { reqId: requestId, method, path: c.req.path, route, status, ms: Math.round(seconds * 1000) };
    if (QUIET_ROUTES.has(route)) ctx.logger.debug(fields, 'request');
    else ctx.logger.info(fields, 'request');

    const body = c.res.body;
    if (body !== null && (c.res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      ctx.metrics.activeStreams.inc({ route });
      const streamStarted = performance.now();
      const res = c.res;
      c.res = undefined;
      c.res = new Response(
        trackStream(body, () => {
          ctx.metrics.activeStreams.dec({ route });
          ctx.logger.debug({ reqId: requestId, route, ms: Math.round(performance.now() - streamStarted) }, 'stream closed');
        }),
        res,
      );
    }
  };
}
