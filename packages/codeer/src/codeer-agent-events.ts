import {
  guardAgentStream,
  mapAgentEvents,
  type AgentEvent,
  type AgentStartEvent,
  type AgentStepEndEvent,
  type AgentStepStartEvent,
  type AgentUsage,
} from '@kakehashi/sse-core';
import { CODEER_PROVIDER } from './codeer-constants';
import { describeCodeerErrorCode } from './codeer-error-codes';
import { CODEER_SSE_SOURCE, toCodeerStreamEvent, type CodeerStreamEventIterator } from './codeer-stream-decoder';
import type { CodeerReasoningStep, CodeerStreamEvent, CodeerUsage } from './codeer-stream-events';

/**
 * Turns typed Codeer events into `AgentEvent`s, one event at a time (synchronous, no I/O):
 *
 * - the first known event gives `start` (`responseId`, `chatId`, `conversationId` from
 *   `conversation_group_id`, `model`);
 * - `response.output_text.delta` (and legacy plain-text data) give `text-delta`;
 * - `response.reasoning_step.start` / `.end` give `step-start` / `step-end` (`kind` is the step's
 *   `type` or `tool_name`, `title` its `content`, plus `args` / `result`);
 * - `response.chat.title.updated` gives `title`;
 * - `response.output_text.completed` keeps the final text and usage; when no delta was streamed its
 *   text is sent as one `text-delta` (the streamed deltas are the answer otherwise, as in Codeer's own
 *   clients);
 * - `data: [DONE]` gives `finish` (also the end of the source after a completed event);
 * - `response.error`, `error` and `response.failed` give `error`, and nothing follows it.
 */
export class CodeerAgentEventMapper {
  private started = false;
  private ended = false;
  private text = '';
  private streamedText = false;
  private completed = false;
  private usage: AgentUsage | undefined;
  private stepCount = 0;
  private readonly openSteps: string[] = [];
  private readonly stepTitles = new Map<string, string>();
  private readonly chatId: string | undefined;

  /** @param options.chatId The chat, for `start.chatId` when the stream's events do not carry one. */
  constructor(options: { chatId?: number | string } = {}) {
    this.chatId = options.chatId === undefined ? undefined : String(options.chatId);
  }

  /** Whether a `finish` or `error` has been produced. */
  get done(): boolean {
    return this.ended;
  }

  /** Appends the `AgentEvent`s for one typed event to `out`. */
  push(event: CodeerStreamEvent, out: AgentEvent[]): void {
    if (this.ended) return;
    if (event.type === 'response.output_text.delta') {
      if (!this.started) this.start(event, out);
      if (event.delta) {
        this.text += event.delta;
        this.streamedText = true;
        out.push({ type: 'text-delta', delta: event.delta });
      }
      return;
    }
    if (event.type === 'unknown') return;
    if (!this.started) this.start(event, out);
    switch (event.type) {
      case 'plain-text':
        this.text += event.text;
        this.streamedText = true;
        out.push({ type: 'text-delta', delta: event.text });
        return;
      case 'response.created':
        return;
      case 'response.chat.title.updated':
        out.push({ type: 'title', title: event.name });
        return;
      case 'response.reasoning_step.start':
        out.push(this.stepStart(event.step));
        return;
      case 'response.reasoning_step.end':
        out.push(this.stepEnd(event.step));
        return;
      case 'response.output_text.completed': {
        this.completed = true;
        const usage = toUsage(event.usage);
        if (usage) this.usage = usage;
        const final = event.final_text ?? event.full_text;
        if (!this.streamedText && final) {
          this.text = final;
          out.push({ type: 'text-delta', delta: final });
        }
        return;
      }
      case 'done':
        this.finish(out);
        return;
      default: {
        // response.error / error / response.failed
        this.ended = true;
        const code = event.code ?? undefined;
        out.push({
          type: 'error',
          message: event.message || `Codeer reported an error${code === undefined ? '' : ` (code ${code})`}`,
          ...(code === undefined ? {} : { code }),
          retryable: isRetryableCode(code),
        });
      }
    }
  }

  /** Call when the source ended: a completed answer without `[DONE]` still finishes. */
  end(out: AgentEvent[]): void {
    if (!this.ended && this.completed) this.finish(out);
  }

  private finish(out: AgentEvent[]): void {
    this.ended = true;
    out.push(
      this.usage
        ? { type: 'finish', text: this.text, reason: 'stop', usage: this.usage }
        : { type: 'finish', text: this.text, reason: 'stop' },
    );
  }

