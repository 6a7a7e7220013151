import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { AppServerHandlerOptions } from '@kakehashi/aliyun-aiagent';
import type { MiiboProvider, MiiboSettings } from '@kakehashi/miibo';
import type { ChatCompletionsOptions, ConversationStore } from '@kakehashi/openai-compat';
import type { PlatformRegistry } from '@kakehashi/platforms';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { AgentGroupStore } from './agent-group-store';
import type { ServerLoggerOptions } from './server-logger';
import type { ServerMetrics } from './server-metrics';

/** The environment variables `kakehashi-server` reads (besides the providers' own, which the packages read). */
export const SERVER_ENV = {
  host: 'HOST',
  port: 'PORT',
  apiKeys: 'KAKEHASHI_API_KEYS',
  publicUrl: 'KAKEHASHI_PUBLIC_URL',
  webhookSecret: 'KAKEHASHI_WEBHOOK_SECRET',
  webhookHmacSecret: 'KAKEHASHI_WEBHOOK_HMAC_SECRET',
  bodyLimit: 'KAKEHASHI_BODY_LIMIT',
  dataDir: 'KAKEHASHI_DATA_DIR',
  sqlitePath: 'KAKEHASHI_SQLITE_PATH',
  databaseUrl: 'DATABASE_URL',
  logLevel: 'KAKEHASHI_LOG_LEVEL',
  shutdownTimeoutMs: 'KAKEHASHI_SHUTDOWN_TIMEOUT_MS',
  shutdownDrainMs: 'KAKEHASHI_SHUTDOWN_DRAIN_MS',
  maxRetryAfter: 'KAKEHASHI_MAX_RETRY_AFTER',
  agentGroupMaxWait: 'KAKEHASHI_AGENT_GROUP_MAX_WAIT',
  agentGroupExpiry: 'KAKEHASHI_AGENT_GROUP_EXPIRY',
  databaseConnectTimeoutMs: 'KAKEHASHI_DATABASE_CONNECT_TIMEOUT_MS',
  databaseStatementTimeoutMs: 'KAKEHASHI_DATABASE_STATEMENT_TIMEOUT_MS',
  conversationTtl: 'KAKEHASHI_CONVERSATION_TTL',
  appServerCorsOrigin: 'KAKEHASHI_APPSERVER_CORS_ORIGIN',
  aliyunRegion: 'ALIYUN_REGION',
} as const;

/** Default `HOST`. */
export const DEFAULT_HOST = '127.0.0.1';
/** Default `PORT`. */
export const DEFAULT_PORT = 8787;
/** Default request body limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;
/**
 * The directory the server keeps its files in: `KAKEHASHI_DATA_DIR`, else `$XDG_DATA_HOME/kakehashi`,
 * else `~/.local/share/kakehashi`.
 */
export function defaultDataDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const dir = env[SERVER_ENV.dataDir]?.trim();
  if (dir) return dir;
  const xdg = env.XDG_DATA_HOME?.trim();
  // The XDG spec ignores a relative XDG_DATA_HOME.
  if (xdg && isAbsolute(xdg)) return join(xdg, 'kakehashi');
  return join(env.HOME?.trim() || homedir(), '.local', 'share', 'kakehashi');
}

/** The default SQLite file: `kakehashi.sqlite` in {@link defaultDataDir}. `KAKEHASHI_SQLITE_PATH` overrides it. */
export function defaultSqlitePath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return join(defaultDataDir(env), 'kakehashi.sqlite');
}

