import type { AgentSession, AgentStartEvent } from '@kakehashi/sse-core';

/**
 * The ids of a turn in the `kakehashi` extension field (snake_case, only those known): the
 * platform, the session that continues the conversation (send it back as `conversation_id`), and
 * the ids the platform's `start` event carried.
 */
export interface KakehashiIds {
  provider: string;
  /** The opaque session from the agent contract: send it back as `conversation_id` to continue. */
  session?: AgentSession;
  conversation_id?: string;
  chat_id?: string;
  message_id?: string;
  uid?: string;
  response_id?: string;
}

/** The ids of a `start` event (if one passed) and the turn's session. */
export function kakehashiIds(
  provider: string,
  start: AgentStartEvent | undefined,
  session: AgentSession | undefined,
): KakehashiIds {
  const out: KakehashiIds = { provider };
  if (session !== undefined) out.session = session;
  if (start === undefined) return out;
  if (start.conversationId !== undefined) out.conversation_id = start.conversationId;
  if (start.chatId !== undefined) out.chat_id = start.chatId;
  if (start.messageId !== undefined) out.message_id = start.messageId;
  if (start.uid !== undefined) out.uid = start.uid;
  if (start.responseId !== undefined) out.response_id = start.responseId;
  return out;
}

const HEADER_OF: ReadonlyArray<[keyof KakehashiIds, string]> = [
  ['session', 'x-kakehashi-session'],
  ['conversation_id', 'x-kakehashi-conversation-id'],
  ['chat_id', 'x-kakehashi-chat-id'],
  ['message_id', 'x-kakehashi-message-id'],
  ['uid', 'x-kakehashi-uid'],
  ['response_id', 'x-kakehashi-response-id'],
];

/**
 * Response headers carrying the turn's ids: `x-kakehashi-provider`, `x-kakehashi-session`,
 * `x-kakehashi-conversation-id`, `-chat-id`, `-message-id`, `-uid`, `-response-id` (those known).
 * Values that are not printable ASCII are percent-encoded.
 */
export function kakehashiHeaders(ids: KakehashiIds): Record<string, string> {
  const out: Record<string, string> = { 'x-kakehashi-provider': ids.provider };
  for (const [key, name] of HEADER_OF) {
    const value = ids[key];
    if (value !== undefined) out[name] = /^[\x21-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
  }
  return out;
}
