import type {
  AgentEvent,
  AgentFinishReason,
  AgentStartEvent,
  AgentStepEndEvent,
  AgentStepStartEvent,
  AgentUsage,
} from '@kakehashi/sse-core';
import type { AgenticStarChunk, AgenticStarTask } from './agenticstar-chunk';
import type { AgenticStarStreamEvent } from './agenticstar-stream-events';
import { AgenticStarTaskTracker } from './agenticstar-tasks';

/** The provider name in `AgentEvent`s and errors. */
export const AGENTICSTAR_PROVIDER = 'agenticstar';

/** Maps the platform's `finishReason` onto the shared reasons; unknown values pass through. */
export function mapAgenticStarFinishReason(reason: string | undefined): AgentFinishReason {
  switch (reason) {
    case undefined:
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'toolCalls':
      return 'tool-calls';
    case 'content_filter':
    case 'contentFilter':
      return 'content-filter';
    default:
      return reason;
  }
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function usageOf(chunk: AgenticStarChunk): AgentUsage | undefined {
  const u = chunk.usage;
  if (!u) return undefined;
  const usage: AgentUsage = {};
  const input = u.prompt_tokens ?? u.promptTokens;
  const output = u.completion_tokens ?? u.completionTokens;
  const total = u.total_tokens ?? u.totalTokens;
  if (typeof input === 'number') usage.inputTokens = input;
  if (typeof output === 'number') usage.outputTokens = output;
  if (typeof total === 'number') usage.totalTokens = total;
  return Object.keys(usage).length > 0 ? usage : undefined;
}

/** Called when the stream reveals the conversation and message ids. */
export type AgenticStarIdsListener = (ids: { conversationId?: string; messageId?: string }) => void;

/**
 * What one chat turn has revealed so far, built from the typed events as they pass: the ids
 * (`conversationId` and `messageId` from `delta.messageInfo` or the tasks), the text, the merged
 * tasks, the finish reason. {@link apply} also returns the `AgentEvent`s each typed event causes.
 */
export class AgenticStarTurnState {
  /** The conversation id, once the stream has carried it: pass it as `conversationId` to continue the conversation. */
  conversationId: string | undefined;
  /** The id of this answer message, once the stream has carried it. */
  messageId: string | undefined;
  /** OpenAI-style chunk `id`, should the platform send one. */
  responseId: string | undefined;
  /** The `model` the chunks carry (`AGENTIC STAR`). */
  model: string | undefined;
  /** The text so far. */
  text = '';
  /** The platform's `finishReason` (raw), once the final chunk arrived. */
  finishReason: string | undefined;
  /** Token counts, should the platform send OpenAI-style `usage` (not documented). */
  usage: AgentUsage | undefined;
  /** True once `[DONE]` arrived. */
  done = false;
  /** The in-stream error, if the platform sent one. */
  error: { message: string; code?: string | number } | undefined;
  readonly #tasks = new AgenticStarTaskTracker();
  #started = false;
  #listener: AgenticStarIdsListener | undefined;

  constructor(options: { onIds?: AgenticStarIdsListener } = {}) {
    this.#listener = options.onIds;
  }

  /** Every task so far, merged by `callId`, in order of first appearance (unknown fields kept). */
  get tasks(): AgenticStarTask[] {
    return this.#tasks.tasks;
  }

  /** Takes one typed event into the state and returns the `AgentEvent`s it causes. */
  apply(event: AgenticStarStreamEvent): AgentEvent | AgentEvent[] | undefined {
    switch (event.type) {
      case 'chunk': {
        const chunk = event.chunk;
        const delta = event.delta;
        const steps: Array<AgentStepStartEvent | AgentStepEndEvent> | undefined =
          delta?.tasks && delta.tasks.length > 0 ? [] : undefined;
        this.#captureIds(chunk, delta?.messageInfo, delta?.tasks);
        if (steps) for (const task of delta!.tasks!) this.#tasks.upsert(task, steps);
        if (event.finishReason !== undefined) this.finishReason = event.finishReason;
        const usage = usageOf(chunk);
        if (usage) this.usage = usage;
        const content = event.content;
        if (content !== undefined) this.text += content;
        const start = this.#started ? undefined : this.#start();
        if (start === undefined && steps === undefined)
          return content === undefined ? undefined : { type: 'text-delta', delta: content };
        const out: AgentEvent[] = start ? [start] : [];
        if (steps) out.push(...steps);
        if (content !== undefined) out.push({ type: 'text-delta', delta: content });
        return out;
      }
      case 'done': {
        if (this.done) return undefined;
        this.done = true;
        const out: AgentEvent[] = [];
        if (!this.#started) out.push(this.#start());
        const steps: Array<AgentStepStartEvent | AgentStepEndEvent> = [];
        this.#tasks.closeOpen(steps);
        out.push(...steps);
        const finish: AgentEvent = {
          type: 'finish',
          text: this.text,
          reason: mapAgenticStarFinishReason(this.finishReason),
        };
        if (this.usage) finish.usage = this.usage;
        out.push(finish);
        return out;
      }
      case 'error': {
        this.error =
          event.code === undefined ? { message: event.message } : { message: event.message, code: event.code };
        const error: AgentEvent = {
          type: 'error',
          message: `agenticstar reported an error: ${event.message}`,
          retryable: false,
        };
        if (event.code !== undefined) error.code = event.code;
        return error;
      }
      default:
        return undefined;
    }
  }

  #start(): AgentStartEvent {
    this.#started = true;
    const start: AgentStartEvent = { type: 'start', provider: AGENTICSTAR_PROVIDER };
    if (this.conversationId !== undefined) start.conversationId = this.conversationId;
    if (this.messageId !== undefined) start.messageId = this.messageId;
    if (this.responseId !== undefined) start.responseId = this.responseId;
    if (this.model !== undefined) start.model = this.model;
    return start;
  }

  #captureIds(
    chunk: AgenticStarChunk,
    info: { conversationId?: unknown; messageId?: unknown } | null | undefined,
    tasks: AgenticStarTask[] | null | undefined,
  ): void {
    if (this.responseId === undefined) this.responseId = idOf(chunk.id);
    if (this.model === undefined && typeof chunk.model === 'string') this.model = chunk.model;
    if (this.conversationId !== undefined && this.messageId !== undefined) return;
    const before = `${this.conversationId}|${this.messageId}`;
    const raw = chunk as Record<string, unknown>;
    const rawInfo = info as Record<string, unknown> | null | undefined;
    this.conversationId ??= idOf(rawInfo?.conversationId) ?? idOf(rawInfo?.conversation_id) ?? idOf(raw.conversationId);
    this.messageId ??= idOf(rawInfo?.messageId) ?? idOf(rawInfo?.message_id) ?? idOf(raw.messageId);
    if (tasks) {
      for (const task of tasks) {
        this.conversationId ??= idOf(task.conversationId);
        this.messageId ??= idOf(task.messageId);
      }
    }
    if (this.#listener && `${this.conversationId}|${this.messageId}` !== before) {
      const ids: { conversationId?: string; messageId?: string } = {};
      if (this.conversationId !== undefined) ids.conversationId = this.conversationId;
      if (this.messageId !== undefined) ids.messageId = this.messageId;
      this.#listener(ids);
    }
  }
}
