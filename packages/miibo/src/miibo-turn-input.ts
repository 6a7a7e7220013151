import { type AgentMessage, type AgentTurnInput, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';
import { nonEmpty, validate } from './miibo-validation';

/** What one contract turn asks miibo: the utterance, the uid that is the session, the agent. */
export interface MiiboTurnRequest {
  /** The last user message's text (`''` starts a conversation). */
  utterance: string;
  /** The session: the one continued, else the end user's id, else a new random id. */
  uid: string;
  /** The agent, when the turn names one. */
  agentId: string | undefined;
}

const messageSchema: z.ZodType<AgentMessage> = lazySchema(() =>
  z.strictObject({
    role: z.enum(['system', 'user', 'assistant'], { error: 'must be "system", "user" or "assistant"' }),
    content: z.string({ error: 'must be a string' }),
  }),
);

const turnInputShape = lazySchema(() => ({
  messages: z
    .array(messageSchema, { error: 'must be an array of messages' })
    .refine((messages) => messages.some((m) => m.role === 'user'), {
      error: 'must include a user message (miibo answers the last one; its text may be empty to start a conversation)',
    }),
  session: nonEmpty.optional(),
  agentId: nonEmpty.optional(),
  userId: nonEmpty.optional(),
}));

const turnInputSchema: z.ZodType<AgentTurnInput> = lazySchema(() => z.strictObject(turnInputShape));

/**
 * Maps a contract turn to miibo's terms: the last user message is the utterance (system messages are
 * ignored: the agent keeps the instructions configured on miibo, and miibo holds the history per
 * uid), and the session is the `uid`: `input.session ?? input.userId ?? a new random id`, so every
 * turn can be continued and the session is known before anything is sent.
 *
 * @throws InvalidArgumentError naming `input.messages`, `input.session`, `input.agentId` or `input.userId`.
 */
export function miiboTurnRequest(input: unknown): MiiboTurnRequest {
  const valid = validate(turnInputSchema, Object.keys(turnInputShape), input, 'input');
  let utterance = '';
  for (let i = valid.messages.length - 1; i >= 0; i--) {
    const message = valid.messages[i]!;
    if (message.role === 'user') {
      utterance = message.content;
      break;
    }
  }
  return {
    utterance,
    uid: valid.session ?? valid.userId ?? globalThis.crypto.randomUUID(),
    agentId: valid.agentId,
  };
}
