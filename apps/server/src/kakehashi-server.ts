import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createMiibo, type MiiboProvider } from '@kakehashi/miibo';
import { type AgentDirectory, defaultPlatforms, type PlatformRegistry } from '@kakehashi/platforms';
import { CLIENT_CLOSED_STATUS, type ConversationStore, createMemoryConversationStore } from '@kakehashi/openai-compat';
import { registerSecret } from '@kakehashi/sse-core';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { AGENT_GROUP_PATHS, mountAgentGroupRoutes } from './agent-group-routes';
import type { AgentGroupStore } from './agent-group-store';
import { isAgentGroupStore, openAgentGroupStore } from './agent-group-store-open';
import { mountAppServerRoutes } from './aliyun-appserver-routes';
import { mountChatRoutes } from './chat-completions-mount';
import {
  type ConversationStoreLocation,
  deferredConversationStore,
  lazyStore,
  openConversationStore,
} from './conversation-store-open';
import { mountMcpRoutes } from './mcp-mount';
import { mountResponsesRoutes } from './responses-mount';
import { apiKeyMiddleware } from './server-auth';
import { browserGuardMiddleware, configuredOrigins } from './server-browser-guard';
import { bodyLimitMiddleware } from './server-body-limit';
import {
  bindHost,
  DEFAULT_AGENT_GROUP_MAX_WAIT_SECONDS,
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_CONVERSATION_TTL_SECONDS,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_MAX_RETRY_AFTER_SECONDS,
  DEFAULT_SHUTDOWN_DRAIN_MS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  defaultSqlitePath,
  isLoopbackHost,
  ServerConfigError,
  SERVER_ENV,
  urlHost,
  type KakehashiServerConfig,
} from './server-config';
import { errorResponse } from './server-errors';
import { instrumentationMiddleware } from './server-instrumentation';
import { createServerLogger } from './server-logger';
import { createServerMetrics, type ServerMetrics } from './server-metrics';
import { StoreUnavailableError } from './store-errors';
import { mountOpsRoutes, readinessCheck } from './server-ops-routes';

/** Where a listening server is. */
export interface ListeningAddress {
  /** `http://HOST:PORT`, as printed by the binary. */
  url: string;
  host: string;
  port: number;
}

/** A kakehashi server: the Hono app (usable in-process) and its Node HTTP listener. */
export interface KakehashiServer {
  /** The Hono app: add routes, or call `app.request()` in tests. */
  readonly app: Hono;
  /** The web-standard handler (`Request` → `Response`), for any runtime or framework. */
  readonly fetch: (request: Request) => Promise<Response>;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  /** The chat platforms' agents the gateway speaks to (configured state, models, one agent per platform). */
  readonly directory: AgentDirectory;
  /** The secret the result webhook checks (`X-Kakehashi-Webhook-Secret`). */
  readonly webhookSecret: string;
  /** The agent group result webhook URL handed to miibo. */
  readonly webhookUrl: string;
  /** True once `close()` has been called. */
  readonly shuttingDown: boolean;
  /** The agent group store (opened on first use). */
  store(): Promise<AgentGroupStore>;
  /**
   * Where the OpenAI doors keep conversation digests → platform sessions (and stored responses):
   * the server's durable store (SQLite or PostgreSQL), usable at once; `undefined` when switched off.
   */
  readonly conversations: ConversationStore | undefined;
  /** How long a finished turn stays continuable from its history, in ms. */
  readonly conversationTtlMs: number;
  /**
   * Opens the stores and binds `host:port`. Resolves when ready to serve. Rejects with
   * `ServerConfigError` for a path that cannot hold a database; a store that is unavailable right now
   * (database down, file locked) is logged and opened again on next use (`/healthz` answers 503).
   */
  listen(): Promise<ListeningAddress>;
  /**
   * Graceful shutdown. First `/healthz` answers 503 (`shutting-down`), long polls are answered at
   * once and responses carry `Connection: close`, while connections are still accepted for the
   * drain (`shutdownDrainMs`), so a load balancer takes the instance out. Then it stops accepting,
   * lets open requests (streams) finish for up to `deadlineMs` (default `shutdownTimeoutMs`), ends
   * every OpenAI stream still open with its protocol's final error event (`server_shutting_down`;
   * a whole answer still waiting gets 503), cuts what is left and closes the stores. Idempotent.
   */
  close(deadlineMs?: number): Promise<void>;
}

