import type { Hono } from 'hono';
import { jsonResponse } from './server-errors';
import type { ServerMetrics } from './server-metrics';
import { buildOpenApiDocument } from './server-openapi';

/** Internal: what the operations routes need. */
export interface OpsRouteContext {
  metrics: ServerMetrics;
  isShuttingDown: () => boolean;
  /** The public base URL once known (listed in the OpenAPI document). */
  publicUrl: () => string | undefined;
  version: string;
}

/** Mounts `GET /healthz`, `GET /metrics` (Prometheus) and `GET /openapi.json`. None needs an API key. */
export function mountOpsRoutes(app: Hono, ctx: OpsRouteContext): void {
  app.get('/healthz', () =>
    ctx.isShuttingDown()
      ? jsonResponse(503, { status: 'shutting-down' })
      : jsonResponse(200, { status: 'ok' }, { 'cache-control': 'no-store' }),
  );
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
