import {
  type AgentDirectory,
  createAgentDirectory,
  defaultPlatforms,
  type PlatformProvision,
  type PlatformRegistry,
} from '@kakehashi/platforms';
import {
  type AgentCallOptions,
  InvalidArgumentError,
  type TimeoutOptions,
  validateArgument,
} from '@kakehashi/sse-core';
import { z } from 'zod';
import type { ChatCompletionsLogger, ChatCompletionsMetrics } from './chat-completions-hooks';
import { DEFAULT_MAX_BODY_BYTES } from './chat-completions-request';
import { type ConversationStore, createMemoryConversationStore } from './conversation-store';
import { type ConversationSessions, createConversationSessions } from './conversation-sessions';

/** Options of `createChatCompletionsHandler`, besides the per-platform shorthand keys. */
export interface ChatCompletionsOptions {
  /**
   * The platforms served: model names are `<name>` and `<name>/<agentId>` of each. Default
   * `defaultPlatforms` from `@kakehashi/platforms` (AgenticStar, Codeer, miibo, each loaded on first
   * use). Add one with `defaultPlatforms.with(myPlatform)`.
   */
  platforms?: PlatformRegistry;
  /**
   * Per platform name: its factory's settings (`{ apiKey, baseURL, … }`, read by the platform's SDK),
   * a ready `ChatAgent`, or `false` to switch it off (its models then answer 404). Omitted: settings
   * `{}`, everything from the environment.
   */
  provide?: Readonly<Record<string, PlatformProvision | undefined>>;
  /** Where the platforms read their variables (`CODEER_API_KEY`, …) instead of `process.env`. */
  env?: Record<string, string | undefined>;
  /** Further agent ids to list in `GET /v1/models` per platform name (as `<name>/<id>`), besides each default agent. */
  models?: Readonly<Record<string, readonly string[] | undefined>>;
  /**
   * A ready directory of agents (from `createAgentDirectory`), shared with other doors. When given,
   * `platforms`, `provide`, `env` and `models` are the directory's business and must not be set here.
   */
  directory?: AgentDirectory;
  /** Send a `: heartbeat` comment when a stream has been silent this long. Default 15,000 ms; 0 = off. */
  heartbeatMs?: number;
  /**
   * How long a streaming request waits for the platform's first event before the `200` headers go
   * out. Until then a failure is answered with a real HTTP status and the ids go into headers.
   * Default: `heartbeatMs` (no limit when heartbeats are off).
   */
  firstEventWaitMs?: number;
  /** Largest accepted request body. Default 1 MiB (413 above). */
  maxBodyBytes?: number;
  /** Per-turn timeouts handed to the platform SDK (time to headers, idle gap, total; ms). Default: the SDK's. */
  timeouts?: TimeoutOptions;
  /** Retries before the first byte of an answer, handed to the platform SDK (0 turns them off). Default: the SDK's. */
  maxRetries?: number;
  /**
   * Longest `Retry-After` of a platform's 429/503 that is waited out (and retried) behind the
   * caller's request, in ms. A longer one is passed back at once: 429 (or 503) with `Retry-After`,
   * before any `200`, streamed or not. Default 5,000 ms.
   */
  maxRetryAfterMs?: number;
  /**
   * This server's id of a request, quoted in error messages (next to the platform's) and put in
   * the log lines, so a caller can name the failure to the operators. Default: the request's
   * `x-request-id` header, when it is a plain token.
   */
  requestId?: (request: Request) => string | undefined;
  /**
   * Ends every open turn when it aborts (the server's shutdown deadline): a stream gets its
   * protocol's final error event (`server_shutting_down`) and ends, a whole answer is 503.
   */
  shutdownSignal?: AbortSignal;
  /** Metrics hook (Prometheus counters, …). */
  metrics?: ChatCompletionsMetrics;
  /** Logger hook (pino-compatible). */
  logger?: ChatCompletionsLogger;
  /**
   * Where conversations sent without a platform id are recognised (see the README, "Conversations"):
   * after each turn a digest of its messages plus the answer is mapped to the platform session, and a
   * later request whose history extends it continues that session. Default: an in-process store
   * (`createMemoryConversationStore()`, 10,000 turns, gone on restart); give a durable one (the
   * server's SQLite or PostgreSQL) to survive restarts and share it between instances; `false`
   * switches it off (every request without an id starts a new session).
   */
  conversations?: ConversationStore | false;
  /** How long a finished turn can be continued from its history, in ms. Default 86,400,000 (24 h). */
  conversationTtlMs?: number;
  /**
   * Keeps callers' conversations apart: the same history under another scope is another
   * conversation. Default: the request's `Authorization` header (each API key has its own
   * conversations; only a digest of it is stored). Return `undefined` to share one scope.
   */
  conversationScope?: (request: Request) => string | undefined;
}

