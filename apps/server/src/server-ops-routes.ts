import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { jsonResponse } from './server-errors';
import type { ServerMetrics } from './server-metrics';
import { buildOpenApiDocument } from './server-openapi';
import { StoreUnavailableError } from './store-errors';

/** Internal: what the operations routes need. */
export interface OpsRouteContext {
  metrics: ServerMetrics;
  isShuttingDown: () => boolean;
  /** Resolves when the store can write now (cached briefly); rejects with why not. */
  storeReady: () => Promise<void>;
  logger: Logger;
  /** The public base URL once known (listed in the OpenAPI document). */
  publicUrl: () => string | undefined;
  version: string;
}

/** How long one store check answers `/healthz`, so frequent probes cost one write a second at most. */
export const READINESS_CACHE_MS = 1000;

/**
 * Internal: `check` run at most once per {@link READINESS_CACHE_MS} (concurrent callers share one
 * run); its outcome, success or failure, is answered until then.
 */
export function readinessCheck(check: () => Promise<void>): () => Promise<void> {
  let last: { at: number; result: Promise<void> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= READINESS_CACHE_MS) {
      const result = check();
      result.catch(() => {});
      last = { at: now, result };
      // Measured from the answer, not the start, so a slow check is not run back to back.
      result.then(
        () => {
          if (last?.result === result) last.at = Date.now();
        },
        () => {
          if (last?.result === result) last.at = Date.now();
        },
      );
    }
    return last.result;
  };
}

/**
 * Mounts `GET /healthz` (readiness: the store takes a write and the server is not shutting down),
 * `GET /healthz/live` (liveness: 200 while the process serves; touches no store), `GET /metrics`
 * (Prometheus) and `GET /openapi.json`. None needs an API key.
 */
export function mountOpsRoutes(app: Hono, ctx: OpsRouteContext): void {
  const noStore = { 'cache-control': 'no-store' };
  app.get('/healthz/live', () => jsonResponse(200, { status: 'ok' }, noStore));
  app.get('/healthz', async () => {
    if (ctx.isShuttingDown()) return jsonResponse(503, { status: 'shutting-down' }, noStore);
    try {
      await ctx.storeReady();
      return jsonResponse(200, { status: 'ok' }, noStore);
    } catch (error) {
      const store = StoreUnavailableError.isInstance(error) ? error.store : 'unknown';
      ctx.logger.warn({ err: error, store }, 'health check: the store cannot write');
      ctx.metrics.storeFailures.inc({ store, operation: 'check' });
      const reason = error instanceof Error ? error.message : String(error);
      return jsonResponse(503, { status: 'unavailable', store, error: reason }, noStore);
    }
  });
  app.get('/metrics', async () => {
    const text = await ctx.metrics.registry.metrics();
    return new Response(text, {
      status: 200,
      headers: { 'content-type': ctx.metrics.registry.contentType, 'cache-control': 'no-store' },
    });
  });
  app.get('/openapi.json', () => {
    const serverUrl = ctx.publicUrl();
    return jsonResponse(200, buildOpenApiDocument({ version: ctx.version, ...(serverUrl ? { serverUrl } : {}) }));
  });
}
