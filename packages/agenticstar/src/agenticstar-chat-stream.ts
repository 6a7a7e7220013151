import {
  AbortError,
  collectAgentAnswer,
  guardAgentStream,
  type AgentEvent,
  type AgentEventStream,
  type AgentFinishReason,
  type AgentUsage,
  type SSEJsonMessage,
} from '@kakehashi/sse-core';
import { agentEventIterator } from './agenticstar-agent-events';
import type { AgenticStarTask } from './agenticstar-chunk';
import { mapAsyncIterator } from './agenticstar-map-iterator';
import { toAgenticStarStreamEvent, type AgenticStarStreamEvent } from './agenticstar-stream-events';
import { AGENTICSTAR_PROVIDER, type AgenticStarTurnState } from './agenticstar-turn';

/** The collected answer of one chat turn. */
export interface AgenticStarChatResult {
  /** The complete answer text. */
  text: string;
  /** The shared finish reason (`stop`, …). */
  reason: AgentFinishReason;
  /** The platform's own `finishReason`, when the final chunk carried one. */
  finishReason: string | undefined;
  /** Pass this as `conversationId` to continue the conversation. */
  conversationId: string | undefined;
  /** The id of this answer message. */
  messageId: string | undefined;
  /** Every task, merged by `callId` (unknown fields kept). */
  tasks: AgenticStarTask[];
  /** Token counts, should the platform report them (not documented). */
  usage: AgentUsage | undefined;
  /** The request id from the response headers, when the server sent one. */
  requestId: string | undefined;
  /** Every `AgentEvent` of the turn, in order. */
  events: AgentEvent[];
}

/** Opens the HTTP request; resolves with the decoded SSE messages of the body. */
export type AgenticStarStreamOpener = (
  signal: AbortSignal | readonly AbortSignal[],
) => Promise<{ messages: AsyncIterableIterator<SSEJsonMessage>; requestId: string | undefined }>;

/**
 * One streaming chat turn. Nothing is sent until you start reading; read it once, in one of two ways:
 *
 * - `for await (const event of stream)`: the platform's typed events (`chunk`, `error`, `done`, `unknown`);
 * - `for await (const event of stream.agentEvents())`: the shared `AgentEvent` model;
 *
 * or call {@link collect} for the whole answer. Either way the stream's state (`conversationId`,
 * `messageId`, `text`, `tasks`, `finishReason`) fills in as events pass. Leaving a loop early, the
 * signal, or {@link cancel} closes the HTTP request at once.
 */
export class AgenticStarChatStream implements AsyncIterable<AgenticStarStreamEvent> {
  /** What the stream has revealed so far. */
  readonly state: AgenticStarTurnState;
  readonly #open: AgenticStarStreamOpener;
  readonly #controller = new AbortController();
  readonly #signal: AbortSignal | undefined;
  #read = false;
  #requestId: string | undefined;

  constructor(open: AgenticStarStreamOpener, state: AgenticStarTurnState, signal: AbortSignal | undefined) {
    this.#open = open;
    this.state = state;
    this.#signal = signal;
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
  /** The request id from the response headers, once they arrived (when the server sent one). */
  get requestId(): string | undefined {
    return this.#requestId;
  }

  /** The typed events. */
  [Symbol.asyncIterator](): AsyncIterableIterator<AgenticStarStreamEvent> {
    const state = this.state;
    return mapAsyncIterator(this.#lazyMessages(), (message) => {
      const event = toAgenticStarStreamEvent(message);
      state.apply(event);
      return event;
    });
  }

  /** The stream as `AgentEvent`s (guarded: a cut stream ends with an `error` event). */
  agentEvents(): AgentEventStream {
    return guardAgentStream(
      AGENTICSTAR_PROVIDER,
      agentEventIterator(this.#lazyMessages(), toAgenticStarStreamEvent, this.state),
    );
  }

  /**
   * Reads the whole stream and returns the answer. An in-stream error or a cut stream rejects with
   * sse-core's `AgentStreamError` (its `partialText` keeps what arrived).
   */
  async collect(): Promise<AgenticStarChatResult> {
    const answer = await collectAgentAnswer(AGENTICSTAR_PROVIDER, this.agentEvents());
    const s = this.state;
    return {
      text: answer.text,
      reason: answer.reason,
      finishReason: s.finishReason,
      conversationId: s.conversationId,
      messageId: s.messageId,
      tasks: s.tasks,
      usage: answer.usage ?? s.usage,
      requestId: this.#requestId,
      events: answer.events,
    };
  }

  /** Closes the HTTP request (or prevents it). Safe to call at any time. */
  async cancel(): Promise<void> {
    this.#read = true;
    this.#controller.abort(new AbortError('cancelled'));
  }

  /** The SSE messages of the HTTP body; the request is sent on the first `next()`. */
  #lazyMessages(): AsyncIterator<SSEJsonMessage> {
    if (this.#read) throw new Error('kakehashi: an AgenticStar chat stream can be read only once');
    this.#read = true;
    // Both signals go down to sse-core, which listens to each for the call's lifetime only (cheaper than
    // AbortSignal.any, which ties a composite signal to the caller's for as long as either lives).
    const signal = this.#signal ? [this.#signal, this.#controller.signal] : this.#controller.signal;
    let inner: AsyncIterator<SSEJsonMessage> | undefined;
    let opening: Promise<AsyncIterator<SSEJsonMessage>> | undefined;
    let closed = false;
    const open = () =>
      (opening ??= this.#open(signal).then(({ messages, requestId }) => {
        this.#requestId = requestId;
        inner = messages;
        if (closed) void messages.return?.();
        return messages;
      }));
    return {
      next: async () => {
        if (closed) return { done: true, value: undefined };
        const it = inner ?? (await open());
        return it.next();
      },
      return: async () => {
        closed = true;
        if (inner) await inner.return?.();
        else if (opening) this.#controller.abort(new AbortError('response body no longer read'));
        return { done: true, value: undefined };
      },
    };
  }
}
