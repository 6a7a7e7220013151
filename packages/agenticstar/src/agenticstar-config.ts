import {
  createClientCredentialsProvider,
  credentialsFromAuthorization,
  lazySecret,
  lazySetting,
  readSetting,
  type HttpAuth,
} from '@kakehashi/auth';
import {
  InvalidArgumentError,
  createHttpClient,
  registerSecret,
  runtimeEnv,
  type HttpClient,
} from '@kakehashi/sse-core';
import {
  AGENTICSTAR_DEFAULT_PRESET,
  AGENTICSTAR_MARKETPLACE_TOKEN_PATH,
  AGENTICSTAR_PRESETS,
  AGENTICSTAR_SAAS_TOKEN_PATH,
} from './agenticstar-presets';
import {
  AGENTICSTAR_DEFAULT_IDLE_MS,
  AGENTICSTAR_ENV,
  type AgenticStarEdition,
  type AgenticStarSettings,
  type AgenticStarTokenSource,
} from './agenticstar-settings';
import { AGENTICSTAR_PROVIDER } from './agenticstar-turn';

/** The endpoints and ids in effect, after options, environment and defaults. */
export interface AgenticStarEndpoints {
  /** `saas` or `marketplace`. */
  edition: AgenticStarEdition;
  /** API base URL without a trailing slash. */
  baseURL: string;
  /** The token endpoint (unused when a `tokenProvider` is given). */
  tokenUrl: string;
  /** The default Marketplace agent id, when set. */
  agentId: string | undefined;
}

/** Everything a provider needs once the settings are resolved. */
export interface AgenticStarRuntime {
  /** The resolved endpoints. */
  endpoints: AgenticStarEndpoints;
  /** sse-core client with base URL, auth, timeouts and retries bound. */
  client: HttpClient;
}

/**
 * Where the `AGENTICSTAR_*` variables are read from: the `env` setting, else the runtime's environment
 * (sse-core's `runtimeEnv()`: `process.env`; on Deno `Deno.env`, a refused permission reading as unset;
 * nothing in browsers and Workers without `nodejs_compat`).
 */
export function settingsEnv(settings: {
  env?: Record<string, string | undefined>;
}): Record<string, string | undefined> {
  return settings.env ?? runtimeEnv();
}

export function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * Resolves the edition, base URL, token URL and agent id: an option wins over its environment
 * variable, which wins over the default. Reads the environment now.
 *
 * - `edition`: `AGENTICSTAR_EDITION`, default `saas`.
 * - `baseURL`: `AGENTICSTAR_BASE_URL`, default the preset's (for both editions, as the project's design
 *   card fixes: a Marketplace tenant without its own host then gets its token from the default host).
 * - `tokenUrl`: `AGENTICSTAR_TOKEN_URL`; else `{authBaseURL}/federation/auth/v1/token` (SaaS, when
 *   `authBaseURL` is set); else the preset's SaaS endpoint, or `{baseURL}/v1/auth/external-service-token` for `marketplace`.
 * - `agentId`: `AGENTICSTAR_AGENT_ID`, optional.
 *
 * @throws InvalidArgumentError for a malformed edition or URL (naming the variable it came from).
 */
