import {
  type AgentEvent,
  type AgentPlatform,
  type AgentTurnInput,
  createAgentTurn,
  InvalidArgumentError,
  sleep,
} from '@kakehashi/sse-core';

/** Options of {@link createEchoPlatform}. */
export interface EchoPlatformOptions {
  /** The platform's name (default `echo`). */
  name?: string;
  /** The answer to a turn (default: `echo: ` and the last user message). */
  answer?: (input: AgentTurnInput, turn: number) => string;
  /** Characters per `text-delta` event (default 4). */
  chunkSize?: number;
  /** Pause before each text event, in milliseconds (default 0). */
  delayMs?: number;
  /** Steps to show before the text (each becomes a `step-start` and a `step-end`). */
  steps?: readonly string[];
}

/**
 * A platform made only from the agent contract, with no network: it answers every turn by echoing
 * the last user message, in small text deltas, and keeps a session per conversation. For tests of
 * the doors (the CLI, the gateway, the AI SDK provider, the MCP server) and to show what adding a
 * platform takes: register it with `defaultPlatforms.with(createEchoPlatform())`.
 */
export function createEchoPlatform(options: EchoPlatformOptions = {}): AgentPlatform {
  const name = options.name ?? 'echo';
  const chunkSize = options.chunkSize ?? 4;
  const answerOf = options.answer ?? ((input) => `echo: ${lastUserText(input)}`);
  const turns = new Map<string, number>();
  let sessions = 0;
  return {
    name,
    title: 'Echo',
    envVars: [],
    status: () => ({ ready: true, defaultAgentId: undefined, agentOptional: true }),
    createAgent: () => ({
      provider: name,
      startTurn(input, callOptions) {
        if (!Array.isArray(input?.messages))
          throw new InvalidArgumentError('input.messages', 'must be an array of messages');
        if (lastUserText(input) === undefined)
          throw new InvalidArgumentError('input.messages', 'must contain a user message');
        const session = input.session ?? `${name}-session-${++sessions}`;
        return createAgentTurn({
          provider: name,
          session,
          ...(callOptions?.signal ? { signal: callOptions.signal } : {}),
          open(signals) {
            const turn = (turns.get(session) ?? 0) + 1;
            turns.set(session, turn);
            const text = answerOf(input, turn);
            return events(text, session, signals)[Symbol.asyncIterator]();
          },
        });
      },
    }),
  };

  async function* events(text: string, session: string, signals: readonly AbortSignal[]): AsyncGenerator<AgentEvent> {
    yield { type: 'start', provider: name, conversationId: session };
    for (const [i, title] of (options.steps ?? []).entries()) {
      yield { type: 'step-start', id: `step-${i + 1}`, kind: 'task', title };
      yield { type: 'step-end', id: `step-${i + 1}`, kind: 'task', title, status: 'completed' };
    }
    const chars = Array.from(text); // code points: a delta never splits a surrogate pair
    for (let i = 0; i < chars.length; i += chunkSize) {
      if (options.delayMs) await sleep(options.delayMs, signals);
      yield { type: 'text-delta', delta: chars.slice(i, i + chunkSize).join('') };
    }
    yield { type: 'finish', text, reason: 'stop' };
  }
}

function lastUserText(input: AgentTurnInput): string | undefined {
  for (let i = input.messages.length - 1; i >= 0; i--) {
    const m = input.messages[i]!;
    if (m.role === 'user') return m.content;
  }
  return undefined;
}
