import { maskSecret } from '@kakehashi/auth';
import type {
  AgentPlatform,
  AgentPlatformCheckOptions,
  AgentPlatformCredentials,
  AgentPlatformStatus,
} from '@kakehashi/sse-core';
import { blankToUndefined, settingsEnv } from './agenticstar-config';
import { createAgenticStar, type AgenticStarProvider } from './agenticstar-provider';
import { AGENTICSTAR_ENV, type AgenticStarSettings } from './agenticstar-settings';
import { AGENTICSTAR_PROVIDER } from './agenticstar-turn';

function given(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

/**
 * Whether AgenticStar can be used with these settings, found without sending anything: credentials
 * (`clientId` and `clientSecret`, from the settings or `AGENTICSTAR_CLIENT_ID` /
 * `AGENTICSTAR_CLIENT_SECRET`) or a `tokenProvider`; the default agent (`agentId` or
 * `AGENTICSTAR_AGENT_ID`); and whether a turn may omit the agent (always on SaaS, only with a default
 * agent on Marketplace).
 */
function agenticStarStatus(settings: AgenticStarSettings = {}): AgentPlatformStatus {
  const env = settingsEnv(settings);
  if (settings.tokenProvider === undefined) {
    for (const [value, envVar] of [
      [settings.clientId, AGENTICSTAR_ENV.clientId],
      [settings.clientSecret, AGENTICSTAR_ENV.clientSecret],
    ] as const) {
      if (!given(value) && blankToUndefined(env[envVar]) === undefined) return { ready: false, missing: envVar };
    }
  }
  const defaultAgentId = blankToUndefined(settings.agentId) ?? blankToUndefined(env[AGENTICSTAR_ENV.agentId]);
  const edition = settings.edition ?? blankToUndefined(env[AGENTICSTAR_ENV.edition])?.toLowerCase();
  return { ready: true, defaultAgentId, agentOptional: defaultAgentId !== undefined || edition !== 'marketplace' };
}

/**
 * Proves the credentials work: obtains a token and reads one page of conversations (nothing is
 * changed). The detail names the client id, masked, and the base URL.
 */
async function checkAgenticStarCredentials(
  options: AgentPlatformCheckOptions<AgenticStarSettings> = {},
): Promise<AgentPlatformCredentials> {
  const settings = options.settings ?? {};
  const client = createAgenticStar(settings);
  await client.getConversationPage({ limit: 1 }, options.signal ? { signal: options.signal } : {});
  const clientId =
    blankToUndefined(settings.clientId) ?? blankToUndefined(settingsEnv(settings)[AGENTICSTAR_ENV.clientId]);
  const who = clientId !== undefined ? `client ${maskSecret(clientId)}` : 'token provider';
  return { detail: `${who} at ${client.endpoints().baseURL}` };
}

/** The type of {@link agenticStarPlatform}: an `AgentPlatform` whose agents are whole AgenticStar clients. */
export interface AgenticStarPlatform extends AgentPlatform<AgenticStarSettings> {
  /**
   * Makes a client ({@link createAgenticStar}): settings checked now, credentials read on first use.
   *
   * @throws InvalidArgumentError naming a bad setting.
   */
  createAgent(settings?: AgenticStarSettings): AgenticStarProvider;
}

/**
 * AgenticStar as the apps and doors see it (register it in `@kakehashi/platforms`): its name, the
 * variables it reads, whether it is configured, its agent, made by {@link createAgenticStar}, and a
 * credentials check (a token and one page of conversations).
 */
export const agenticStarPlatform: AgenticStarPlatform = Object.freeze({
  name: AGENTICSTAR_PROVIDER,
  title: 'AgenticStar',
  envVars: Object.freeze([
    AGENTICSTAR_ENV.clientId,
    AGENTICSTAR_ENV.clientSecret,
    AGENTICSTAR_ENV.baseURL,
    AGENTICSTAR_ENV.tokenUrl,
    AGENTICSTAR_ENV.edition,
    AGENTICSTAR_ENV.agentId,
  ]),
  status: agenticStarStatus,
  createAgent: (settings?: AgenticStarSettings) => createAgenticStar(settings),
  checkCredentials: checkAgenticStarCredentials,
});
