import { InvalidArgumentError, validateArgument, type AgentTurnInput, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';
import { agentIdSchema, externalUserIdSchema } from './codeer-input-schemas';

/** The contract's message, as Codeer reads it (other fields are ignored). */
const agentMessageSchema = lazySchema(() =>
  z.object({
    role: z.enum(['system', 'user', 'assistant']),
    content: z.string(),
  }),
);

/** The strict schema of the agent contract's `AgentTurnInput`, as Codeer takes it. */
export const codeerTurnInputSchema = lazySchema(() =>
  z.strictObject({
    messages: z.array(agentMessageSchema).min(1, 'must hold at least one message'),
    session: z
      .string()
      .regex(
        /^[1-9]\d{0,17}$/,
        "must be a Codeer chat id (the digits of a positive integer, as a turn's session() gave it)",
      )
      .optional(),
    agentId: agentIdSchema.optional(),
    userId: externalUserIdSchema.optional(),
  }),
);

/** What one Codeer turn sends: the message, and the chat, agent and end user it goes to. */
export interface CodeerTurnRequest {
  message: string;
  chatId: number | undefined;
  agentId: string | undefined;
  externalUserId: string | undefined;
}

/**
 * Maps the contract's input to a Codeer send: the last user message is the message (Codeer keeps the
 * chat's history itself, and the agent keeps the instructions configured on the platform, so earlier
 * messages and system messages are not sent); `session` is the chat id; `userId` is the
 * `external_user_id`.
 *
 * @throws InvalidArgumentError naming `input.messages`, `input.session`, `input.agentId` or `input.userId`.
 */
export function codeerTurnRequest(input: AgentTurnInput): CodeerTurnRequest {
  const i = validateArgument(codeerTurnInputSchema, input, 'input');
  let last = -1;
  for (let k = i.messages.length - 1; k >= 0; k--) {
    if (i.messages[k]!.role === 'user') {
      last = k;
      break;
    }
  }
  if (last === -1) {
    throw new InvalidArgumentError('input.messages', 'must contain a user message (Codeer answers the last one)');
  }
  const message = i.messages[last]!.content;
  if (message.trim() === '') {
    throw new InvalidArgumentError(
      `input.messages.${last}.content`,
      'must not be empty: it is the last user message, the one Codeer answers',
    );
  }
  return {
    message,
    chatId: i.session === undefined ? undefined : Number(i.session),
    agentId: i.agentId,
    externalUserId: i.userId,
  };
}
