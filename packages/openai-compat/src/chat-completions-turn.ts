import {
  type AgentCallOptions,
  type AgentMessage,
  type AgentTurn,
  type AgentTurnInput,
  type ChatAgent,
  InvalidArgumentError,
} from '@kakehashi/sse-core';
import { ChatRequestError } from './chat-completions-errors';
import { agentMessages } from './chat-completions-messages';
import type { ModelTarget } from './chat-completions-model';
import type { ChatCompletionsRequest } from './chat-completions-request';

/** One agent turn as the handler reads it: the contract's turn and how its input errors map back to the request. */
export interface ChatTurn {
  /** The turn; read once. */
  readonly turn: AgentTurn;
  /** The platform's name (the model's prefix). */
  readonly platform: string;
  /** An SDK's `InvalidArgumentError` about the turn's input as a 400 naming the request field; anything else as it is. */
  requestError(error: unknown): unknown;
}

/** The contract's input fields → the request field the caller should fix (the session's depends on the request). */
function paramOf(argument: string, request: ChatCompletionsRequest): string | undefined {
  const field = (name: string) => argument === name || argument.startsWith(`${name}.`);
  if (field('input.messages')) return 'messages';
  if (field('input.session')) return request.sessionParam ?? 'conversation_id';
  if (field('input.userId')) return 'user';
  if (field('input.agentId')) return 'model';
  return undefined;
}

function asRequestError(error: unknown, request: ChatCompletionsRequest): unknown {
  if (!InvalidArgumentError.isInstance(error)) return error;
  const param = paramOf(error.argument, request);
  if (param === undefined) return error;
  return new ChatRequestError(`Invalid value for '${param}': ${error.reason}.`, { param, code: 'invalid_value' });
}

/** A conversation the gateway recognised from its history (no id in the request). */
export interface ContinuedConversation {
  /** The request's messages as `AgentMessage`s (computed once, for the lookup and the turn). */
  messages: AgentMessage[];
  /** The session found for it; `undefined` starts a new one. */
  session: string | undefined;
}

/**
 * Starts one turn through the platform's `ChatAgent`: the OpenAI messages as `AgentMessage`s, the
 * explicit id (or else the session found from the history, `continued`) as `session`, `user` as
 * `userId`, the model's agent id as `agentId`. Nothing is sent until the first read. An input the SDK
 * refuses throws here, as a 400 naming the request field; a session found from the history that the
 * SDK refuses is dropped instead (the turn starts a new session: the caller never sent it).
 */
export function openChatTurn(
  agent: ChatAgent,
  target: ModelTarget,
  request: ChatCompletionsRequest,
  options: Omit<AgentCallOptions, 'signal'>,
  continued?: ContinuedConversation,
): ChatTurn {
  const input: AgentTurnInput = { messages: continued?.messages ?? agentMessages(request.messages) };
  if (request.session !== undefined) input.session = request.session;
  else if (continued?.session !== undefined) input.session = continued.session;
  if (target.agentId !== undefined) input.agentId = target.agentId;
  if (request.user !== undefined) input.userId = request.user;
  let turn: AgentTurn;
  try {
    turn = agent.startTurn(input, options);
  } catch (error) {
    const inferred = request.session === undefined && input.session !== undefined;
    if (!(inferred && InvalidArgumentError.isInstance(error) && error.argument.startsWith('input.session')))
      throw asRequestError(error, request);
    delete input.session;
    try {
      turn = agent.startTurn(input, options);
    } catch (retryError) {
      throw asRequestError(retryError, request);
    }
  }
  return { turn, platform: target.platform, requestError: (error) => asRequestError(error, request) };
}
