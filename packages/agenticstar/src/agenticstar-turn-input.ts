import { InvalidArgumentError, type AgentTurnInput, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';
import type { AgenticStarChatInput, AgenticStarMessage } from './agenticstar-chat-request';

const nonEmpty = lazySchema(() => z.string().min(1, 'must not be empty'));

/** The agent contract's turn input, checked strictly (unknown keys are rejected). */
export const turnInputSchema: z.ZodType<AgentTurnInput> = lazySchema(() =>
  z.strictObject({
    messages: z
      .array(
        z.strictObject({
          role: z.enum(['system', 'user', 'assistant']),
          content: z.string(),
        }),
      )
      .min(1, 'must hold at least one message'),
    session: nonEmpty.optional(),
    agentId: nonEmpty.optional(),
    userId: nonEmpty.optional(),
  }),
);

/**
 * The messages AgenticStar is sent for a contract turn: OpenAI-style, `system` messages kept as
 * `system`, empty (or blank) messages left out. When a session (the conversation id) is continued,
 * the platform already holds the history, so only the messages after the last assistant message go.
 *
 * @throws InvalidArgumentError (`input.messages`) when no user message with text remains.
 */
export function agenticStarTurnMessages(input: AgentTurnInput): AgenticStarMessage[] {
  const messages = input.messages;
  let from = 0;
  if (input.session !== undefined) {
    for (let i = messages.length - 1; i >= 0; i--) {
      if (messages[i]!.role === 'assistant') {
        from = i + 1;
        break;
      }
    }
  }
  const out: AgenticStarMessage[] = [];
  let user = false;
  for (let i = from; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.content.trim() === '') continue;
    if (m.role === 'user') user = true;
    out.push({ role: m.role, content: m.content });
  }
  if (!user) {
    throw new InvalidArgumentError(
      'input.messages',
      input.session === undefined
        ? 'must hold a user message with text'
        : 'must hold a user message with text after the last assistant message (the session holds the history)',
    );
  }
  return out;
}

/**
 * A contract turn in AgenticStar's terms: the messages, the session as `conversationId`, the agent
 * id. `userId` has no AgenticStar counterpart and is not sent.
 */
export function agenticStarTurnChatInput(input: AgentTurnInput): AgenticStarChatInput {
  const chat: AgenticStarChatInput = { messages: agenticStarTurnMessages(input) };
  if (input.session !== undefined) chat.conversationId = input.session;
  if (input.agentId !== undefined) chat.agentId = input.agentId;
  return chat;
}
