import type { AgentDirectory } from '@kakehashi/platforms';
import type { AgentTurnInput, ChatAgent } from '@kakehashi/sse-core';
import { ConfigError, UsageError } from './cli-errors';
import type { CliValues } from './cli-options';

/** The flags that name the session to continue: the generic one, then each platform's own word for it. */
const SESSION_FLAGS = ['session', 'chat', 'conversation', 'uid'] as const;

/** What the flags say about the turn: the session to continue, the agent, the end user. */
export interface TurnFlags {
  /** `--session`, `--chat`, `--conversation` or `--uid` (all name the session). */
  session?: string;
  /** The flag the session came from, for error messages. */
  sessionFlag?: string;
  /** `--agent`. */
  agentId?: string;
  /** `--user`. */
  userId?: string;
}

/**
 * Reads the turn's flags. `--chat` (Codeer), `--conversation` (AgenticStar) and `--uid` (miibo) are
 * the platforms' names for one thing, the session a turn continues, so each of them (and
 * `--session`) sets {@link AgentTurnInput.session} whatever the platform.
 */
export function turnFlags(values: CliValues): TurnFlags {
  const given = SESSION_FLAGS.filter((flag) => values[flag] !== undefined);
  for (const flag of [...given, 'agent', 'user'] as const) {
    if (values[flag] !== undefined && values[flag].trim() === '') throw new UsageError(`--${flag} needs a value`);
  }
  const sessions = new Set(given.map((flag) => values[flag]));
  if (sessions.size > 1) {
    throw new UsageError(`${given.map((f) => `--${f}`).join(', ')}: each names the session to continue, give only one`);
  }
  const flags: TurnFlags = {};
  if (given.length > 0) {
    flags.session = values[given[0]!]!;
    flags.sessionFlag = `--${given[0]}`;
  }
  if (values.agent !== undefined) flags.agentId = values.agent;
  if (values.user !== undefined) flags.userId = values.user;
  return flags;
}

/** The turn input for these messages and flags. */
export function turnInput(
  messages: AgentTurnInput['messages'],
  flags: TurnFlags,
  session = flags.session,
): AgentTurnInput {
  return {
    messages,
    ...(session !== undefined ? { session } : {}),
    ...(flags.agentId !== undefined ? { agentId: flags.agentId } : {}),
    ...(flags.userId !== undefined ? { userId: flags.userId } : {}),
  };
}

/**
 * The agent of a registered platform, once the directory says it is configured. Exit status 2 for
 * an unknown platform, a missing variable (named), or no agent where the platform needs one.
 */
export async function openAgent(
  directory: AgentDirectory,
  name: string | undefined,
  flags: TurnFlags,
): Promise<ChatAgent> {
  const names = directory.platforms.names.join(', ');
  if (!name) throw new UsageError(`chat needs a platform: ${names}`);
  if (!directory.platforms.has(name)) throw new UsageError(`unknown platform "${name}": expected one of ${names}`);
  const status = await directory.status(name);
  if (status.state === 'off') throw new ConfigError(`${name} is switched off here`);
  if (status.state === 'missing') {
    throw new ConfigError(`${name} is not configured: set ${status.envVar} (in the environment or a .env file)`);
  }
  if (!status.agentOptional && flags.agentId === undefined) {
    const platform = await directory.platforms.get(name);
    const variable = platform.envVars.find((v) => v.endsWith('_AGENT_ID'));
    throw new ConfigError(
      `${name} needs an agent: pass --agent <id>${variable ? ` or set ${variable}` : ''} (in the environment or a .env file)`,
    );
  }
  return directory.agent(name);
}