export function resolveAgenticStarEndpoints(settings: AgenticStarSettings = {}): AgenticStarEndpoints {
  const source = settingsEnv(settings);
  const preset = AGENTICSTAR_PRESETS[settings.preset ?? AGENTICSTAR_DEFAULT_PRESET];
  let edition: AgenticStarEdition = settings.edition ?? 'saas';
  if (settings.edition === undefined) {
    const fromEnv = blankToUndefined(source[AGENTICSTAR_ENV.edition])?.toLowerCase();
    if (fromEnv !== undefined) {
      if (fromEnv !== 'saas' && fromEnv !== 'marketplace') {
        throw new InvalidArgumentError(
          'edition',
          `${AGENTICSTAR_ENV.edition} must be "saas" or "marketplace", got "${fromEnv}"`,
        );
      }
      edition = fromEnv;
    }
  }
  const baseURL = readSetting({
    value: settings.baseURL,
    env: AGENTICSTAR_ENV.baseURL,
    setting: 'baseURL',
    kind: 'url',
    source,
    default: preset.baseURL,
  });
  let tokenUrl: string;
  if (settings.tokenUrl !== undefined || blankToUndefined(source[AGENTICSTAR_ENV.tokenUrl]) !== undefined) {
    tokenUrl = readSetting({
      value: settings.tokenUrl,
      env: AGENTICSTAR_ENV.tokenUrl,
      setting: 'tokenUrl',
      kind: 'url',
      source,
    });
  } else if (edition === 'marketplace') {
    tokenUrl = `${baseURL}${AGENTICSTAR_MARKETPLACE_TOKEN_PATH}`;
  } else if (settings.authBaseURL !== undefined) {
    tokenUrl = `${settings.authBaseURL.replace(/\/+$/, '')}${AGENTICSTAR_SAAS_TOKEN_PATH}`;
  } else {
    tokenUrl = preset.tokenUrl;
  }
  const agentId = blankToUndefined(settings.agentId) ?? blankToUndefined(source[AGENTICSTAR_ENV.agentId]);
  return { edition, baseURL, tokenUrl, agentId };
}

/** Auth from a caller's own token source: bearer header per attempt, invalidate + one retry on 401. */
function tokenSourceAuth(tokens: AgenticStarTokenSource): Required<HttpAuth> {
  return {
    headers: async () => {
      const token = await tokens.getToken();
      registerSecret(token);
      return { authorization: `Bearer ${token}` };
    },
    onUnauthorized: (_error, sent) => {
      if (typeof tokens.invalidate !== 'function') return false;
      const token = credentialsFromAuthorization(sent.authorization);
      if (token !== undefined) tokens.invalidate(token);
      return true;
    },
  };
}

/**
 * Builds the runtime: endpoints, the token provider (client credentials, form for SaaS, JSON for
 * Marketplace; credentials read lazily on the first token request), and the HTTP client.
 */
export function createAgenticStarRuntime(settings: AgenticStarSettings): AgenticStarRuntime {
  const endpoints = resolveAgenticStarEndpoints(settings);
  const source = settingsEnv(settings);
  const auth: Required<HttpAuth> =
    settings.tokenProvider !== undefined
      ? tokenSourceAuth(settings.tokenProvider)
      : createClientCredentialsProvider({
          tokenUrl: endpoints.tokenUrl,
          clientId: lazySetting({
            value: settings.clientId,
            env: AGENTICSTAR_ENV.clientId,
            setting: 'clientId',
            source,
          }),
          clientSecret: lazySecret({
            value: settings.clientSecret,
            env: AGENTICSTAR_ENV.clientSecret,
            setting: 'clientSecret',
            source,
          }),
          style: endpoints.edition === 'marketplace' ? 'json' : 'form',
          provider: AGENTICSTAR_PROVIDER,
          ...(settings.fetch ? { fetch: settings.fetch } : {}),
          ...(settings.timeouts ? { timeouts: settings.timeouts } : {}),
          ...(settings.maxRetries !== undefined ? { retry: { maxRetries: settings.maxRetries } } : {}),
          ...(settings.tokenRefreshSkewMs !== undefined ? { refreshSkewMs: settings.tokenRefreshSkewMs } : {}),
        }).toHttpAuth();
  const extraHeaders = settings.headers;
  const client = createHttpClient({
    baseURL: endpoints.baseURL,
    provider: AGENTICSTAR_PROVIDER,
    headers: extraHeaders ? async () => ({ ...extraHeaders, ...(await auth.headers()) }) : auth.headers,
    onUnauthorized: auth.onUnauthorized,
    timeouts: { idleMs: AGENTICSTAR_DEFAULT_IDLE_MS, ...settings.timeouts },
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
    ...(settings.maxRetries !== undefined ? { retry: { maxRetries: settings.maxRetries } } : {}),
  });
  return { endpoints, client };
}
