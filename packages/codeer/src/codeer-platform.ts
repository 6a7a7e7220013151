import { maskSecret } from '@kakehashi/auth';
import {
  runtimeEnv,
  type AgentPlatform,
  type AgentPlatformCheckOptions,
  type AgentPlatformStatus,
} from '@kakehashi/sse-core';
import { CODEER_ENV, CODEER_PROVIDER } from './codeer-constants';
import { createCodeer } from './codeer-provider';
import type { CodeerProviderSettings } from './codeer-settings';

/** A non-blank string, trimmed; anything else counts as unset. */
function present(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  return v === '' ? undefined : v;
}

/**
 * Codeer as the apps and doors see it (the registry in `@kakehashi/platforms` loads it by name):
 * `status()` tells whether an API key is configured and which agent is the default, without sending
 * anything; `createAgent()` is {@link createCodeer}; `checkCredentials()` lists the published agents.
 */
export const codeerPlatform: AgentPlatform<CodeerProviderSettings> = Object.freeze({
  name: CODEER_PROVIDER,
  title: 'Codeer',
  envVars: Object.freeze([CODEER_ENV.apiKey, CODEER_ENV.baseURL, CODEER_ENV.agentId]),
  /**
   * Ready when an API key is given (`apiKey`, else `CODEER_API_KEY` in `settings.env` or
   * `process.env`); otherwise `missing: 'CODEER_API_KEY'`. The default agent is `agentId`, else
   * `CODEER_AGENT_ID`; a turn needs an agent (Codeer has no platform default), so `agentOptional` is
   * whether one is configured.
   */
  status(settings: CodeerProviderSettings = {}): AgentPlatformStatus {
    const env = settings.env ?? runtimeEnv();
    if (present(settings.apiKey) === undefined && present(env[CODEER_ENV.apiKey]) === undefined) {
      return { ready: false, missing: CODEER_ENV.apiKey };
    }
    const defaultAgentId = present(settings.agentId) ?? present(env[CODEER_ENV.agentId]);
    return { ready: true, defaultAgentId, agentOptional: defaultAgentId !== undefined };
  },
  createAgent: (settings?: CodeerProviderSettings) => createCodeer(settings),
  /**
   * Lists the workspace's published agents (nothing is changed); the detail names the API key,
   * masked, and how many agents it sees.
   */
  async checkCredentials({ settings = {}, signal }: AgentPlatformCheckOptions<CodeerProviderSettings> = {}) {
    const agents = await createCodeer(settings).agents.list(signal ? { signal } : {});
    const apiKey = present(settings.apiKey) ?? present((settings.env ?? runtimeEnv())[CODEER_ENV.apiKey]);
    return { detail: `key ${maskSecret(apiKey)}, ${agents.length} agent(s) visible` };
  },
});