/** The default SQLite file for this process's environment (see {@link defaultSqlitePath}). */
export const DEFAULT_SQLITE_PATH = defaultSqlitePath();
/** Default and largest `?wait=` of `GET /v1/agent-groups/<id>`, in seconds. */
export const DEFAULT_AGENT_GROUP_MAX_WAIT_SECONDS = 60;
/** Default time a finished chat turn can be continued from its history, in seconds (24 h). */
export const DEFAULT_CONVERSATION_TTL_SECONDS = 86_400;
/** Default time open requests (streams) get to finish on shutdown. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** Default drain of `createKakehashiServer`: none (an embedding app runs its own). */
export const DEFAULT_SHUTDOWN_DRAIN_MS = 0;
/** Default drain of the `kakehashi-server` binary (`KAKEHASHI_SHUTDOWN_DRAIN_MS` unset): long enough for a load balancer's health check to notice. */
export const DEFAULT_BINARY_SHUTDOWN_DRAIN_MS = 3_000;
/** Default longest upstream `Retry-After` waited out behind a caller, in seconds. */
export const DEFAULT_MAX_RETRY_AFTER_SECONDS = 5;
/** The header carrying the webhook secret the server hands to miibo in `webhookHeaders`. */
export const WEBHOOK_SECRET_HEADER = 'X-Kakehashi-Webhook-Secret';

/** Where agent group results are kept. */
export type AgentGroupStoreConfig =
  /** A store you opened yourself (closed by the server on `close()`). */
  | AgentGroupStore
  /** PostgreSQL (`{ databaseUrl }`, shared by several instances) or a SQLite file (`{ sqlitePath }`, `:memory:` for a throwaway one), with timeouts. */
  | StoreLocationOptions;

/** Where the server stores, with the storage timeouts (see the README's "Storage" section). */
export interface StoreLocationOptions {
  /** A SQLite file, `:memory:`, or omitted for the default file. Ignored when `databaseUrl` is set. */
  sqlitePath?: string;
  /** PostgreSQL, shared by several instances. */
  databaseUrl?: string;
  /** PostgreSQL: longest wait for a connection (opening one, or a free one from the pool), in ms. Default 5,000. */
  connectTimeoutMs?: number;
  /** PostgreSQL: longest time one statement may take, in ms (`statement_timeout`; the client gives up 1 s later). Default 5,000. */
  statementTimeoutMs?: number;
  /** SQLite: how long an agent group write waits for another process's lock, in ms (in the worker thread). Default 5,000. */
  busyTimeoutMs?: number;
  /** A run whose result never arrives ends as `error` this long after its start, in ms. Default 2,100,000 (35 minutes: miibo's 30-minute limit plus a margin). */
  expiryMs?: number;
}

/**
 * The chat gateway's options (`@kakehashi/openai-compat`'s handler), minus the registry, which is the
 * server's `platforms`. Per-platform settings go in `provide`, a record by platform name (a
 * registered platform's name also works as a key of its own: `{ codeer: { apiKey } }`).
 */
export type ServerChatOptions = Omit<ChatCompletionsOptions, 'platforms' | 'directory'> & {
  readonly [platform: string]: unknown;
};

/** The AICall AppServer settings: the handler's options, minus those the server sets itself. */
export type ServerAppServerOptions = Omit<AppServerHandlerOptions, 'apiKeys' | 'basePath' | 'maxBodyBytes'>;

/**
 * Options of {@link createKakehashiServer}. Every field is optional; {@link serverConfigFromEnv} builds
 * this object from the environment (which is what the `kakehashi-server` binary does).
 */
