import type { AgentEvent, AgentFinishEvent, AgentSession, AgentStartEvent, AgentUsage } from '@kakehashi/sse-core';
import type { OpenAIErrorObject } from './chat-completions-errors';
import { type KakehashiIds, kakehashiIds } from './chat-completions-ids';

/** OpenAI's usage object. */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The OpenAI finish reasons the shared reasons map onto. */
const FINISH_REASONS: Record<string, string> = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_calls',
  'content-filter': 'content_filter',
};

/** `finish_reason` for a shared reason; others (`error`, `other`, platform values) become `stop`, the original kept in `kakehashi.finish_reason`. */
export function openAIFinishReason(reason: string): { value: string; unmapped: string | undefined } {
  const value = FINISH_REASONS[reason];
  return value === undefined ? { value: 'stop', unmapped: reason } : { value, unmapped: undefined };
}

/** OpenAI usage from the shared usage (missing counts are 0; the total defaults to their sum). */
export function openAIUsage(usage: AgentUsage): OpenAIUsage {
  const prompt = usage.inputTokens ?? 0;
  const completion = usage.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage.totalTokens ?? prompt + completion,
  };
}

/** `data: {"error":{…}}` followed by the blank line. */
export function sseErrorEvent(error: OpenAIErrorObject): string {
  return `data: ${JSON.stringify({ error })}\n\n`;
}

/**
 * Turns `AgentEvent`s into `chat.completion.chunk` SSE events (text, pre-encoded, one string per
 * event; `undefined` when an event has nothing to send). The wire shape:
 *
 * - `start` → the role chunk (`delta: {role: 'assistant', content: ''}`), with the turn's ids in
 *   `kakehashi` (`provider`, `session`, and `conversation_id`, `chat_id`, `message_id`, `uid`,
 *   `response_id` as the platform's `start` event carried them);
 * - `text-delta` → `delta: {content}`;
 * - `text-replace` that extends what was sent → the new suffix as `delta.content`; one that rewrites
 *   it → the WHOLE text as `delta.content` plus `kakehashi: {text_replace: true}` ("this content
 *   replaces everything before"). Plain OpenAI clients see the stale draft followed by the full
 *   answer; clients reading the extension show exactly the platform's text;
 * - `step-start` / `step-end` → an empty delta with `kakehashi: {step: <the AgentEvent>}`;
 * - `title` → an empty delta with `kakehashi: {title}`;
 * - `finish` → the last chunk (`finish_reason`), a usage chunk (`choices: []`) when the caller asked
 *   for it and the platform reported usage, and `data: [DONE]`;
 * - `error` → `data: {"error": {…}}` (handled by the caller; see {@link sseErrorEvent}).
 *
 * Chunks are built by string concatenation around a fixed prefix: one `JSON.stringify` per text
 * piece, not per chunk.
 */
export class ChatCompletionChunkWriter {
  readonly #prefix: string;
  readonly #provider: string;
  readonly #session: () => AgentSession | undefined;
  readonly #includeUsage: boolean;
  #roleSent = false;
  #start: AgentStartEvent | undefined;
  /** The text as a client honouring `text_replace` has it. */
  #text = '';
  /** Every `delta.content` sent, joined: the text as a plain client (one that ignores `text_replace`) has it. */
  #streamed = '';
  #replaced = false;
  #title: string | undefined;

  constructor(options: {
    id: string;
    created: number;
    model: string;
    provider: string;
    /** The turn's session, as known when a chunk is written. */
    session: () => AgentSession | undefined;
    includeUsage: boolean;
  }) {
    this.#prefix = `{"id":${JSON.stringify(options.id)},"object":"chat.completion.chunk","created":${options.created},"model":${JSON.stringify(options.model)},"choices":[`;
    this.#provider = options.provider;
    this.#session = options.session;
    this.#includeUsage = options.includeUsage;
  }

  /** The ids as known now. */
  ids(): KakehashiIds {
    return kakehashiIds(this.#provider, this.#start, this.#session());
  }

  /**
   * The answer as a client that joins every `delta.content` has it: the final text, unless the
   * platform rewrote its answer (then the draft comes first).
   */
  streamedText(): string {
    return this.#streamed;
  }

  /** Notes the ids of a `start` event without writing anything (for response headers). */
  remember(start: AgentStartEvent): void {
    this.#start = start;
  }

  /** `data: {"error":{…}}`: a failure reported in the stream, which ends it. */
  failed(error: OpenAIErrorObject): string {
    return sseErrorEvent(error);
  }

  /** SSE text for one event (`error` events are not handled here). */
  write(event: AgentEvent): string | undefined {
    switch (event.type) {
      case 'start': {
        this.#start = event;
        return this.#role();
      }
      case 'text-delta':
        if (event.delta === '') return this.#role();
        this.#text += event.delta;
        return this.#role() + this.#content(event.delta);
      case 'text-replace':
        return this.#role() + this.#replace(event.text);
      case 'step-start':
      case 'step-end':
        return this.#role() + this.#empty(`{"step":${JSON.stringify(event)}}`);
      case 'title':
        this.#title = event.title;
        return this.#role() + this.#empty(`{"title":${JSON.stringify(event.title)}}`);
      case 'finish':
        return this.#role() + this.#finish(event);
      default:
        return undefined;
    }
  }

  #role(): string {
    if (this.#roleSent) return '';
    this.#roleSent = true;
    return `data: ${this.#prefix}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"kakehashi":${JSON.stringify(this.ids())}}\n\n`;
  }

  #content(text: string, extension?: string): string {
    const ext = extension === undefined ? '' : `,"kakehashi":${extension}`;
    this.#streamed += text;
    return `data: ${this.#prefix}{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]${ext}}\n\n`;
  }

  #empty(extension: string): string {
    return `data: ${this.#prefix}{"index":0,"delta":{},"logprobs":null,"finish_reason":null}],"kakehashi":${extension}}\n\n`;
  }

  #replace(text: string): string {
    const sent = this.#text;
    if (text === sent) return '';
    this.#text = text;
    if (text.length > sent.length && text.startsWith(sent)) return this.#content(text.slice(sent.length));
    this.#replaced = true;
    return this.#content(text, '{"text_replace":true}');
  }

  #finish(event: AgentFinishEvent): string {
    // The finish text is authoritative: bring the client's text up to it first (it normally is already).
    let out = event.text === this.#text ? '' : this.#replace(event.text);
    const reason = openAIFinishReason(event.reason);
    const ext: Record<string, unknown> = { ...this.ids() };
    if (reason.unmapped !== undefined) ext.finish_reason = reason.unmapped;
    if (this.#replaced) ext.text = event.text;
    if (this.#title !== undefined) ext.title = this.#title;
    out += `data: ${this.#prefix}{"index":0,"delta":{},"logprobs":null,"finish_reason":${JSON.stringify(reason.value)}}],"kakehashi":${JSON.stringify(ext)}}\n\n`;
    if (this.#includeUsage && event.usage) {
      out += `data: ${this.#prefix}],"usage":${JSON.stringify(openAIUsage(event.usage))}}\n\n`;
    }
    return `${out}data: [DONE]\n\n`;
  }
}
