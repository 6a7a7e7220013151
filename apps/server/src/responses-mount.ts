import {
  type ChatCompletionsTarget,
  type ConversationStore,
  createMemoryConversationStore,
  createResponsesHandler,
  type ResponsesHandler,
  type ResponsesHandlerOptions,
} from '@kakehashi/openai-compat';
import type { AgentDirectory } from '@kakehashi/platforms';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { chatMetricsHooks, gatewayDefaults } from './chat-completions-mount';
import type { ServerMetrics } from './server-metrics';

/** Internal: what the Responses mount needs from the server. */
export interface ResponsesMountContext {
  /** The chat handler's directory: the same agents answer both APIs. */
  directory: AgentDirectory;
  /** The server's `chat` options: the turn settings (`heartbeatMs`, `timeouts`, …) apply here too. */
  options: Readonly<Record<string, unknown>>;
  /**
   * The server's conversation store (SQLite or PostgreSQL; `undefined` when switched off): stored
   * responses go in its `response` namespace, history digests in `session`. Without one, responses
   * are kept in memory (they must be, for `previous_response_id`) and history is not recognised.
   */
  store: ConversationStore | undefined;
  /** How long a history stays continuable (the chat routes' setting). */
  conversationTtlMs: number;
  bodyLimitBytes: number;
  logger: Logger;
  metrics: ServerMetrics;
  maxRetryAfterMs: number;
  shutdownSignal: AbortSignal;
}

/** The turn settings of the server's `chat` options that the Responses handler shares. */
const SHARED_OPTIONS = [
  'heartbeatMs',
  'firstEventWaitMs',
  'timeouts',
  'maxRetries',
  'maxRetryAfterMs',
  'conversationTtlMs',
  'conversationScope',
] as const;

/**
 * Mounts `@kakehashi/openai-compat`'s Responses API handler at `POST /v1/responses` and
 * `GET /v1/responses/:id` (behind the `/v1/*` API-key check, which runs first), over the chat
 * routes' agent directory and the server's conversation store. On @hono/node-server, streamed
 * answers are written straight to the socket (`c.env`), as the chat route does.
 */
export function mountResponsesRoutes(app: Hono, ctx: ResponsesMountContext): ResponsesHandler {
  const shared: Record<string, unknown> = {};
  for (const key of SHARED_OPTIONS) if (ctx.options[key] !== undefined) shared[key] = ctx.options[key];
  const handler = createResponsesHandler({
    directory: ctx.directory,
    ...gatewayDefaults({ ...ctx, component: 'responses' }),
    metrics: chatMetricsHooks(ctx.metrics, 'responses'),
    store: ctx.store ?? createMemoryConversationStore(),
    conversations: ctx.store ?? false,
    conversationTtlMs: ctx.conversationTtlMs,
    ...(shared as ResponsesHandlerOptions),
  });
  app.post('/v1/responses', (c) => handler.create(c.req.raw, c.env as ChatCompletionsTarget | undefined));
  app.get('/v1/responses/:id', (c) => handler.get(c.req.raw, c.req.param('id')));
  return handler;
}
