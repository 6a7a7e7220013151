import {
  type AgentEvent,
  type AgentPlatform,
  type AgentPlatformStatus,
  type AgentTurnInput,
  createAgentTurn,
  InvalidArgumentError,
} from '@kakehashi/sse-core';

/** Options of {@link scriptedPlatform}. */
export interface ScriptedPlatformOptions {
  name: string;
  /** The events of every turn, in order (`start` is added first). */
  events?: AgentEvent[];
  /** After the scripted events, wait until the turn is cancelled (a stalled stream). */
  stallAfter?: boolean;
  rewritesText?: boolean;
  envVars?: string[];
  status?: (settings: { env?: Record<string, string | undefined> }) => AgentPlatformStatus;
  /** Refuse a session that is not digits, as an SDK would (`input.session`). */
  numericSessions?: boolean;
}

/** What a scripted platform saw. */
export interface ScriptedPlatformRecord {
  inputs: AgentTurnInput[];
  cancelled: number;
  settings: { env?: Record<string, string | undefined> }[];
}

/**
 * A chat platform made from the agent contract alone (`createAgentTurn`), with no network: it plays
 * scripted events and records what it was asked, whether it was cancelled, and the settings it got.
 */
export function scriptedPlatform(options: ScriptedPlatformOptions): {
  platform: AgentPlatform;
  record: ScriptedPlatformRecord;
} {
  const record: ScriptedPlatformRecord = { inputs: [], cancelled: 0, settings: [] };
  const platform: AgentPlatform = {
    name: options.name,
    title: options.name,
    envVars: options.envVars ?? [],
    status: (settings = {}) =>
      options.status?.(settings) ?? { ready: true, defaultAgentId: undefined, agentOptional: true },
    createAgent: (settings = {}) => {
      record.settings.push(settings);
      return {
        provider: options.name,
        ...(options.rewritesText ? { rewritesText: true } : {}),
        startTurn(input, callOptions) {
          if (options.numericSessions && input.session !== undefined && !/^\d+$/.test(input.session)) {
            throw new InvalidArgumentError('input.session', 'must be a chat id (digits)');
          }
          record.inputs.push(input);
          const session = input.session ?? `${options.name}-1`;
          return createAgentTurn({
            provider: options.name,
            session,
            ...(callOptions?.signal ? { signal: callOptions.signal } : {}),
            open: (signals) => play(signals)[Symbol.asyncIterator](),
          });
        },
      };
    },
  };

  async function* play(signals: readonly AbortSignal[]): AsyncGenerator<AgentEvent> {
    for (const s of signals) s.addEventListener('abort', () => record.cancelled++, { once: true });
    yield { type: 'start', provider: options.name };
    for (const event of options.events ?? []) yield event;
    if (options.stallAfter) {
      await new Promise<never>((_, reject) => {
        const onAbort = () => reject(new Error('aborted'));
        for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  return { platform, record };
}
