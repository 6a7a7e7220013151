import type { JSONObject, JSONValue, LanguageModelV4StreamPart, SharedV4ProviderMetadata } from '@ai-sdk/provider';
import {
  type AgentErrorEvent,
  type AgentEvent,
  type AgentSession,
  type AgentStartEvent,
  type AgentStepEndEvent,
  type AgentStepStartEvent,
  AgentStreamError,
} from '@kakehashi/sse-core';
import { KAKEHASHI_KEY } from './kakehashi-replaced-text';
import { toFinishReason, toUsage } from './kakehashi-usage';

/** Where the mapper hands its parts (a stream's `controller.enqueue`, or a collector). */
export type PartSink = (part: LanguageModelV4StreamPart) => void;

/** The longest text delta that coalescing builds (characters). */
export const MAX_COALESCED_DELTA = 16 * 1024;

type TextDeltaPart = Extract<LanguageModelV4StreamPart, { type: 'text-delta' }>;

/** What the mapper needs to know about the call. */
export interface PartMapperOptions {
  /** The platform (`codeer`), for messages. */
  platform: string;
  /** The model name (`codeer/<agentId>`), used as the response's model id when the platform names none. */
  modelId: string;
  /** Emit each `AgentEvent` as a `raw` part before the parts it becomes. */
  includeRaw: boolean;
  /**
   * Whether the last part handed to the sink has not been read yet (it waits in the stream's queue),
   * so that a new text delta may be appended to it instead of becoming a part of its own. Absent:
   * never (every delta is its own part).
   */
  lastPartUnread?: () => boolean;
  /** The turn's session, read when the answer ends. */
  session: () => AgentSession | undefined;
}

interface OpenStep {
  toolCallId: string;
  toolName: string;
}

const FAILED = /^(failed|failure|error|errored|cancell?ed|aborted|rejected|timeout|timed_out)$/i;
const START_IDS = ['responseId', 'conversationId', 'chatId', 'messageId', 'uid'] as const;

const REPLACED: SharedV4ProviderMetadata = Object.freeze({ [KAKEHASHI_KEY]: Object.freeze({ replaced: true }) });
const REPLACING: SharedV4ProviderMetadata = Object.freeze({ [KAKEHASHI_KEY]: Object.freeze({ replace: true }) });

/**
 * Turns a turn's `AgentEvent`s into AI SDK stream parts, one event at a time:
 *
 * - `start` → `response-metadata` (the response id, the platform's model or the model name, the time);
 * - `text-delta` → `text-delta` in the open text block (`text-start` first when none is open);
 * - `text-replace` → the open block ends marked `replaced`, and a new block holding the whole new
 *   text starts marked `replace` (see `kakehashi-replaced-text.ts`);
 * - `step-start` → the open text block ends (so text and steps keep their order), then a `tool-call`
 *   with `providerExecuted: true` and `dynamic: true`: the tool name is the step's kind, the input
 *   its arguments, `providerMetadata.kakehashi` its kind, title and status;
 * - `step-end` → a `tool-result` (`isError` when the status says it failed);
 * - `title` → kept for the finish metadata;
 * - `finish` → the open block and open steps end, then `finish` with usage, the finish reason and
 *   `providerMetadata.kakehashi` (the session, the platform's ids, the title);
 * - `error` → the open block and steps end, then an `error` part holding an `AgentStreamError`
 *   (code, retryable, the partial text) and a `finish` whose reason is `error`, or `interrupted`
 *   when the stream was cut before its finish signal.
 */
export class AgentPartMapper {
  readonly #emit: PartSink;
  readonly #options: PartMapperOptions;
  readonly #raw: boolean;
  readonly #unread: (() => boolean) | undefined;
  /** The last part handed out, when it is a text delta that may still grow. */
  #lastDelta: TextDeltaPart | undefined;
  #textId: string | undefined;
  #blocks = 0;
  #text = '';
  #hadText = false;
  #rewritten = false;
  #start: AgentStartEvent | undefined;
  #metadataSent = false;
  #title: string | undefined;
  readonly #steps = new Map<string, OpenStep>();
  #toolCalls = 0;
  #ended = false;

  constructor(emit: PartSink, options: PartMapperOptions) {
    this.#emit = emit;
    this.#options = options;
    this.#raw = options.includeRaw;
    this.#unread = options.includeRaw ? undefined : options.lastPartUnread;
  }

