import {
  ENV_RECORD_REASON,
  type FetchFunction,
  isEnvRecord,
  type TimeoutOptions,
  lazySchema,
} from '@kakehashi/sse-core';
import * as z from 'zod';
import {
  agentIdSchema,
  externalUserIdSchema,
  headerNameSchema,
  headerValueSchema,
  timeoutsSchema,
  type SchemaFor,
} from './codeer-input-schemas';

/** Settings of `createCodeer` (and of `codeerPlatform.createAgent`). Every field is optional; unknown fields are rejected. */
export interface CodeerProviderSettings {
  /**
   * The workspace API key, sent as the `x-api-key` header. Default: the `CODEER_API_KEY` environment
   * variable, read on the first request (a missing key then throws `MissingConfigError`).
   */
  apiKey?: string;
  /** The API base URL. Default: `CODEER_BASE_URL`, else `https://api.codeer.ai/api/v1`. */
  baseURL?: string;
  /**
   * The default agent (UUID of a published agent) for new chats, messages, turns and batches.
   * Default: `CODEER_AGENT_ID`, read when a call needs it.
   */
  agentId?: string;
  /**
   * The default `external_user_id` for creating chats, listing chats and sending messages (required
   * by workspaces in whitelist mode). Per-call values (`externalUserId`, a turn's `userId`) win.
   */
  externalUserId?: string;
  /**
   * Where `CODEER_API_KEY`, `CODEER_BASE_URL` and `CODEER_AGENT_ID` are read from instead of
   * `process.env`. Kept as given and read on first use (not copied at creation).
   */
  env?: Record<string, string | undefined>;
  /** Extra headers on every request (the API key header always wins). */
  headers?: Record<string, string>;
  /** A fetch-compatible function to use instead of the built-in undici transport (proxies, edge runtimes, tests). */
  fetch?: FetchFunction;
  /**
   * Timeouts in ms (`0` switches one off). Defaults: `headersMs` 60,000 (180,000 for calls that run an
   * agent turn), `idleMs` 90,000 (the server's own stream timeout), `totalMs` off.
   */
  timeouts?: TimeoutOptions;
  /** Retries after the first attempt (0 to 10), for 408/409/429/5xx and connection failures before any body byte. Default 2. */
  maxRetries?: number;
}

/** A record of environment variables, kept as given (read on use, so later changes are seen). */
const envSchema = lazySchema(() => z.custom<Record<string, string | undefined>>(isEnvRecord, ENV_RECORD_REASON));

const settingsObject = lazySchema(() =>
  z.strictObject({
    apiKey: z.string().min(1, 'must not be empty').optional(),
    baseURL: z
      .string()
      .refine((v) => /^https?:\/\/[^\s]+$/i.test(v) && URL.canParse(v), 'must be an absolute http(s) URL')
      .optional(),
    agentId: agentIdSchema.optional(),
    externalUserId: externalUserIdSchema.optional(),
    env: envSchema.optional(),
    headers: z.record(headerNameSchema, headerValueSchema).optional(),
    fetch: z.custom<FetchFunction>((v) => typeof v === 'function', 'must be a function').optional(),
    timeouts: timeoutsSchema.optional(),
    maxRetries: z.number().int().nonnegative().max(10).optional(),
  }),
);

/** The strict schema of {@link CodeerProviderSettings}. */
export const codeerProviderSettingsSchema: SchemaFor<
  CodeerProviderSettings,
  CodeerProviderSettings,
  typeof settingsObject
> = settingsObject;