/**
 * The options of `createChatCompletionsHandler`. Besides {@link ChatCompletionsOptions}, a
 * registered platform's name may be given as a key of its own: `{ codeer: { apiKey } }` is
 * `{ provide: { codeer: { apiKey } } }`. Any other key is refused.
 */
export type ChatCompletionsHandlerOptions = ChatCompletionsOptions & {
  readonly [platform: string]: unknown;
};

/** The options, checked, with the defaults filled in. */
export interface ResolvedChatOptions {
  directory: AgentDirectory;
  heartbeatMs: number;
  firstEventWaitMs: number;
  maxBodyBytes: number;
  callOptions: Omit<AgentCallOptions, 'signal'>;
  /** This server's id of a request. */
  requestId: (request: Request) => string | undefined;
  shutdownSignal: AbortSignal | undefined;
  metrics: ChatCompletionsMetrics | undefined;
  logger: ChatCompletionsLogger | undefined;
  /** Conversations from their history; undefined when switched off. */
  sessions: ConversationSessions | undefined;
  /** The scope of a request's conversations. */
  conversationScope: (request: Request) => string | undefined;
}

/** Default {@link ChatCompletionsOptions.maxRetryAfterMs}: a platform asking for a longer wait is answered at once. */
export const DEFAULT_GATEWAY_MAX_RETRY_AFTER_MS = 5_000;

const REQUEST_ID = /^[\w.:@-]{1,128}$/;

/** The default request id: the caller's `x-request-id`, when it is a plain token. */
const headerRequestId = (request: Request): string | undefined => {
  const given = request.headers.get('x-request-id');
  return given !== null && REQUEST_ID.test(given) ? given : undefined;
};

/** The default scope: the caller's credential as sent (only ever hashed into a digest). */
const authorizationScope = (request: Request): string | undefined => request.headers.get('authorization') ?? undefined;

const hookObject = (what: string) => z.custom<object>((v) => typeof v === 'object' && v !== null, `must be ${what}`);
const provision = z.union([
  z.literal(false),
  z.custom<object>(
    (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    'must be the platform settings, a ChatAgent, or false',
  ),
]);
const agentList = z.array(z.string().min(1, 'must not be empty').regex(/^\S+$/, 'must not contain spaces'));
const timeoutMs = z.number().finite().positive().optional();

const optionsSchema = z.strictObject({
  platforms: z
    .custom<PlatformRegistry>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        Array.isArray((v as PlatformRegistry).names) &&
        typeof (v as PlatformRegistry).get === 'function' &&
        typeof (v as PlatformRegistry).has === 'function',
      'must be a platform registry (createPlatformRegistry or defaultPlatforms.with(…))',
    )
    .optional(),
  provide: z.record(z.string(), provision.optional()).optional(),
  env: z.record(z.string(), z.string().optional()).optional(),
  models: z.record(z.string(), agentList.optional()).optional(),
  directory: z
    .custom<AgentDirectory>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as AgentDirectory).agent === 'function' &&
        typeof (v as AgentDirectory).status === 'function',
      'must be an agent directory (createAgentDirectory)',
    )
    .optional(),
  heartbeatMs: z.number().finite().nonnegative().optional(),
  firstEventWaitMs: z.number().nonnegative().optional(),
  maxBodyBytes: z.number().int().positive().optional(),
  timeouts: z.strictObject({ headersMs: timeoutMs, idleMs: timeoutMs, totalMs: timeoutMs }).partial().optional(),
  maxRetries: z.number().int().nonnegative().optional(),
  maxRetryAfterMs: z.number().finite().nonnegative().optional(),
  requestId: z
    .custom<(request: Request) => string | undefined>((v) => typeof v === 'function', 'must be a function')
    .optional(),
  shutdownSignal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'must be an AbortSignal').optional(),
  metrics: hookObject('an object of metric callbacks').optional(),
  logger: hookObject('a logger object').optional(),
  conversations: z
    .union([
      z.literal(false),
      z.custom<ConversationStore>(
        (v) =>
          typeof v === 'object' &&
          v !== null &&
          typeof (v as ConversationStore).get === 'function' &&
          typeof (v as ConversationStore).put === 'function',
        'must be a ConversationStore (get and put) or false',
      ),
    ])
    .optional(),
  conversationTtlMs: z.number().int('must be a whole number of milliseconds').positive().optional(),
  conversationScope: z
    .custom<(request: Request) => string | undefined>((v) => typeof v === 'function', 'must be a function')
    .optional(),
});