  private start(event: CodeerStreamEvent, out: AgentEvent[]): void {
    this.started = true;
    const start: AgentStartEvent = { type: 'start', provider: CODEER_PROVIDER };
    if ('response_id' in event && typeof event.response_id === 'string') start.responseId = event.response_id;
    if ('chat_id' in event && event.chat_id !== undefined && event.chat_id !== null)
      start.chatId = String(event.chat_id);
    else if (this.chatId !== undefined) start.chatId = this.chatId;
    if (event.type === 'response.created') {
      if (event.conversation_group_id) start.conversationId = event.conversation_group_id;
      if (event.model) start.model = event.model;
    }
    out.push(start);
  }

  private stepStart(step: CodeerReasoningStep): AgentStepStartEvent {
    const id = step.id === undefined || step.id === null ? `step-${++this.stepCount}` : String(step.id);
    this.openSteps.push(id);
    const title = step.content ?? undefined;
    if (title) this.stepTitles.set(id, title);
    const out: AgentStepStartEvent = { type: 'step-start', id, kind: stepKind(step), status: 'running' };
    if (title) out.title = title;
    if (step.args !== undefined) out.args = step.args;
    return out;
  }

  private stepEnd(step: CodeerReasoningStep): AgentStepEndEvent {
    const id =
      step.id === undefined || step.id === null
        ? (this.openSteps.at(-1) ?? `step-${++this.stepCount}`)
        : String(step.id);
    const open = this.openSteps.lastIndexOf(id);
    if (open !== -1) this.openSteps.splice(open, 1);
    const title = step.content ?? this.stepTitles.get(id);
    this.stepTitles.delete(id);
    const failed =
      typeof step.result === 'object' &&
      step.result !== null &&
      (step.result as { success?: unknown }).success === false;
    const out: AgentStepEndEvent = {
      type: 'step-end',
      id,
      kind: stepKind(step),
      status: failed ? 'failed' : 'completed',
    };
    if (title) out.title = title;
    if (step.result !== undefined) out.result = step.result;
    return out;
  }
}

function stepKind(step: CodeerReasoningStep): string {
  return step.type || step.tool_name || 'reasoning';
}

function toUsage(usage: CodeerUsage | null | undefined): AgentUsage | undefined {
  if (!usage) return undefined;
  const out: AgentUsage = {};
  if (typeof usage.total_prompt_tokens === 'number') out.inputTokens = usage.total_prompt_tokens;
  if (typeof usage.total_completion_tokens === 'number') out.outputTokens = usage.total_completion_tokens;
  if (typeof usage.total_tokens === 'number') out.totalTokens = usage.total_tokens;
  return Object.keys(out).length ? out : undefined;
}

function isRetryableCode(code: number | string | undefined): boolean {
  const known = describeCodeerErrorCode(code);
  if (known) return known.retryable;
  const n = typeof code === 'number' ? code : Number(code);
  return n === 429 || (n >= 500 && n <= 599);
}

/** Options of {@link toCodeerAgentEvents}. */
export interface ToCodeerAgentEventsOptions {
  /** The chat, for `start.chatId` when the stream's events do not carry `chat_id`. */
  chatId?: number | string;
}

/**
 * Reads typed Codeer events as `AgentEvent`s, with the rules every provider shares: a source that ends
 * before its finish signal yields an `error` (code `stream-cut`); a failure after the first event
 * (reset, idle timeout, malformed data) yields an `error`; a failure before it is thrown; an abort is
 * always thrown. Nothing is read after `finish` or `error`. Leaving a `for await` early closes the source.
 */
export function toCodeerAgentEvents(
  events: AsyncIterable<CodeerStreamEvent>,
  options: ToCodeerAgentEventsOptions = {},
): AsyncIterableIterator<AgentEvent> {
  const mapper = new CodeerAgentEventMapper(options);
  // Straight from decodeCodeerStream: map the SSE messages in one step (one promise less per event).
  const sse = (events as CodeerStreamEventIterator)[CODEER_SSE_SOURCE]?.();
  const source = sse
    ? codeerAgentEvents(sse, toCodeerStreamEvent, mapper)
    : codeerAgentEvents(events[Symbol.asyncIterator](), (e: CodeerStreamEvent) => e, mapper);
  return guardAgentStream(CODEER_PROVIDER, source);
}

/** The unguarded mapping: sse-core's `mapAgentEvents` over the mapper, stopping after a finish or an error. */
function codeerAgentEvents<T>(
  source: AsyncIterator<T>,
  toEvent: (item: T) => CodeerStreamEvent,
  mapper: CodeerAgentEventMapper,
): AsyncIterableIterator<AgentEvent> {
  return mapAgentEvents(source, {
    push(item, out) {
      mapper.push(toEvent(item), out);
      return mapper.done;
    },
    end: (out) => mapper.end(out),
  });
}
