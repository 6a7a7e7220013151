import { ChatRequestError } from './chat-completions-errors';

/** The agent platforms the gateway serves. */
export const CHAT_PLATFORMS = ['agenticstar', 'codeer', 'miibo'] as const;

/** One of {@link CHAT_PLATFORMS}. */
export type ChatPlatform = (typeof CHAT_PLATFORMS)[number];

/** What a `model` string names: the platform and, when given, the agent. */
export interface ModelTarget {
  platform: ChatPlatform;
  /** The part after the first `/`; `undefined` for a bare platform name (the configured default agent). */
  agentId: string | undefined;
}

function isPlatform(value: string): value is ChatPlatform {
  return (CHAT_PLATFORMS as readonly string[]).includes(value);
}

/**
 * Parses `agenticstar`, `agenticstar/<agentId>`, `codeer[/<agentId>]` or `miibo[/<agentId>]` (the
 * platform name is case-insensitive; the agent id is kept as given).
 *
 * @throws ChatRequestError 404 `model_not_found` for another platform, 400 for an empty agent id.
 */
export function parseModel(model: string): ModelTarget {
  const slash = model.indexOf('/');
  const prefix = (slash === -1 ? model : model.slice(0, slash)).trim().toLowerCase();
  if (!isPlatform(prefix)) {
    throw new ChatRequestError(
      `The model '${model}' does not exist: use agenticstar, agenticstar/<agentId>, codeer/<agentId> or miibo/<agentId> (GET /v1/models lists the configured ones).`,
      { status: 404, param: 'model', code: 'model_not_found' },
    );
  }
  if (slash === -1) return { platform: prefix, agentId: undefined };
  const agentId = model.slice(slash + 1).trim();
  if (agentId === '')
    throw new ChatRequestError(`Invalid value for 'model': the agent id after "${prefix}/" is empty.`, {
      param: 'model',
      code: 'invalid_value',
    });
  return { platform: prefix, agentId };
}