  /** Hands a part to the sink (a part other than a growing text delta ends the coalescing). */
  #out(part: LanguageModelV4StreamPart): void {
    this.#lastDelta = undefined;
    this.#emit(part);
  }

  /** Whether a `finish` (or the `finish` after an `error`) has been emitted. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The answer's text so far, as the events state it. */
  get text(): string {
    return this.#text;
  }

  /** Maps one event. Events after the end are ignored. */
  push(event: AgentEvent): void {
    if (this.#ended) return;
    if (this.#raw) this.#out({ type: 'raw', rawValue: event });
    if (event.type === 'text-delta') {
      // The hot path: almost every event of an answer.
      const delta = event.delta;
      if (delta === '') return;
      const id = this.#textId ?? this.#openText(undefined);
      this.#text += delta;
      // While the stream's reader is behind, a delta joins the one still waiting in the queue: the
      // same text, fewer parts for the reader to go through, and nothing waits longer than it would.
      const last = this.#lastDelta;
      if (last !== undefined && last.delta.length < MAX_COALESCED_DELTA && this.#unread?.() === true) {
        last.delta += delta;
        return;
      }
      const part: TextDeltaPart = { type: 'text-delta', id, delta };
      this.#emit(part);
      this.#lastDelta = this.#unread === undefined ? undefined : part;
      return;
    }
    switch (event.type) {
      case 'start':
        this.#start = event;
        this.#sendMetadata();
        return;
      case 'text-replace':
        this.#replace(event.text);
        return;
      case 'step-start':
        this.#sendMetadata();
        this.#closeText();
        this.#stepStart(event);
        return;
      case 'step-end':
        this.#stepEnd(event);
        return;
      case 'title':
        this.#title = event.title;
        return;
      case 'finish':
        this.#sendMetadata();
        this.#closeText();
        this.#closeSteps(false);
        this.#ended = true;
        this.#out({
          type: 'finish',
          finishReason: toFinishReason(event.reason),
          usage: toUsage(event.usage),
          providerMetadata: this.#metadata(),
        });
        return;
      case 'error':
        this.#fail(event);
        return;
    }
  }

  /** Ends the answer with an error (an `error` part, then a `finish`), unless it has ended. */
  fail(message: string, code: string, retryable: boolean): void {
    if (this.#ended) return;
    this.#fail({ type: 'error', message, code, retryable });
  }

  #fail(event: AgentErrorEvent): void {
    this.#sendMetadata();
    this.#closeText();
    this.#closeSteps(true);
    this.#ended = true;
    this.#out({
      type: 'error',
      error: new AgentStreamError(this.#options.platform, withoutPrefix(event.message, this.#options.platform), {
        code: event.code,
        retryable: event.retryable,
        partialText: this.#text,
      }),
    });
    const cut = event.code === 'stream-cut';
    this.#out({
      type: 'finish',
      finishReason: {
        unified: cut ? 'interrupted' : 'error',
        raw: event.code === undefined ? 'error' : String(event.code),
      },
      usage: toUsage(undefined),
      providerMetadata: this.#metadata(),
    });
  }

  #sendMetadata(): void {
    if (this.#metadataSent) return;
    this.#metadataSent = true;
    const start = this.#start;
    const id = start?.responseId ?? start?.messageId;
    this.#out({
      type: 'response-metadata',
      ...(id !== undefined ? { id } : {}),
      modelId: start?.model ?? this.#options.modelId,
      timestamp: new Date(),
    });
  }

  #openText(providerMetadata: SharedV4ProviderMetadata | undefined): string {
    this.#sendMetadata();
    const id = `txt-${++this.#blocks}`;
    this.#textId = id;
    this.#hadText = true;
    this.#out(providerMetadata ? { type: 'text-start', id, providerMetadata } : { type: 'text-start', id });
    return id;
  }

  #closeText(providerMetadata?: SharedV4ProviderMetadata): void {
    const id = this.#textId;
    if (id === undefined) return;
    this.#textId = undefined;
    this.#out(providerMetadata ? { type: 'text-end', id, providerMetadata } : { type: 'text-end', id });
  }

  #replace(text: string): void {
    if (!this.#hadText) {
      // Nothing shown yet: the "rewrite" is simply the first text.
      if (text === '') return;
      const id = this.#openText(undefined);
      this.#text = text;
      this.#out({ type: 'text-delta', id, delta: text });
      return;
    }
    this.#rewritten = true;
    this.#closeText(REPLACED);
    const id = this.#openText(REPLACING);
    this.#text = text;
    if (text !== '') this.#out({ type: 'text-delta', id, delta: text });
  }

  #stepStart(event: AgentStepStartEvent): void {
    let toolCallId = event.id;
    if (this.#steps.has(toolCallId) || toolCallId === '') toolCallId = `${event.id}#${++this.#toolCalls}`;
    const step: OpenStep = { toolCallId, toolName: event.kind };
    this.#steps.set(event.id, step);
    this.#out({
      type: 'tool-call',
      toolCallId,
      toolName: event.kind,
      input: inputOf(event.args),
      providerExecuted: true,
      dynamic: true,
      providerMetadata: stepMetadata(event),
    });
  }

  #stepEnd(event: AgentStepEndEvent): void {
    let step = this.#steps.get(event.id);
    if (step === undefined) {
      // An end without a start: the call is reported first, so that the result has one.
      this.#sendMetadata();
      this.#closeText();
      step = { toolCallId: event.id === '' ? `step#${++this.#toolCalls}` : event.id, toolName: event.kind };
      this.#out({
        type: 'tool-call',
        toolCallId: step.toolCallId,
        toolName: step.toolName,
        input: '{}',
        providerExecuted: true,
        dynamic: true,
        providerMetadata: stepMetadata(event),
      });
    } else {
      this.#steps.delete(event.id);
    }
    this.#out({
      type: 'tool-result',
      toolCallId: step.toolCallId,
      toolName: step.toolName,
      result: resultOf(event.result, event.status ?? 'completed'),
      ...(event.status !== undefined && FAILED.test(event.status) ? { isError: true } : {}),
      dynamic: true,
      providerMetadata: stepMetadata(event),
    });
  }

  /** Steps still open when the answer ends get a result, so that no UI keeps showing them as running. */
  #closeSteps(failed: boolean): void {
    if (this.#steps.size === 0) return;
    for (const step of this.#steps.values()) {
      this.#out({
        type: 'tool-result',
        toolCallId: step.toolCallId,
        toolName: step.toolName,
        result: { status: failed ? 'interrupted' : 'unfinished' },
        ...(failed ? { isError: true } : {}),
        dynamic: true,
        providerMetadata: { [KAKEHASHI_KEY]: { kind: step.toolName, status: failed ? 'interrupted' : 'unfinished' } },
      });
    }
    this.#steps.clear();
  }

  #metadata(): SharedV4ProviderMetadata {
    const own: Record<string, JSONValue> = { platform: this.#options.platform };
    const session = this.#options.session();
    if (session !== undefined) own.session = session;
    const start = this.#start;
    if (start !== undefined) {
      for (const key of START_IDS) {
        const value = start[key];
        if (value !== undefined) own[key] = value;
      }
    }
    if (this.#title !== undefined) own.title = this.#title;
    if (this.#rewritten) own.rewritten = true;
    return { [KAKEHASHI_KEY]: own };
  }
}

/** The guard already says "<platform> stream failed: …"; `AgentStreamError` says it again. */
function withoutPrefix(message: string, platform: string): string {
  const prefix = `${platform} stream failed: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

function stepMetadata(event: AgentStepStartEvent | AgentStepEndEvent): SharedV4ProviderMetadata {
  const own: Record<string, JSONValue> = { kind: event.kind };
  if (event.title !== undefined) own.title = event.title;
  if (event.status !== undefined) own.status = event.status;
  return { [KAKEHASHI_KEY]: own };
}

function inputOf(args: unknown): string {
  if (args === undefined || args === null) return '{}';
  try {
    return JSON.stringify(args) ?? '{}';
  } catch {
    return '{}';
  }
}

function resultOf(result: unknown, status: string): NonNullable<JSONValue> {
  if (result === undefined || result === null) return { status };
  return toJson(result) ?? { status };
}

/** A JSON value made from what the platform sent (which came from JSON, so this is cheap). */
function toJson(value: unknown): NonNullable<JSONValue> | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'object': {
      if (value === null) return undefined;
      try {
        return JSON.parse(JSON.stringify(value)) as JSONObject;
      } catch {
        return String(value);
      }
    }
    default:
      return undefined;
  }
}
