import { maskSecret } from '@kakehashi/auth';
import {
  runtimeEnv,
  type AgentPlatform,
  type AgentPlatformCheckOptions,
  type AgentPlatformStatus,
} from '@kakehashi/sse-core';
import { createMiibo, type MiiboProvider } from './miibo-provider';
import { MIIBO_ENV, type MiiboSettings } from './miibo-settings';

/** The type of {@link miiboPlatform}: an `AgentPlatform` whose agents are whole miibo clients. */
export interface MiiboPlatform extends AgentPlatform<MiiboSettings> {
  /** {@link createMiibo}: settings checked now, credentials read on first use. */
  createAgent(settings?: MiiboSettings): MiiboProvider;
}

function present(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  return v === '' ? undefined : v;
}

/**
 * miibo as the apps and doors see it (`@kakehashi/platforms` registers it): `miibo/<agentId>` model
 * names, `miibo_chat` tools, the `miibo` CLI argument.
 *
 * `status(settings)` sends nothing: miibo is ready when an API key is set (`settings.apiKey` or
 * `MIIBO_API_KEY`, read from `settings.env`, else `process.env`); the default agent is
 * `settings.agentId` or `MIIBO_AGENT_ID`, and a turn without an agent id works only when there is one.
 * `createAgent(settings)` is {@link createMiibo}; `checkCredentials()` starts a conversation.
 */
export const miiboPlatform: MiiboPlatform = Object.freeze({
  name: 'miibo',
  title: 'miibo',
  envVars: Object.freeze([MIIBO_ENV.apiKey, MIIBO_ENV.agentId, MIIBO_ENV.baseURL, MIIBO_ENV.adminApiKey]),
  status(settings: MiiboSettings = {}): AgentPlatformStatus {
    const env = settings.env ?? runtimeEnv();
    if (present(settings.apiKey) === undefined && present(env[MIIBO_ENV.apiKey]) === undefined)
      return { ready: false, missing: MIIBO_ENV.apiKey };
    const defaultAgentId = present(settings.agentId) ?? present(env[MIIBO_ENV.agentId]);
    return { ready: true, defaultAgentId, agentOptional: defaultAgentId !== undefined };
  },
  createAgent(settings?: MiiboSettings) {
    return createMiibo(settings);
  },
  /**
   * Starts a conversation with an empty utterance for the configured agent (miibo's own greeting
   * call; nothing is asked); the detail names the API key, masked, and the agent.
   */
  async checkCredentials({ settings = {}, signal }: AgentPlatformCheckOptions<MiiboSettings> = {}) {
    await createMiibo(settings).startConversation({}, signal ? { signal } : {});
    const env = settings.env ?? runtimeEnv();
    const apiKey = present(settings.apiKey) ?? present(env[MIIBO_ENV.apiKey]);
    const agentId = present(settings.agentId) ?? present(env[MIIBO_ENV.agentId]);
    return { detail: `key ${maskSecret(apiKey)}, agent ${agentId ?? '(default)'}` };
  },
});