/** How long streams get, once ended at the shutdown deadline, to write their final error event. */
const FINAL_EVENT_GRACE_MS = 1_000;

function readVersion(): string {
  try {
    return (
      (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version ??
      '0.0.0'
    );
  } catch {
    return '0.0.0';
  }
}

function isLogger(value: unknown): value is Logger {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Logger).child === 'function' &&
    typeof (value as Logger).info === 'function'
  );
}

function isMiiboProvider(value: unknown): value is MiiboProvider {
  return typeof value === 'object' && value !== null && typeof (value as MiiboProvider).startAgentGroup === 'function';
}

function isRegistry(value: unknown): value is PlatformRegistry {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as PlatformRegistry).names) &&
    typeof (value as PlatformRegistry).get === 'function' &&
    typeof (value as PlatformRegistry).has === 'function'
  );
}

function positiveInteger(value: unknown, setting: string, min: number, max: number): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)) {
    throw new ServerConfigError(setting, `${setting} must be an integer from ${min} to ${max}`);
  }
}

function checkConfig(config: KakehashiServerConfig): void {
  if (typeof config !== 'object' || config === null) throw new ServerConfigError('config', 'config must be an object');
  if (config.host !== undefined && (typeof config.host !== 'string' || config.host.trim() === ''))
    throw new ServerConfigError('host', 'host must be a non-empty string');
  positiveInteger(config.port, 'port', 0, 65_535);
  positiveInteger(config.bodyLimitBytes, 'bodyLimitBytes', 1, Number.MAX_SAFE_INTEGER);
  positiveInteger(config.shutdownTimeoutMs, 'shutdownTimeoutMs', 0, 3_600_000);
  positiveInteger(config.shutdownDrainMs, 'shutdownDrainMs', 0, 3_600_000);
  positiveInteger(config.maxRetryAfterSeconds, 'maxRetryAfterSeconds', 0, 3600);
  positiveInteger(config.conversationTtlSeconds, 'conversationTtlSeconds', 1, 31_536_000);
  const conversations = config.conversations as unknown;
  if (
    conversations !== undefined &&
    conversations !== false &&
    (typeof conversations !== 'object' ||
      conversations === null ||
      typeof (conversations as ConversationStore).get !== 'function' ||
      typeof (conversations as ConversationStore).put !== 'function')
  ) {
    throw new ServerConfigError('conversations', 'conversations must be a ConversationStore (get and put) or false');
  }
  if (
    config.agentGroupMaxWaitSeconds !== undefined &&
    (typeof config.agentGroupMaxWaitSeconds !== 'number' || !(config.agentGroupMaxWaitSeconds >= 0))
  ) {
    throw new ServerConfigError(
      'agentGroupMaxWaitSeconds',
      'agentGroupMaxWaitSeconds must be a number of seconds, 0 or more',
    );
  }
  if (
    config.apiKeys !== undefined &&
    (!Array.isArray(config.apiKeys) || config.apiKeys.some((k) => typeof k !== 'string' || k.trim() === ''))
  ) {
    throw new ServerConfigError('apiKeys', 'apiKeys must be an array of non-empty strings');
  }
  if (config.platforms !== undefined && !isRegistry(config.platforms)) {
    throw new ServerConfigError(
      'platforms',
      'platforms must be a platform registry (defaultPlatforms, defaultPlatforms.with(…) or createPlatformRegistry(…))',
    );
  }
  if (config.chat !== undefined && (typeof config.chat !== 'object' || config.chat === null))
    throw new ServerConfigError('chat', 'chat must be an object of chat gateway options');
  for (const key of ['platforms', 'directory'] as const) {
    if (config.chat?.[key] !== undefined)
      throw new ServerConfigError(`chat.${key}`, `chat.${key} is the server's to set: use the "platforms" option`);
  }
  for (const key of ['webhookSecret', 'webhookHmacSecret', 'publicUrl'] as const) {
    const value = config[key];
    if (value !== undefined && (typeof value !== 'string' || value === ''))
      throw new ServerConfigError(key, `${key} must be a non-empty string`);
  }
}

