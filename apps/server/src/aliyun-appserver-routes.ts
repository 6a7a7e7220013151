import {
  APP_SERVER_BASE_PATH,
  APP_SERVER_ENDPOINTS,
  createAppServerHandler,
  type AppServerHandler,
} from '@kakehashi/aliyun-aiagent';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { ServerAppServerOptions } from './server-config';
import type { ServerMetrics } from './server-metrics';

/** Internal: what the AppServer mount needs from the server. */
export interface AppServerRouteContext {
  options: ServerAppServerOptions;
  /** The server's API keys: the default check accepts them (`Bearer <key>` or the bare key). */
  apiKeys: readonly string[];
  bodyLimitBytes: number;
  logger: Logger;
  metrics: ServerMetrics;
}

/**
 * Mounts the AICall AppServer endpoints (`POST` and `OPTIONS` `/api/v2/aiagent/getRtcAuthToken`,
 * `generateMessageChatToken`, `describeAIAgentInstance`), served by `@kakehashi/aliyun-aiagent`'s
 * web-standard handler. Callers are checked by `options.authorize` when given, else against the API
 * keys (HTTP 403 otherwise); with no keys configured every caller is accepted (loopback-only server).
 */
export function mountAppServerRoutes(app: Hono, ctx: AppServerRouteContext): void {
  const { authorize, onError, ...rest } = ctx.options;
  const handler: AppServerHandler = createAppServerHandler({
    ...rest,
    ...(authorize ? { authorize } : ctx.apiKeys.length > 0 ? { apiKeys: ctx.apiKeys } : { authorize: () => true }),
    basePath: APP_SERVER_BASE_PATH,
    maxBodyBytes: ctx.bodyLimitBytes,
    onError(error, context) {
      ctx.metrics.countProviderError('aliyun-ice', error);
      ctx.logger.warn({ err: error, endpoint: context.endpoint }, 'AppServer call failed');
      onError?.(error, context);
    },
  });
  for (const endpoint of APP_SERVER_ENDPOINTS) {
    app.on(['POST', 'OPTIONS'], `${APP_SERVER_BASE_PATH}/${endpoint}`, (c) => handler(c.req.raw));
  }
}
