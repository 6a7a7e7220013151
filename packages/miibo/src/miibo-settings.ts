import {
  ENV_RECORD_REASON,
  type FetchFunction,
  type HeaderRecord,
  isEnvRecord,
  type TimeoutOptions,
  lazySchema,
} from '@kakehashi/sse-core';
import * as z from 'zod';
import type { MiiboFinalObjectRule } from './miibo-stream-decoder';
import {
  headerRecordSchema,
  httpUrlSchema,
  maxRetriesSchema,
  nonEmpty,
  timeoutsSchema,
  validate,
} from './miibo-validation';

/** The public conversation host (the service's former name, mebo, lives on in it). */
export const MIIBO_DEFAULT_BASE_URL = 'https://api-mebo.dev';
/** The conversation endpoint's path. */
export const MIIBO_CONVERSATION_PATH = '/api';
/** The agent group start endpoint's path. */
export const MIIBO_AGENT_GROUPS_START_PATH = '/agent-groups/start';

/** The environment variables read on first use (a fixed contract). */
export const MIIBO_ENV = {
  apiKey: 'MIIBO_API_KEY',
  agentId: 'MIIBO_AGENT_ID',
  baseURL: 'MIIBO_BASE_URL',
  adminApiKey: 'MIIBO_ADMIN_API_KEY',
} as const;

/**
 * Settings of `createMiibo` (and of `miiboPlatform.createAgent`). Checked at once; every credential
 * is read lazily, on the first call that needs it.
 */
export interface MiiboSettings {
  /** The agent's API key (sent in the JSON body as `api_key`). Default: `MIIBO_API_KEY`. */
  apiKey?: string;
  /** The agent's id (`agent_id`). Default: `MIIBO_AGENT_ID`. */
  agentId?: string;
  /** The administrator ("エージェント管理者") API key for agent groups (`X-API-Key` header). Default: `MIIBO_ADMIN_API_KEY`. */
  adminApiKey?: string;
  /** The API host. Default: `MIIBO_BASE_URL`, else `https://api-mebo.dev`. Conversation at `/api`. */
  baseURL?: string;
  /**
   * The host of `/agent-groups/start`. Default: `baseURL`. (miibo's group docs name no host; the
   * sibling admin API uses `https://api-mebo.dev`, so that is the inferred default.)
   */
  agentGroupsBaseURL?: string;
  /** Extra headers on every request (a call's own `headers` win). */
  headers?: HeaderRecord;
  /** A fetch-compatible function to send requests with (default: undici with a shared keep-alive pool). */
  fetch?: FetchFunction;
  /** Headers / idle / total timeouts in ms (`0` switches one off). Default 60 s / 120 s / off. */
  timeouts?: TimeoutOptions;
  /** Retries on 408/409/429/5xx and connection failures before the first body byte (`Retry-After` honoured). Default 2. */
  maxRetries?: number;
  /**
   * Client-side pacing of conversation calls: at least this many ms between request starts of this
   * provider instance, callers queued in order. miibo asks for at most ~1 request per second (sustained
   * excess can suspend the agent), so `1000` follows that guidance. Default 0 (off).
   */
  minIntervalMs?: number;
  /** Which last stream object counts as the final answer. Default `full-response`. */
  finalObject?: MiiboFinalObjectRule;
  /** Read the environment variables from this record instead of `process.env` (looked up on first use). */
  env?: Record<string, string | undefined>;
}

const settingsShape = lazySchema(() => ({
  apiKey: nonEmpty.optional(),
  agentId: nonEmpty.optional(),
  adminApiKey: nonEmpty.optional(),
  baseURL: httpUrlSchema.optional(),
  agentGroupsBaseURL: httpUrlSchema.optional(),
  headers: headerRecordSchema.optional(),
  fetch: z
    .custom<FetchFunction>((v) => typeof v === 'function', { error: 'must be a fetch-compatible function' })
    .optional(),
  timeouts: timeoutsSchema.optional(),
  maxRetries: maxRetriesSchema.optional(),
  minIntervalMs: z.number().finite().nonnegative().optional(),
  finalObject: z.enum(['full-response', 'last']).optional(),
  env: z.custom<Record<string, string | undefined>>(isEnvRecord, ENV_RECORD_REASON).optional(),
}));

const settingsSchema: z.ZodType<MiiboSettings> = lazySchema(() => z.strictObject(settingsShape));

/** Validates `createMiibo` settings. */
export function validateSettings(settings: unknown): MiiboSettings {
  return validate(settingsSchema, Object.keys(settingsShape), settings ?? {}, 'settings');
}