/**
 * Creates the kakehashi server: the OpenAI-compatible chat gateway (`@kakehashi/openai-compat` over
 * the platforms in `config.platforms`), the AICall AppServer endpoints,
 * miibo agent groups with durable results, and the operations routes (`/healthz`, `/healthz/live`,
 * `/metrics`, `/openapi.json`), on Hono. Nothing is bound until `listen()`; the stores open on
 * first use (or in `listen()`).
 *
 * @throws ServerConfigError for a bad option, or when no `apiKeys` are set and `host` is not loopback.
 */
export function createKakehashiServer(config: KakehashiServerConfig = {}): KakehashiServer {
  checkConfig(config);
  const host = bindHost(config.host ?? DEFAULT_HOST);
  const apiKeys = (config.apiKeys ?? []).map((k) => k.trim());
  if (apiKeys.length === 0 && !isLoopbackHost(host)) {
    throw new ServerConfigError(
      SERVER_ENV.apiKeys,
      `refusing to listen on ${host} without ${SERVER_ENV.apiKeys}: every caller would be accepted. ` +
        `Set ${SERVER_ENV.apiKeys} (comma-separated keys callers send as "Authorization: Bearer <key>"), or bind a loopback ${SERVER_ENV.host} such as 127.0.0.1.`,
    );
  }
  const allowedOrigin = configuredOrigins(config.appServer?.cors, apiKeys.length === 0);
  const bodyLimitBytes = config.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const env = config.env;
  const logger =
    config.logger === false
      ? pino({ level: 'silent' })
      : isLogger(config.logger)
        ? config.logger
        : createServerLogger(config.logger ?? {});
  const metrics = config.metrics ?? createServerMetrics();
  const webhookSecret = config.webhookSecret ?? randomBytes(32).toString('base64url');
  registerSecret(webhookSecret);
  if (config.webhookHmacSecret) registerSecret(config.webhookHmacSecret);
  const miibo: MiiboProvider = isMiiboProvider(config.miibo)
    ? config.miibo
    : createMiibo({ ...config.miibo, ...(env && !config.miibo?.env ? { env: { ...env } } : {}) });
  const version = readVersion();

  let address: ListeningAddress | undefined;
  const publicUrl = () =>
    config.publicUrl?.replace(/\/+$/, '') ?? `http://${urlHost(host)}:${address?.port ?? config.port ?? DEFAULT_PORT}`;

  // Stores open on first use: routes that need none (GET /v1/models, /healthz/live, /metrics,
  // /openapi.json) never touch the disk. listen() opens them at once, so a bad path fails the start.
  const storeConfig = config.store ?? { sqlitePath: defaultSqlitePath(env ?? process.env) };
  const agentGroups = lazyStore(isAgentGroupStore(storeConfig) ? storeConfig.kind : 'sqlite', () =>
    openAgentGroupStore(storeConfig, logger),
  );
  // Conversations live beside the agent groups (same SQLite file, or the same PostgreSQL database).
  const conversationLocation: ConversationStoreLocation | undefined = isAgentGroupStore(storeConfig)
    ? undefined
    : storeConfig.databaseUrl
      ? { databaseUrl: storeConfig.databaseUrl }
      : { sqlitePath: storeConfig.sqlitePath ?? defaultSqlitePath(env ?? process.env) };
  const ownConversations =
    config.conversations === undefined && conversationLocation
      ? lazyStore('databaseUrl' in conversationLocation ? 'postgres' : 'sqlite', () =>
          openConversationStore(conversationLocation, { logger }),
        )
      : undefined;
  const conversations: ConversationStore | undefined =
    config.conversations === false
      ? undefined
      : (config.conversations ??
        (ownConversations ? deferredConversationStore(ownConversations.get) : createMemoryConversationStore()));
  const storeReadiness = readinessCheck(async () => {
    const store = await agentGroups.get();
    // A store of your own written before check() existed is taken as writable.
    if (typeof store.check === 'function') await store.check();
  });
  const conversationTtlMs = (config.conversationTtlSeconds ?? DEFAULT_CONVERSATION_TTL_SECONDS) * 1000;
  const shutdown = new AbortController();
  const isShuttingDown = () => shutdown.signal.aborted;
  // Aborts at the shutdown deadline: the OpenAI doors end their open turns (streams with a final error event).
  const deadline = new AbortController();
  const maxRetryAfterMs = (config.maxRetryAfterSeconds ?? DEFAULT_MAX_RETRY_AFTER_SECONDS) * 1000;

  const app = new Hono();
  app.use('*', instrumentationMiddleware({ logger, metrics, isShuttingDown }));
  // Keyless mode trusts loopback callers: keep web pages (other origins, DNS rebinding) out of it.
  if (apiKeys.length === 0)
    app.use(
      '*',
      browserGuardMiddleware({ publicUrl: config.publicUrl, allowedOrigin, exempt: [AGENT_GROUP_PATHS.webhook] }),
    );
  const requireKey = apiKeyMiddleware(apiKeys);
  app.use('/v1/*', requireKey);
  app.use('/mcp', requireKey);
  app.use('*', bodyLimitMiddleware(bodyLimitBytes));
  app.notFound((c) =>
    errorResponse(404, `No route for ${c.req.method} ${c.req.path}.`, { code: 'not_found', type: 'not_found_error' }),
  );
  app.onError((error, c) => {
    if (c.req.raw.signal.aborted) {
      // The caller went away (a body read cut short, …): its own outcome, not a server failure.
      logger.debug({ err: error, method: c.req.method, path: c.req.path }, 'request abandoned by the caller');
      return errorResponse(CLIENT_CLOSED_STATUS, 'The request was closed by the caller.', { code: 'client_closed' });
    }
    logger.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed');
    return errorResponse(500, 'The server failed to handle the request.', { code: 'internal_error' });
  });
  config.routes?.(app);
  mountOpsRoutes(app, {
    metrics,
    isShuttingDown,
    storeReady: storeReadiness,
    logger,
    publicUrl: () => (address || config.publicUrl ? publicUrl() : undefined),
    version,
  });
  const chat = mountChatRoutes(app, {
    options: config.chat ?? {},
    platforms: config.platforms ?? defaultPlatforms,
    env,
    bodyLimitBytes,
    logger,
    metrics,
    conversations: conversations ?? false,
    conversationTtlMs,
    maxRetryAfterMs,
    shutdownSignal: deadline.signal,
  });
  const mcp = mountMcpRoutes(app, { directory: chat.directory, bodyLimitBytes, logger });
  mountResponsesRoutes(app, {
    directory: chat.directory,
    options: config.chat ?? {},
    store: conversations,
    conversationTtlMs,
    bodyLimitBytes,
    logger,
    metrics,
    maxRetryAfterMs,
    shutdownSignal: deadline.signal,
  });
  mountAgentGroupRoutes(app, {
    miibo: () => miibo,
    store: agentGroups.get,
    publicUrl,
    webhookSecret,
    ...(config.webhookHmacSecret ? { webhookHmacSecret: config.webhookHmacSecret } : {}),
    maxWaitSeconds: config.agentGroupMaxWaitSeconds ?? DEFAULT_AGENT_GROUP_MAX_WAIT_SECONDS,
    shutdownSignal: shutdown.signal,
    maxRetryAfterMs,
    logger,
    metrics,
  });
  mountAppServerRoutes(app, {
    options: { ...(env ? { env } : {}), ...config.appServer },
    apiKeys,
    bodyLimitBytes,
    logger,
    metrics,
  });

  const fetch = async (request: Request) => app.fetch(request);
  let server: Server | undefined;
  const inFlight = new Set<ServerResponse>();
  let drained: (() => void) | undefined;
  let closing: Promise<void> | undefined;

  async function listen(): Promise<ListeningAddress> {
    if (address) return address;
    if (isShuttingDown()) throw new Error('the server is closed');
    // A bad path or option fails the start; a store that is only unavailable now (the database is
    // down, the file locked) does not: the server listens, /healthz answers 503, and the store opens
    // on the next request that needs it.
    const opened = await Promise.all([agentGroups.get(), ownConversations?.get()]).then(
      () => true,
      (error: unknown) => {
        if (!StoreUnavailableError.isInstance(error)) throw error;
        logger.error({ err: error, store: error.store }, 'the store is unavailable at start: listening anyway');
        return false;
      },
    );
    const node = createAdaptorServer({ fetch: app.fetch, hostname: host }) as Server;
    node.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      inFlight.add(res);
      res.once('close', () => {
        inFlight.delete(res);
        if (inFlight.size === 0) drained?.();
      });
    });
    await new Promise<void>((resolve, reject) => {
      node.once('error', reject);
      node.listen(config.port ?? DEFAULT_PORT, host, () => {
        node.off('error', reject);
        resolve();
      });
    });
    node.on('error', (error) => logger.error({ err: error }, 'server error'));
    server = node;
    const port = (node.address() as AddressInfo).port;
    address = { url: `http://${urlHost(host)}:${port}`, host, port };
    const storeKind = opened ? (await agentGroups.get()).kind : 'unavailable';
    const conversationKind =
      config.conversations === false
        ? 'off'
        : ((await ownConversations?.current()?.catch(() => undefined))?.kind ??
          (ownConversations ? 'unavailable' : config.conversations ? 'custom' : 'memory'));
    logger.info(
      {
        url: address.url,
        pid: process.pid,
        store: storeKind,
        conversations: conversationKind,
        apiKeys: apiKeys.length,
        publicUrl: publicUrl(),
      },
      'listening',
    );
    return address;
  }

  /** Resolves once no request is open, or after `ms`, whichever comes first. */
  async function settle(ms: number): Promise<void> {
    if (inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (drained = resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
  }

  async function closeNow(deadlineMs: number): Promise<void> {
    shutdown.abort();
    const node = server;
    const drainMs = config.shutdownDrainMs ?? DEFAULT_SHUTDOWN_DRAIN_MS;
    if (node && drainMs > 0) {
      // Still serving, /healthz answering 503: the load balancer notices before connections are refused.
      logger.info({ drainMs }, 'shutting down: draining (healthz answers 503)');
      await new Promise((resolve) => setTimeout(resolve, drainMs));
    }
    if (node) {
      const closed = new Promise<void>((resolve) => node.close(() => resolve()));
      node.closeIdleConnections();
      if (inFlight.size > 0) {
        logger.info({ open: inFlight.size, deadlineMs }, 'shutting down: waiting for open requests');
        await settle(deadlineMs);
      }
      if (inFlight.size > 0) {
        logger.warn({ open: inFlight.size }, 'shutdown deadline reached: ending open requests');
        // Streams write their final error event and end; give them a moment to reach the socket.
        deadline.abort();
        await settle(FINAL_EVENT_GRACE_MS);
      }
      node.closeAllConnections();
      await closed;
    }
    deadline.abort();
    await mcp.close().catch((error) => logger.warn({ err: error }, 'closing the MCP sessions failed'));
    await agentGroups.close().catch((error) => logger.warn({ err: error }, 'closing the store failed'));
    await ownConversations
      ?.close()
      .catch((error) => logger.warn({ err: error }, 'closing the conversation store failed'));
    logger.info('closed');
  }

  return {
    app,
    fetch,
    logger,
    metrics,
    directory: chat.directory,
    webhookSecret,
    get webhookUrl() {
      return `${publicUrl()}/webhooks/miibo/agent-groups`;
    },
    get shuttingDown() {
      return isShuttingDown();
    },
    store: agentGroups.get,
    conversations,
    conversationTtlMs,
    listen,
    close(deadlineMs = config.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS) {
      closing ??= closeNow(deadlineMs);
      return closing;
    },
  };
}
