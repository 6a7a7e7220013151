import { ENV_RECORD_REASON, type FetchFunction, type HeaderRecord, isEnvRecord, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';
import type { AgenticStarPresetName } from './agenticstar-presets';

/** `saas` (OIDC client credentials, form body) or `marketplace` (JSON `external-service-token`). */
export type AgenticStarEdition = 'saas' | 'marketplace';

/** Where the Marketplace `agentId` goes on a chat call. The docs do not say; `body` is the default. */
export type AgenticStarAgentIdPlacement = 'body' | 'query';

/**
 * Anything that hands out bearer tokens: `@kakehashi/auth`'s `TokenProvider` fits, as does your
 * own (for example an Authorization Code flow that this package does not implement).
 */
export interface AgenticStarTokenSource {
  /** A valid access token. Called before every request attempt. */
  getToken(): Promise<string> | string;
  /** Called with the token the server refused (401) before the one retry; drop it from your cache. */
  invalidate?(token: string): unknown;
}

/** The three timeouts, in milliseconds; `0` switches one off. */
export interface AgenticStarTimeouts {
  /** Longest wait for the status line and headers. Default 60,000. */
  headersMs?: number;
  /**
   * Longest silent gap in a response body. Default 90,000: the platform sends a `: heartbeat`
   * comment about every 30 s while an agent works, and comments count as bytes.
   */
  idleMs?: number;
  /** Longest time for a whole call, retries and body included. Default 0 (off). */
  totalMs?: number;
}

/** Settings of {@link createAgenticStar}. Unknown keys are rejected. */
export interface AgenticStarSettings {
  /** `saas` (default) or `marketplace`. Environment: `AGENTICSTAR_EDITION`. */
  edition?: AgenticStarEdition;
  /** Host preset: `agenticstar-jp` (default, the project's quickstart hosts) or `softbank-fd` (the newer documented hosts). */
  preset?: AgenticStarPresetName;
  /**
   * API base URL; paths `/v1/...` are appended. Environment: `AGENTICSTAR_BASE_URL`. Default: the
   * preset's (`https://api.agenticstar.jp`). Required for `marketplace` (your own domain, e.g. `https://mp.example.com/api`).
   */
  baseURL?: string;
  /**
   * SaaS auth host; the token endpoint becomes `{authBaseURL}/federation/auth/v1/token`. Ignored
   * when `tokenUrl` (or `AGENTICSTAR_TOKEN_URL`) is set, and for `marketplace`.
   */
  authBaseURL?: string;
  /**
   * Token endpoint. Environment: `AGENTICSTAR_TOKEN_URL`. Default: the preset's SaaS endpoint
   * (`https://auth.agenticstar.jp/federation/auth/v1/token`), or `{baseURL}/v1/auth/external-service-token`
   * for `marketplace`.
   */
  tokenUrl?: string;
  /** OAuth client id. Environment: `AGENTICSTAR_CLIENT_ID`. Read on first use. */
  clientId?: string;
  /** OAuth client secret. Environment: `AGENTICSTAR_CLIENT_SECRET`. Read on first use, never printed. */
  clientSecret?: string;
  /** Use these tokens instead of the client-credentials flow (`clientId`/`clientSecret` are then not needed). */
  tokenProvider?: AgenticStarTokenSource;
  /** Refresh a cached token this long before it expires. Default 60,000 ms (capped at half its lifetime). */
  tokenRefreshSkewMs?: number;
  /** Marketplace agent id, sent on every chat call unless the call names one. Environment: `AGENTICSTAR_AGENT_ID`. Required for `marketplace`. */
  agentId?: string;
  /** Where `agentId` goes: `body` (default) or `query`. */
  agentIdPlacement?: AgenticStarAgentIdPlacement;
  /** `model` sent with every chat call. Default `AGENTIC STAR` (as in the quickstart). */
  model?: string;
  /** Extra headers on every API request (not the token request); a header set to `undefined` is not sent. */
  headers?: HeaderRecord;
  /** A fetch-compatible function for every request, token request included (proxies, a custom CA for self-signed Marketplace hosts). */
  fetch?: FetchFunction;
  /** Timeouts; see {@link AgenticStarTimeouts}. */
  timeouts?: AgenticStarTimeouts;
  /** Retries of 408/409/429/5xx and connection failures before the first body byte. Default 2. */
  maxRetries?: number;
  /** Read the `AGENTICSTAR_*` variables from here instead of `process.env` (read on first use, not at creation). */
  env?: Record<string, string | undefined>;
}

/** Environment variable names (a fixed contract). */
export const AGENTICSTAR_ENV = Object.freeze({
  clientId: 'AGENTICSTAR_CLIENT_ID',
  clientSecret: 'AGENTICSTAR_CLIENT_SECRET',
  baseURL: 'AGENTICSTAR_BASE_URL',
  tokenUrl: 'AGENTICSTAR_TOKEN_URL',
  edition: 'AGENTICSTAR_EDITION',
  agentId: 'AGENTICSTAR_AGENT_ID',
} as const);

/** Default idle timeout: three heartbeat periods. */
export const AGENTICSTAR_DEFAULT_IDLE_MS = 90_000;

/** The `model` the quickstart sends. */
export const AGENTICSTAR_DEFAULT_MODEL = 'AGENTIC STAR';

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const httpUrl = lazySchema(() => z.string().refine(isHttpUrl, 'must be an absolute http(s) URL'));
const nonEmpty = lazySchema(() => z.string().min(1, 'must not be empty'));
const millis = lazySchema(() => z.number().finite().nonnegative());
export const timeoutsSchema: z.ZodType<AgenticStarTimeouts> = lazySchema(() =>
  z.strictObject({
    headersMs: millis.optional(),
    idleMs: millis.optional(),
    totalMs: millis.optional(),
  }),
);

export const settingsSchema: z.ZodType<AgenticStarSettings> = lazySchema(() =>
  z.strictObject({
    edition: z.enum(['saas', 'marketplace']).optional(),
    preset: z.enum(['agenticstar-jp', 'softbank-fd']).optional(),
    baseURL: httpUrl.optional(),
    authBaseURL: httpUrl.optional(),
    tokenUrl: httpUrl.optional(),
    clientId: nonEmpty.optional(),
    clientSecret: nonEmpty.optional(),
    tokenProvider: z
      .custom<AgenticStarTokenSource>(
        (v) => typeof v === 'object' && v !== null && typeof (v as { getToken?: unknown }).getToken === 'function',
        'must be an object with a getToken() function',
      )
      .optional(),
    tokenRefreshSkewMs: millis.optional(),
    agentId: nonEmpty.optional(),
    agentIdPlacement: z.enum(['body', 'query']).optional(),
    model: nonEmpty.optional(),
    headers: z.record(z.string(), z.string().optional()).optional(),
    fetch: z.custom<FetchFunction>((v) => typeof v === 'function', 'must be a fetch-compatible function').optional(),
    timeouts: timeoutsSchema.optional(),
    maxRetries: z.number().int().nonnegative().optional(),
    env: z.custom<Record<string, string | undefined>>(isEnvRecord, ENV_RECORD_REASON).optional(),
  }),
);