export interface KakehashiServerConfig {
  /** Interface to bind. Default `127.0.0.1` (`HOST`). Without `apiKeys`, only a loopback host is allowed. */
  host?: string;
  /** Port to bind; `0` picks a free one. Default 8787 (`PORT`). */
  port?: number;
  /**
   * Keys callers of `/v1/*` (and, by default, the AppServer endpoints) must present as
   * `Authorization: Bearer <key>` (`KAKEHASHI_API_KEYS`, comma-separated). Empty or absent: every caller
   * is accepted, and the server refuses to bind a non-loopback host.
   */
  apiKeys?: readonly string[];
  /**
   * The server's address as miibo reaches it, for the agent group result webhook
   * (`KAKEHASHI_PUBLIC_URL`). Default `http://HOST:PORT` once listening.
   */
  publicUrl?: string;
  /**
   * The secret miibo sends back in the `X-Kakehashi-Webhook-Secret` header of each result webhook
   * (`KAKEHASHI_WEBHOOK_SECRET`). Default: random per process, so results of a group started before a
   * restart, or by another instance, are refused. Set it when running several instances or restarting
   * while groups run.
   */
  webhookSecret?: string;
  /** When set, result webhooks must also carry a valid `X-HMAC` (hex HMAC-SHA256 of the body) with this key (`KAKEHASHI_WEBHOOK_HMAC_SECRET`). */
  webhookHmacSecret?: string;
  /** Largest request body accepted, in bytes; larger bodies get 413. Default 1 MiB (`KAKEHASHI_BODY_LIMIT`). */
  bodyLimitBytes?: number;
  /**
   * Where agent group results (and conversations) are stored. Default: SQLite at
   * `<data dir>/kakehashi.sqlite` (`KAKEHASHI_SQLITE_PATH`, `KAKEHASHI_DATA_DIR`), PostgreSQL when
   * `DATABASE_URL` is set. Opened on first use (`listen()` opens it at once).
   */
  store?: AgentGroupStoreConfig;
  /**
   * Where the gateway keeps conversation digests → platform sessions, so that clients sending the whole
   * history (no ids) continue the same platform session. Default: the `store` location (table
   * `conversations` in the SQLite file, `kakehashi_conversations` in PostgreSQL); with a `store` you
   * opened yourself, an in-process store. A `ConversationStore` of your own, or `false` to switch it off.
   */
  conversations?: ConversationStore | false;
  /**
   * How long a finished turn can be continued from its history, in seconds
   * (`KAKEHASHI_CONVERSATION_TTL`; `0` there switches conversations off). Default 86,400 (24 h).
   */
  conversationTtlSeconds?: number;
  /** The longest `?wait=` honoured by `GET /v1/agent-groups/<id>`, in seconds (longer waits are cut to it). Default 60. */
  agentGroupMaxWaitSeconds?: number;
  /** The miibo provider that starts agent groups, or its settings. Default `createMiibo({ env })` (reads `MIIBO_ADMIN_API_KEY`, `MIIBO_BASE_URL`). */
  miibo?: MiiboProvider | MiiboSettings;
  /**
   * AICall AppServer options (`rtcAppId`, `ice`, `cors`, `defaultRegion`, …). Give `authorize` to plug in
   * your own caller check (for example your app's login JWT); the default accepts the `apiKeys`.
   */
  appServer?: ServerAppServerOptions;
  /**
   * The chat platforms the gateway serves (`POST /v1/chat/completions`, `GET /v1/models`): model names
   * are `<name>` and `<name>/<agentId>` of each. Default `defaultPlatforms` from `@kakehashi/platforms`
   * (AgenticStar, Codeer, miibo). A new platform needs no change here:
   * `platforms: defaultPlatforms.with(myPlatform)`.
   */
  platforms?: PlatformRegistry;
  /**
   * Options of the chat gateway (`@kakehashi/openai-compat`'s handler): per-platform settings in
   * `provide` (`{ provide: { codeer: { apiKey } } }`, or `false` to switch one off; the platform's
   * name as a key of its own works too), `models`, `heartbeatMs`, `timeouts`, … The server sets the
   * body limit, the environment, the logger and the metrics, and these win over them.
   */
  chat?: ServerChatOptions;
  /** A pino logger to use, or options for the server's own (JSON lines on stderr), or `false` for none. */
  logger?: Logger | ServerLoggerOptions | false;
  /** Metrics to record into (share one registry between servers or with your app). Default: a fresh registry with the process metrics. */
  metrics?: ServerMetrics;
  /**
   * How long `close()` lets open requests (streams) finish by default, in ms, counted once the
   * drain (`shutdownDrainMs`) is over. Streams still open then end with their protocol's final error
   * event (`server_shutting_down`). Default 10,000 (`KAKEHASHI_SHUTDOWN_TIMEOUT_MS`).
   */
  shutdownTimeoutMs?: number;
  /**
   * How long `close()` keeps serving with `/healthz` answering 503 (`shutting-down`) before it stops
   * accepting connections, in ms, so a load balancer takes the instance out first. Default 0; the
   * binary's default is 3,000 (`KAKEHASHI_SHUTDOWN_DRAIN_MS`).
   */
  shutdownDrainMs?: number;
  /**
   * Longest `Retry-After` of a platform's 429/503 that the gateway waits out (and retries) behind a
   * caller's request, in seconds. A longer one is passed back at once: 429 (or 503) with
   * `Retry-After`, before any `200` (streams too), on the OpenAI doors and the agent group start.
   * Default 5 (`KAKEHASHI_MAX_RETRY_AFTER`). `chat.maxRetryAfterMs` wins over it on the OpenAI doors.
   */
  maxRetryAfterSeconds?: number;
  /** Adds routes of your own to the app, after the built-in middleware (auth on `/v1/*`, body limit, logs, metrics) and before the built-in routes. */
  routes?: (app: Hono) => void;
  /** Environment the provider packages read (`MIIBO_*`, `ALIYUN_*`, …). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A configuration problem: the binary prints the message and exits with status 2. */
export class ServerConfigError extends Error {
  /** The variable or option at fault. */
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(message);
    this.name = 'ServerConfigError';
    this.setting = setting;
  }
}

