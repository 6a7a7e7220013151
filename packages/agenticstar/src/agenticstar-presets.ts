/**
 * Host presets. The project's quickstart hosts are the default; the newer documented hosts
 * (SoftBank "AGENTIC STAR" developer site) are a named preset. Every host can be overridden.
 */

/** The hosts of one documentation generation. */
export interface AgenticStarHostPreset {
  /** API base URL; every endpoint path (`/v1/...`) is relative to it. */
  baseURL: string;
  /** Auth host; the SaaS token endpoint is `{authBaseURL}/federation/auth/v1/token`. */
  authBaseURL: string;
  /** The SaaS (OIDC) token endpoint. */
  tokenUrl: string;
}

/** Names of the host presets. */
export type AgenticStarPresetName = 'agenticstar-jp' | 'softbank-fd';

/** Path of the SaaS token endpoint below the auth host. */
export const AGENTICSTAR_SAAS_TOKEN_PATH = '/federation/auth/v1/token';

/** Path of the Marketplace token endpoint below the API base URL. */
export const AGENTICSTAR_MARKETPLACE_TOKEN_PATH = '/v1/auth/external-service-token';

/**
 * - `agenticstar-jp` (default): the project's quickstart hosts, `https://api.agenticstar.jp` and
 *   `https://auth.agenticstar.jp/federation/auth/v1/token`.
 * - `softbank-fd`: the newer documented hosts, `https://api.fd.agenticstar.tm.softbank.jp/api` and
 *   `https://auth.fd.agenticstar.tm.softbank.jp/federation/auth/v1/token`.
 */
export const AGENTICSTAR_PRESETS: Readonly<Record<AgenticStarPresetName, Readonly<AgenticStarHostPreset>>> =
  Object.freeze({
    'agenticstar-jp': Object.freeze({
      baseURL: 'https://api.agenticstar.jp',
      authBaseURL: 'https://auth.agenticstar.jp',
      tokenUrl: `https://auth.agenticstar.jp${AGENTICSTAR_SAAS_TOKEN_PATH}`,
    }),
    'softbank-fd': Object.freeze({
      baseURL: 'https://api.fd.agenticstar.tm.softbank.jp/api',
      authBaseURL: 'https://auth.fd.agenticstar.tm.softbank.jp',
      tokenUrl: `https://auth.fd.agenticstar.tm.softbank.jp${AGENTICSTAR_SAAS_TOKEN_PATH}`,
    }),
  });

/** The preset used when none is named. */
export const AGENTICSTAR_DEFAULT_PRESET: AgenticStarPresetName = 'agenticstar-jp';
