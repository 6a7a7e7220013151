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
  ENV_RECORD_REASON,
  isEnvRecord,
} from '@kakehashi/sse-core';
import { z } from 'zod';
import type { McpLogger } from './mcp-logger';

/** Options of {@link createKakehashiMcpServer} and of every helper built on it. */
export interface KakehashiMcpOptions {
  /**
   * The platforms offered: one `<name>_chat` tool for each that is configured. Default
   * `defaultPlatforms` from `@kakehashi/platforms` (AgenticStar, Codeer, miibo, each loaded on first
   * use). Add one with `defaultPlatforms.with(myPlatform)`.
   */
  platforms?: PlatformRegistry;
  /**
   * Per platform name: its factory's settings (`{ apiKey, baseURL, … }`), a ready `ChatAgent`, or
   * `false` to leave its tool out. Omitted: settings `{}`, everything from the environment.
   */
  provide?: Readonly<Record<string, PlatformProvision | undefined>>;
  /** Where the platforms read their variables (`CODEER_API_KEY`, …) instead of `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * A ready agent directory (`createAgentDirectory`), shared with other doors (the gateway's). When
   * given, `platforms`, `provide` and `env` are the directory's business and must not be set here.
   */
  directory?: AgentDirectory;
  /** Replaces a tool's description, per platform name. */
  descriptions?: Readonly<Record<string, string | undefined>>;
  /**
   * Least time between two progress notifications about text (steps are always reported). Default
   * 200 ms; 0 reports every text event. Progress is only sent when the client asked for it (a
   * `progressToken`).
   */
  progressIntervalMs?: number;
  /** Per-turn timeouts handed to the platform SDK (time to headers, idle gap, total; ms). Default: the SDK's. */
  timeouts?: TimeoutOptions;
  /** Retries before the first byte of an answer, handed to the platform SDK (0 turns them off). Default: the SDK's. */
  maxRetries?: number;
  /**
   * Where the server logs (tools offered, failed calls), pino-compatible; `false` or omitted: nowhere.
   * `createStderrLogger()` writes to stderr. Never give a logger that writes to stdout on stdio.
   */
  logger?: McpLogger | false;
  /** The server's name in the MCP handshake (`serverInfo.name`). Default `kakehashi`. */
  name?: string;
}

/** The options, checked, with the defaults filled in. */
export interface ResolvedMcpOptions {
  directory: AgentDirectory;
  descriptions: Readonly<Record<string, string | undefined>>;
  progressIntervalMs: number;
  callOptions: Omit<AgentCallOptions, 'signal'>;
  logger: McpLogger | undefined;
  name: string;
}

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);
const provision = z.union([
  z.literal(false),
  z.custom<object>(isObject, 'must be the platform settings, a ChatAgent, or false'),
]);
const timeoutMs = z.number().finite().positive().optional();

const optionsSchema = z.strictObject({
  platforms: z
    .custom<PlatformRegistry>(
      (v) =>
        isObject(v) &&
        Array.isArray((v as PlatformRegistry).names) &&
        typeof (v as PlatformRegistry).get === 'function' &&
        typeof (v as PlatformRegistry).has === 'function',
      'must be a platform registry (createPlatformRegistry or defaultPlatforms.with(…))',
    )
    .optional(),
  provide: z.record(z.string(), provision.optional()).optional(),
  env: z.custom<Record<string, string | undefined>>(isEnvRecord, ENV_RECORD_REASON).optional(),
  directory: z
    .custom<AgentDirectory>(
      (v) =>
        isObject(v) &&
        typeof (v as AgentDirectory).agent === 'function' &&
        typeof (v as AgentDirectory).status === 'function' &&
        isObject((v as AgentDirectory).platforms),
      'must be an agent directory (createAgentDirectory)',
    )
    .optional(),
  descriptions: z.record(z.string(), z.string().min(1, 'must not be empty').optional()).optional(),
  progressIntervalMs: z.number().finite().nonnegative().optional(),
  timeouts: z.strictObject({ headersMs: timeoutMs, idleMs: timeoutMs, totalMs: timeoutMs }).partial().optional(),
  maxRetries: z.number().int().nonnegative().optional(),
  logger: z.union([z.literal(false), z.custom<McpLogger>(isObject, 'must be a logger object or false')]).optional(),
  name: z.string().min(1, 'must not be empty').optional(),
});

/** Keys of {@link KakehashiMcpOptions}, for helpers that take more options beside them. */
export const MCP_OPTION_KEYS: readonly string[] = Object.keys(optionsSchema.shape);

/**
 * Checks the options and builds the agent directory.
 *
 * @throws InvalidArgumentError naming the bad option (`options.<key>`).
 */
export function resolveMcpOptions(options: KakehashiMcpOptions | undefined, field = 'options'): ResolvedMcpOptions {
  if (options !== undefined && !isObject(options)) throw new InvalidArgumentError(field, 'must be an object');
  const o = validateArgument(optionsSchema, options ?? {}, field);
  let directory = o.directory;
  const registry = directory?.platforms ?? o.platforms ?? defaultPlatforms;
  for (const [key, record] of [
    ['provide', o.provide],
    ['descriptions', o.descriptions],
  ] as const) {
    for (const name of Object.keys(record ?? {})) {
      if (!registry.has(name))
        throw new InvalidArgumentError(
          `${field}.${key}.${name}`,
          `is not a platform here (${registry.names.join(', ')})`,
        );
    }
  }
  if (directory !== undefined) {
    const clash = (['platforms', 'provide', 'env'] as const).find((k) => o[k] !== undefined);
    if (clash !== undefined)
      throw new InvalidArgumentError(`${field}.${clash}`, `must not be set with ${field}.directory (set it there)`);
  } else {
    directory = createAgentDirectory({
      platforms: registry,
      ...(o.provide ? { provide: o.provide as Record<string, PlatformProvision | undefined> } : {}),
      ...(o.env ? { env: o.env } : {}),
    });
  }
  const callOptions: Omit<AgentCallOptions, 'signal'> = {};
  if (o.timeouts) callOptions.timeouts = o.timeouts;
  if (o.maxRetries !== undefined) callOptions.maxRetries = o.maxRetries;
  return {
    directory,
    descriptions: o.descriptions ?? {},
    progressIntervalMs: o.progressIntervalMs ?? 200,
    callOptions,
    logger: o.logger === false ? undefined : (o.logger as McpLogger | undefined),
    name: o.name ?? 'kakehashi',
  };
}