/**
 * `host` as the server binds it: IPv6 addresses without brackets and in their short form
 * (`[::1]`, `::1` and `0:0:0:0:0:0:0:1` are all `::1`), names and IPv4 addresses as given.
 */
export function bindHost(host: string): string {
  const trimmed = host.trim();
  const bare = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  if (isIP(bare) !== 6) return trimmed;
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return bare;
  }
}

/**
 * Whether `host` is a loopback name or address: `localhost`, `127.0.0.0/8` (any spelling the URL
 * parser reads as one, `127.1` included), `::1` in any form, with or without brackets, and IPv4-mapped
 * `::ffff:127.x.x.x`.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = bindHost(host).toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(bare);
  let hostname: string;
  try {
    hostname = new URL(`http://${bare}/`).hostname;
  } catch {
    return false;
  }
  return isIP(hostname) === 4 && hostname.split('.')[0] === '127';
}

/** `host` as it goes in a URL (IPv6 addresses in brackets, in their short form). */
export function urlHost(host: string): string {
  const bound = bindHost(host);
  return isIP(bound) === 6 ? `[${bound}]` : bound;
}

/** Parses `1048576`, `512k`, `512KiB`, `1m`, `2MB` into bytes. */
export function parseByteSize(value: string, setting: string): number {
  const match = /^\s*(\d+)\s*(b|k|kb|kib|m|mb|mib)?\s*$/i.exec(value);
  if (!match)
    throw new ServerConfigError(
      setting,
      `${setting} must be a size in bytes such as 1048576, 512k or 1m (got "${value}")`,
    );
  const unit = (match[2] ?? 'b').toLowerCase();
  const bytes = Number(match[1]) * (unit.startsWith('m') ? 1024 * 1024 : unit.startsWith('k') ? 1024 : 1);
  if (!Number.isSafeInteger(bytes) || bytes <= 0)
    throw new ServerConfigError(setting, `${setting} must be a positive size (got "${value}")`);
  return bytes;
}

function integer(value: string, setting: string, min: number, max: number): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new ServerConfigError(setting, `${setting} must be an integer from ${min} to ${max} (got "${value}")`);
  return n;
}

function url(value: string, setting: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return value.replace(/\/+$/, '');
  } catch {
    throw new ServerConfigError(setting, `${setting} must be an absolute http(s) URL (got "${value}")`);
  }
}

/** Comma-separated keys, trimmed, empty entries dropped. */
export function parseApiKeys(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
}

