import { readSetting, type EnvSource } from '@kakehashi/auth';
import { validateArgument } from '@kakehashi/sse-core';
import { CODEER_ENV } from './codeer-constants';
import type { CodeerHttp } from './codeer-http';
import { requestOptionsSchema } from './codeer-input-schemas';
import type { CodeerRequestOptions } from './codeer-request-options';

/** What every resource shares: the transport and the provider's defaults. */
export interface CodeerContext {
  http: CodeerHttp;
  /** The agent: the one given, else the provider's `agentId`, else `CODEER_AGENT_ID` from `env` or `process.env` (else `MissingConfigError`). */
  agentId(given: string | undefined): string;
  /** The external user: the one given, else the provider's `externalUserId`. */
  externalUserId(given: string | undefined): string | undefined;
}

/** Builds the shared context. */
export function createCodeerContext(
  http: CodeerHttp,
  defaults: { agentId?: string; externalUserId?: string; env?: EnvSource },
): CodeerContext {
  const source = defaults.env === undefined ? {} : { source: defaults.env };
  return {
    http,
    agentId: (given) =>
      given ?? readSetting({ value: defaults.agentId, env: CODEER_ENV.agentId, setting: 'agentId', ...source }),
    externalUserId: (given) => given ?? defaults.externalUserId,
  };
}

/** Validates the per-call options argument. */
export function checkOptions(options: CodeerRequestOptions | undefined): CodeerRequestOptions {
  return validateArgument(requestOptionsSchema, options, 'options') ?? {};
}

/** `/a/b` with every segment percent-encoded. */
export function path(...segments: Array<string | number>): string {
  return `/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`;
}
