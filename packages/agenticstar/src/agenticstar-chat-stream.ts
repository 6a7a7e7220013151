import {
  AbortError,
  collectAgentAnswer,
  guardAgentStream,
  type AgentEventStream,
  type CollectedAgentAnswer,
  type SSEJsonMessage,
} from '@kakehashi/sse-core';
import { agentEventIterator } from './agenticstar-agent-events';
import type { AgenticStarTask } from './agenticstar-chunk';
import { mapAsyncIterator } from './agenticstar-map-iterator';
import { toAgenticStarStreamEvent, type AgenticStarStreamEvent } from './agenticstar-stream-events';
import { AGENTICSTAR_PROVIDER, type AgenticStarTurnState } from './agenticstar-turn';

/**
 * The whole answer of one chat turn: sse-core's collected answer (`text`, `reason`, `usage`, `start`,
 * `steps`, `events`) plus what AgenticStar adds.
 */
export interface AgenticStarAnswer extends CollectedAgentAnswer {
  /** The platform's own `finishReason`, when the final chunk carried one. */
  finishReason: string | undefined;
  /** Pass this as `conversationId` (or as the contract's `session`) to continue the conversation. */
  conversationId: string | undefined;
  /** The id of this answer message. */
  messageId: string | undefined;
  /** Every task, merged by `callId` (unknown fields kept). */
  tasks: AgenticStarTask[];
  /** The request id from the response headers, when the server sent one. */
  requestId: string | undefined;
}

/** A chat response whose headers have arrived: its SSE messages (read once) and how to close it. */
export interface AgenticStarOpenedChat {
  /** The SSE messages of the body. */
  messages: AsyncIterator<SSEJsonMessage>;
  /** The request id from the response headers. */
  requestId: string | undefined;
  /** Closes the connection at once, even while the body is being read (sse-core's `HttpResponse.cancel()`). */
  cancel(): Promise<void>;
}

const ENDED: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * One streaming chat turn whose answer has started (`streamChat` resolves with it once the response
 * headers arrived). Read it once, in one of these ways:
 *
 * - `for await (const event of stream)`: the platform's typed events (`chunk`, `error`, `done`, `unknown`);
 * - `for await (const event of stream.agentEvents())`: the shared `AgentEvent` model;
 * - `await stream.collect()`: the whole answer.
 *
 * Either way the stream's state (`conversationId`, `messageId`, `text`, `tasks`, `finishReason`) fills
 * in as events pass. Leaving a loop early, the call's `signal`, or {@link cancel} closes the HTTP
 * request at once.
 */
export class AgenticStarChatStream implements AsyncIterable<AgenticStarStreamEvent> {
  /** What the stream has revealed so far. */
  readonly state: AgenticStarTurnState;
  /** The request id from the response headers, when the server sent one. */
  readonly requestId: string | undefined;
  readonly #opened: AgenticStarOpenedChat;
  readonly #abort: (reason: AbortError) => void;
  #read = false;
  #cancelled: AbortError | undefined;

  /** @internal Made by the client's `streamChat`; `abort` aborts the call's own signal. */
  constructor(opened: AgenticStarOpenedChat, state: AgenticStarTurnState, abort: (reason: AbortError) => void) {
    this.#opened = opened;
    this.state = state;
    this.requestId = opened.requestId;
    this.#abort = abort;
  }

  /** The conversation id, once the stream carried it (from `delta.messageInfo` or a task). */
  get conversationId(): string | undefined {
    return this.state.conversationId;
  }
  /** The answer's message id, once the stream carried it. */
  get messageId(): string | undefined {
    return this.state.messageId;
  }
  /** The text received so far. */
  get text(): string {
    return this.state.text;
  }
  /** The tasks so far, merged by `callId`. */
  get tasks(): AgenticStarTask[] {
    return this.state.tasks;
  }
  /** The platform's `finishReason`, once the final chunk arrived. */
  get finishReason(): string | undefined {
    return this.state.finishReason;
  }

  /** The typed events. */
  [Symbol.asyncIterator](): AsyncIterableIterator<AgenticStarStreamEvent> {
    const state = this.state;
    return mapAsyncIterator(this.#messages(), (message) => {
      const event = toAgenticStarStreamEvent(message);
      state.apply(event);
      return event;
    });
  }

  /** The stream as `AgentEvent`s (guarded: a cut stream ends with an `error` event). */
  agentEvents(): AgentEventStream {
    return guardAgentStream(
      AGENTICSTAR_PROVIDER,
      agentEventIterator(this.#messages(), toAgenticStarStreamEvent, this.state),
    );
  }

  /**
   * Reads the whole stream and returns the answer. An in-stream error or a cut stream rejects with
   * sse-core's `AgentStreamError` (its `partialText` keeps what arrived).
   */
  async collect(): Promise<AgenticStarAnswer> {
    const answer = await collectAgentAnswer(AGENTICSTAR_PROVIDER, this.agentEvents());
    const s = this.state;
    const out: AgenticStarAnswer = {
      ...answer,
      finishReason: s.finishReason,
      conversationId: s.conversationId,
      messageId: s.messageId,
      tasks: s.tasks,
      requestId: this.requestId,
    };
    if (out.usage === undefined && s.usage !== undefined) out.usage = s.usage;
    return out;
  }

  /**
   * Closes the HTTP request at once, whatever the stream is doing: a read in progress rejects with
   * `AbortError`, and so does any later read. Safe to call more than once.
   */
  async cancel(reason?: unknown): Promise<void> {
    if (this.#cancelled) return;
    this.#cancelled = AbortError.isInstance(reason)
      ? reason
      : new AbortError(reason ?? new Error('the stream was cancelled'));
    this.#abort(this.#cancelled);
    await this.#opened.cancel();
  }

  /** The body's SSE messages, handed out once. */
  #messages(): AsyncIterator<SSEJsonMessage> {
    if (this.#read) throw new Error('kakehashi: an AgenticStar chat stream can be read only once');
    this.#read = true;
    const cancelled = this.#cancelled;
    if (cancelled) {
      return { next: () => Promise.reject(cancelled), return: () => Promise.resolve(ENDED) };
    }
    return this.#opened.messages;
  }
}