/**
 * Builds the server configuration from environment variables (see {@link SERVER_ENV}); the provider
 * variables (`MIIBO_*`, `ALIYUN_*`, `ALIBABA_CLOUD_*`, …) are read later by the packages, from `env`.
 *
 * @throws ServerConfigError naming the variable when a value is malformed.
 */
export function serverConfigFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): KakehashiServerConfig {
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const config: KakehashiServerConfig = { env };
  config.host = get(SERVER_ENV.host) ?? DEFAULT_HOST;
  const port = get(SERVER_ENV.port);
  config.port = port === undefined ? DEFAULT_PORT : integer(port, SERVER_ENV.port, 0, 65_535);
  config.apiKeys = parseApiKeys(env[SERVER_ENV.apiKeys]);
  const publicUrl = get(SERVER_ENV.publicUrl);
  if (publicUrl) config.publicUrl = url(publicUrl, SERVER_ENV.publicUrl);
  const secret = get(SERVER_ENV.webhookSecret);
  if (secret) config.webhookSecret = secret;
  const hmac = get(SERVER_ENV.webhookHmacSecret);
  if (hmac) config.webhookHmacSecret = hmac;
  const limit = get(SERVER_ENV.bodyLimit);
  if (limit) config.bodyLimitBytes = parseByteSize(limit, SERVER_ENV.bodyLimit);
  const databaseUrl = get(SERVER_ENV.databaseUrl);
  const store: StoreLocationOptions = databaseUrl
    ? { databaseUrl }
    : { sqlitePath: get(SERVER_ENV.sqlitePath) ?? defaultSqlitePath(env) };
  const connectMs = get(SERVER_ENV.databaseConnectTimeoutMs);
  if (connectMs) store.connectTimeoutMs = integer(connectMs, SERVER_ENV.databaseConnectTimeoutMs, 1, 600_000);
  const statementMs = get(SERVER_ENV.databaseStatementTimeoutMs);
  if (statementMs) store.statementTimeoutMs = integer(statementMs, SERVER_ENV.databaseStatementTimeoutMs, 1, 600_000);
  const expiry = get(SERVER_ENV.agentGroupExpiry);
  if (expiry) store.expiryMs = integer(expiry, SERVER_ENV.agentGroupExpiry, 1, 31_536_000) * 1000;
  config.store = store;
  const level = get(SERVER_ENV.logLevel);
  config.logger = { level: level ?? 'info' };
  const shutdown = get(SERVER_ENV.shutdownTimeoutMs);
  if (shutdown) config.shutdownTimeoutMs = integer(shutdown, SERVER_ENV.shutdownTimeoutMs, 0, 3_600_000);
  const drain = get(SERVER_ENV.shutdownDrainMs);
  config.shutdownDrainMs = drain
    ? integer(drain, SERVER_ENV.shutdownDrainMs, 0, 3_600_000)
    : DEFAULT_BINARY_SHUTDOWN_DRAIN_MS;
  const retryAfter = get(SERVER_ENV.maxRetryAfter);
  if (retryAfter) config.maxRetryAfterSeconds = integer(retryAfter, SERVER_ENV.maxRetryAfter, 0, 3600);
  const ttl = get(SERVER_ENV.conversationTtl);
  if (ttl) {
    const seconds = integer(ttl, SERVER_ENV.conversationTtl, 0, 31_536_000);
    if (seconds === 0) config.conversations = false;
    else config.conversationTtlSeconds = seconds;
  }
  const maxWait = get(SERVER_ENV.agentGroupMaxWait);
  if (maxWait) config.agentGroupMaxWaitSeconds = integer(maxWait, SERVER_ENV.agentGroupMaxWait, 0, 3600);
  const appServer: ServerAppServerOptions = { env };
  const corsOrigin = get(SERVER_ENV.appServerCorsOrigin);
  if (corsOrigin) {
    const origins = corsOrigin
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    appServer.cors = { origin: origins.length === 1 ? origins[0]! : origins };
  }
  const region = get(SERVER_ENV.aliyunRegion);
  if (region) appServer.defaultRegion = region;
  config.appServer = appServer;
  return config;
}
