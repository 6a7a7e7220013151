import type { AgenticStarCallOptions, AgenticStarChatInput } from './agenticstar-chat-request';
import type { AgenticStarChatResult, AgenticStarChatStream } from './agenticstar-chat-stream';

/** Starts a chat turn with the conversation id filled in, and a listener for the ids it reveals. */
export type AgenticStarTurnStarter = (
  input: AgenticStarChatInput,
  options: AgenticStarCallOptions | undefined,
  onIds: (ids: { conversationId?: string }) => void,
) => AgenticStarChatStream;

/**
 * A conversation across turns: every turn sends the `conversationId` the previous one revealed (or
 * the one you started with), so you never pass it by hand.
 *
 * ```ts
 * const conversation = agenticstar.conversation();
 * await conversation.send('東京の天気は?');
 * await conversation.send('明日は?'); // same conversation
 * ```
 */
export class AgenticStarConversation {
  #id: string | undefined;
  readonly #start: AgenticStarTurnStarter;

  constructor(start: AgenticStarTurnStarter, conversationId: string | undefined) {
    this.#start = start;
    this.#id = conversationId;
  }

  /** The conversation id: the one given, or the one the first turn revealed. */
  get id(): string | undefined {
    return this.#id;
  }

  /** Streams one turn of this conversation. A string is shorthand for `{ message }`. */
  stream(
    input: string | Omit<AgenticStarChatInput, 'conversationId'>,
    options?: AgenticStarCallOptions,
  ): AgenticStarChatStream {
    const base = typeof input === 'string' ? { message: input } : input;
    const withId = this.#id === undefined ? base : { ...base, conversationId: this.#id };
    return this.#start(withId as AgenticStarChatInput, options, (ids) => {
      if (ids.conversationId !== undefined) this.#id = ids.conversationId;
    });
  }

  /** Sends one turn and returns the whole answer. */
  send(
    input: string | Omit<AgenticStarChatInput, 'conversationId'>,
    options?: AgenticStarCallOptions,
  ): Promise<AgenticStarChatResult> {
    try {
      return this.stream(input, options).collect();
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
