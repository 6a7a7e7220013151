import {
  type ChatCompletionsHandler,
  type ChatCompletionsHandlerOptions,
  type ChatCompletionsMetrics,
  type ChatCompletionsTarget,
  type ConversationStore,
  createChatCompletionsHandler,
} from '@kakehashi/openai-compat';
import type { PlatformRegistry } from '@kakehashi/platforms';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { playgroundResponse } from './playground-page';
import { requestIdOf } from './server-instrumentation';
import type { ServerMetrics } from './server-metrics';

/** Internal: what the chat mount needs from the server. */
export interface ChatMountContext {
  /** The server's `chat` options, handed to the handler as given (`provide`, platform names, `models`, `heartbeatMs`, …). */
  options: Readonly<Record<string, unknown>>;
  platforms: PlatformRegistry;
  env: Readonly<Record<string, string | undefined>> | undefined;
  bodyLimitBytes: number;
  logger: Logger;
  metrics: ServerMetrics;
  /** The server's conversation store (digests → platform sessions), or `false` when switched off. */
  conversations: ConversationStore | false;
  /** How long a finished turn stays continuable, in ms. */
  conversationTtlMs: number;
  /** Longest upstream `Retry-After` waited out behind a caller, in ms (a longer one is answered at once). */
  maxRetryAfterMs: number;
  /** Aborts at the shutdown deadline: open turns end (streams with a final error event). */
  shutdownSignal: AbortSignal;
}

/** The server's own settings for both OpenAI doors (the `chat` options given win over them). */
export function gatewayDefaults(ctx: {
  logger: Logger;
  component: string;
  bodyLimitBytes: number;
  maxRetryAfterMs: number;
  shutdownSignal: AbortSignal;
}) {
  return {
    maxBodyBytes: ctx.bodyLimitBytes,
    logger: ctx.logger.child({ component: ctx.component }),
    maxRetryAfterMs: ctx.maxRetryAfterMs,
    requestId: requestIdOf,
    shutdownSignal: ctx.shutdownSignal,
  };
}

/**
 * Failure kinds of the OpenAI doors that are not the provider's: the caller's own mistakes, a caller
 * that went away, and the server's own shutdown.
 */
const NOT_PROVIDER_KINDS = new Set(['invalid_request', 'model_not_found', 'client_closed', 'server_shutting_down']);

/**
 * The OpenAI doors' metric hooks, recorded into the server's Prometheus metrics: turns in progress,
 * time to the first upstream event (`operation`: `chat` or `responses`), and provider failures by
 * kind (the caller's own mistakes and disconnects are left to `kakehashi_http_requests_total`).
 */
export function chatMetricsHooks(metrics: ServerMetrics, operation = 'chat'): ChatCompletionsMetrics {
  return {
    streamOpened: (platform) => metrics.upstreamTurns.inc({ provider: platform }),
    streamClosed: (platform) => metrics.upstreamTurns.dec({ provider: platform }),
    upstreamLatency: (platform, ms) => metrics.observeUpstream(platform, operation, ms / 1000),
    error: (platform, kind) => {
      if (!NOT_PROVIDER_KINDS.has(kind)) metrics.countProviderError(platform, kind);
    },
  };
}

/**
 * The one place the chat routes are mounted: `@kakehashi/openai-compat`'s handler at
 * `POST /v1/chat/completions` and `GET /v1/models` (behind the `/v1/*` API-key check, which runs
 * first), and the playground at `GET /`. Returns the handler (its directory serves other doors).
 */
export function mountChatRoutes(app: Hono, ctx: ChatMountContext): ChatCompletionsHandler {
  const handler = createChatCompletionsHandler({
    ...gatewayDefaults({ ...ctx, component: 'chat-completions' }),
    ...(ctx.env ? { env: { ...ctx.env } } : {}),
    metrics: chatMetricsHooks(ctx.metrics),
    conversations: ctx.conversations,
    conversationTtlMs: ctx.conversationTtlMs,
    ...(ctx.options as ChatCompletionsHandlerOptions),
    platforms: ctx.platforms,
  });
  // On @hono/node-server, `c.env` carries the ServerResponse: streamed answers are written to it directly.
  app.post('/v1/chat/completions', (c) => handler.completions(c.req.raw, c.env as ChatCompletionsTarget | undefined));
  app.get('/v1/models', (c) => handler.models(c.req.raw));
  app.get('/', () => playgroundResponse());
  return handler;
}
