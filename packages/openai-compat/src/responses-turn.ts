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
import type { ChatMessage } from './chat-completions-request';
import type { ChatTurn } from './chat-completions-turn';
import type { ConversationStore } from './conversation-store';
import type { ResponsesRequest } from './responses-request';
import { loadItem, loadResponse, type StoredResponse } from './responses-stored';

/** What a request turns into before it is sent: the messages, and the stored response it continues. */
export interface ResponsesTurnPlan {
  /** `instructions` as the first `system` message, then `input` (references resolved), as `AgentMessage`s. */
  messages: AgentMessage[];
  /** The stored response behind `previous_response_id`. */
  previous: StoredResponse | undefined;
}

const modelName = (platform: string, agentId: string | null | undefined) =>
  agentId === undefined || agentId === null ? platform : `${platform}/${agentId}`;

/**
 * Resolves what the request names in the store: the response `previous_response_id` continues (an
 * unknown one, another caller's, one answered by another model, or one without a session, is a 400
 * naming `previous_response_id`) and each `item_reference` (an unknown one is a 400 naming
 * `input[i].id`; a referenced message is its text, a referenced reasoning item is left out).
 */
export async function planResponsesTurn(
  request: ResponsesRequest,
  target: ModelTarget,
  store: ConversationStore,
  scope: string | null,
): Promise<ResponsesTurnPlan> {
  let previous: StoredResponse | undefined;
  if (request.previousResponseId !== undefined) {
    const id = request.previousResponseId;
    previous = await loadResponse(store, id, scope);
    if (previous === undefined) {
      throw new ChatRequestError(
        `Previous response with id '${id}' not found (it was never stored, was sent with store: false, or has expired): 'previous_response_id' must name a stored response.`,
        { param: 'previous_response_id', code: 'previous_response_not_found' },
      );
    }
    const was = modelName(previous.platform, previous.agentId);
    if (was !== modelName(target.platform, target.agentId)) {
      throw new ChatRequestError(
        `Invalid value for 'previous_response_id': the response '${id}' was answered by the model '${was}', whose platform session cannot be continued with '${request.model}'.`,
        { param: 'previous_response_id', code: 'invalid_value' },
      );
    }
    if (previous.session === null) {
      throw new ChatRequestError(
        `Invalid value for 'previous_response_id': the response '${id}' has no platform session to continue (it ${previous.response.status === 'failed' ? 'failed' : 'ended'} before the platform named one).`,
        { param: 'previous_response_id', code: 'invalid_value' },
      );
    }
  }
  const messages: ChatMessage[] = [];
  if (request.instructions !== undefined && request.instructions !== '')
    messages.push({ role: 'system', text: request.instructions });
  for (const entry of request.input) {
    if (entry.kind === 'message') {
      messages.push(entry.message);
      continue;
    }
    const item = await loadItem(store, entry.id, scope);
    if (item === undefined) {
      throw new ChatRequestError(
        `Invalid value for '${entry.param}': no stored output item has the id '${entry.id}' (item references name the items of stored responses).`,
        { param: entry.param, code: 'invalid_value' },
      );
    }
    if (item.item.type === 'message') messages.push({ role: 'assistant', text: item.item.text });
  }
  return { messages: agentMessages(messages), previous };
}

/** The contract's input fields → the request field the caller should fix. */
function paramOf(argument: string, request: ResponsesRequest): string | undefined {
  const field = (name: string) => argument === name || argument.startsWith(`${name}.`);
  if (field('input.messages')) return 'input';
  if (field('input.session')) return request.previousResponseId === undefined ? 'input' : 'previous_response_id';
  if (field('input.userId')) return 'user';
  if (field('input.agentId')) return 'model';
  return undefined;
}

function asRequestError(error: unknown, request: ResponsesRequest): unknown {
  if (!InvalidArgumentError.isInstance(error)) return error;
  const param = paramOf(error.argument, request);
  if (param === undefined) return error;
  return new ChatRequestError(`Invalid value for '${param}': ${error.reason}.`, { param, code: 'invalid_value' });
}

/**
 * Starts one turn through the platform's `ChatAgent`: the planned messages, the continued
 * response's session (or `session`, one recognised from the history), `user` as `userId`, the
 * model's agent id as `agentId`. Nothing is sent until the first read. An input the SDK refuses
 * throws here, as a 400 naming the request field.
 */
export function openResponsesTurn(
  agent: ChatAgent,
  target: ModelTarget,
  request: ResponsesRequest,
  plan: ResponsesTurnPlan,
  options: Omit<AgentCallOptions, 'signal'>,
  session?: string,
): ChatTurn {
  const input: AgentTurnInput = { messages: plan.messages };
  const continued = plan.previous?.session ?? session;
  if (continued !== undefined && continued !== null) input.session = continued;
  if (target.agentId !== undefined) input.agentId = target.agentId;
  if (request.user !== undefined) input.userId = request.user;
  let turn: AgentTurn;
  try {
    turn = agent.startTurn(input, options);
  } catch (error) {
    throw asRequestError(error, request);
  }
  return { turn, platform: target.platform, requestError: (error) => asRequestError(error, request) };
}