const KNOWN = new Set(Object.keys(optionsSchema.shape));

/**
 * Checks the handler's options and builds its directory.
 *
 * @throws InvalidArgumentError naming the bad option (`options.<key>`).
 */
export function resolveChatOptions(options: ChatCompletionsHandlerOptions): ResolvedChatOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  const known: Record<string, unknown> = {};
  const shorthand: Record<string, unknown> = {};
  const registry = (options.directory?.platforms ?? options.platforms ?? defaultPlatforms) as PlatformRegistry;
  for (const [key, value] of Object.entries(options)) {
    if (KNOWN.has(key)) known[key] = value;
    else if (typeof registry?.has === 'function' && registry.has(key)) shorthand[key] = value;
    else known[key] = value; // refused below, by the strict schema
  }
  const o = validateArgument(optionsSchema, known, 'options');
  for (const [name, value] of Object.entries(shorthand)) {
    validateArgument(provision.optional(), value, `options.${name}`);
    if (o.provide?.[name] !== undefined)
      throw new InvalidArgumentError(`options.${name}`, `is given twice (also as options.provide.${name})`);
  }
  const names = registry.names;
  for (const [field, record] of [
    ['provide', o.provide],
    ['models', o.models],
  ] as const) {
    for (const name of Object.keys(record ?? {})) {
      if (!registry.has(name))
        throw new InvalidArgumentError(`options.${field}.${name}`, `is not a platform here (${names.join(', ')})`);
    }
  }
  let directory = o.directory;
  if (directory !== undefined) {
    const clash = ['platforms', 'provide', 'env', 'models', ...Object.keys(shorthand)].find(
      (k) => (options as Record<string, unknown>)[k] !== undefined,
    );
    if (clash !== undefined)
      throw new InvalidArgumentError(`options.${clash}`, 'must not be set with options.directory (set it there)');
  } else {
    directory = createAgentDirectory({
      platforms: registry,
      provide: { ...o.provide, ...(shorthand as Record<string, PlatformProvision | undefined>) },
      ...(o.env ? { env: o.env } : {}),
      ...(o.models ? { extraAgents: o.models } : {}),
    });
  }
  const heartbeatMs = o.heartbeatMs ?? 15_000;
  const callOptions: Omit<AgentCallOptions, 'signal'> = {};
  if (o.timeouts) callOptions.timeouts = o.timeouts;
  if (o.maxRetries !== undefined) callOptions.maxRetries = o.maxRetries;
  callOptions.maxRetryAfterMs = o.maxRetryAfterMs ?? DEFAULT_GATEWAY_MAX_RETRY_AFTER_MS;
  return {
    directory,
    heartbeatMs,
    firstEventWaitMs: o.firstEventWaitMs ?? (heartbeatMs > 0 ? heartbeatMs : Number.POSITIVE_INFINITY),
    maxBodyBytes: o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    callOptions,
    requestId: o.requestId ?? headerRequestId,
    shutdownSignal: o.shutdownSignal,
    metrics: o.metrics as ChatCompletionsMetrics | undefined,
    logger: o.logger as ChatCompletionsLogger | undefined,
    sessions:
      o.conversations === false
        ? undefined
        : createConversationSessions({
            store: o.conversations ?? createMemoryConversationStore(),
            ...(o.conversationTtlMs !== undefined ? { ttlMs: o.conversationTtlMs } : {}),
            ...(o.logger ? { logger: o.logger as ChatCompletionsLogger } : {}),
          }),
    conversationScope: o.conversationScope ?? authorizationScope,
  };
}
