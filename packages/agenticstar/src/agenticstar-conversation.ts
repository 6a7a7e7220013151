import type { AgenticStarCallOptions, AgenticStarChatInput } from './agenticstar-chat-request';
import type { AgenticStarAnswer, AgenticStarChatStream } from './agenticstar-chat-stream';

/** Starts a chat turn with the conversation id filled in, and a listener for the ids it reveals. */
export type AgenticStarTurnStarter = (
  input: AgenticStarChatInput,
  options: AgenticStarCallOptions | undefined,
  onIds: (ids: { conversationId?: string }) => void,
) => Promise<AgenticStarChatStream>;

/**
 * A conversation across turns: every turn sends the `conversationId` the previous one revealed (or
 * the one you started with), so you never pass it by hand.
 *
 * ```ts
 * const conversation = agenticstar.conversation();
 * await conversation.ask('東京の天気は?');
 * await conversation.ask('明日は?'); // same conversation
 * ```
 */
export class AgenticStarConversation {
  #id: string | undefined;
  readonly #start: AgenticStarTurnStarter;

  /** @internal Made by the client's `conversation()`. */
  constructor(start: AgenticStarTurnStarter, conversationId: string | undefined) {
    this.#start = start;
    this.#id = conversationId;
  }

  /** The conversation id: the one given, or the one the first turn revealed. */
  get id(): string | undefined {
    return this.#id;
  }

  /** Streams one turn of this conversation (as the client's `streamChat`). A string is shorthand for `{ message }`. */
  async streamChat(
    input: string | Omit<AgenticStarChatInput, 'conversationId'>,
    options?: AgenticStarCallOptions,
  ): Promise<AgenticStarChatStream> {
    const base: AgenticStarChatInput = typeof input === 'string' ? { message: input } : input;
    const withId = this.#id === undefined ? base : { ...base, conversationId: this.#id };
    return this.#start(withId, options, (ids) => {
      if (ids.conversationId !== undefined) this.#id = ids.conversationId;
    });
  }

  /** Sends one turn and returns the whole answer. */
  async ask(
    input: string | Omit<AgenticStarChatInput, 'conversationId'>,
    options?: AgenticStarCallOptions,
  ): Promise<AgenticStarAnswer> {
    return (await this.streamChat(input, options)).collect();
  }
}
