import type {
  AgentEvent,
  AgentFinishEvent,
  AgentSession,
  AgentStartEvent,
  AgentStepEndEvent,
  AgentStepStartEvent,
  AgentUsage,
} from '@kakehashi/sse-core';
import type { OpenAIErrorObject } from './chat-completions-errors';
import { type KakehashiIds, kakehashiIds } from './chat-completions-ids';

/** The Responses API's usage object. */
export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** One `output_text` part. */
export interface ResponseOutputText {
  type: 'output_text';
  text: string;
  annotations: [];
}

/** The assistant's message: the answer. */
export interface ResponseOutputMessage {
  id: string;
  type: 'message';
  status: 'in_progress' | 'completed' | 'incomplete';
  role: 'assistant';
  content: ResponseOutputText[];
}

/**
 * One of the agent's steps (a Codeer reasoning step, an AgenticStar task) as a `reasoning` item: its
 * title is the summary text, and the step itself (kind, args, result, status) rides in the
 * `kakehashi` extension field.
 */
export interface ResponseReasoningItem {
  id: string;
  type: 'reasoning';
  status: 'in_progress' | 'completed' | 'incomplete';
  summary: Array<{ type: 'summary_text'; text: string }>;
  kakehashi: { step: Omit<AgentStepStartEvent, 'type'> & Partial<Omit<AgentStepEndEvent, 'type'>> };
}

export type ResponseOutputItem = ResponseOutputMessage | ResponseReasoningItem;

/** A `response` object, with the `kakehashi` extension (ids, session, title). */
export interface ResponseBody {
  id: string;
  object: 'response';
  created_at: number;
  completed_at: number | null;
  status: 'in_progress' | 'completed' | 'incomplete' | 'failed';
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
  instructions: string | null;
  max_output_tokens: null;
  model: string;
  output: ResponseOutputItem[];
  /** The text of every `output_text` part, joined (what the SDKs' `output_text` convenience gives). */
  output_text: string;
  parallel_tool_calls: false;
  previous_response_id: string | null;
  reasoning: { effort: null; summary: null };
  store: boolean;
  temperature: null;
  text: { format: { type: 'text' } };
  tool_choice: 'auto';
  tools: [];
  top_p: null;
  truncation: 'disabled';
  usage: ResponseUsage | null;
  user: string | null;
  metadata: Record<string, string>;
  kakehashi: KakehashiIds & { title?: string };
}

/** What the writer needs to know about the response it writes. */
export interface ResponseMeta {
  id: string;
  createdAt: number;
  model: string;
  provider: string;
  previousResponseId: string | undefined;
  instructions: string | undefined;
  metadata: Record<string, string> | undefined;
  user: string | undefined;
  store: boolean;
  /** The turn's session, as known when asked. */
  session: () => AgentSession | undefined;
  /** Write SSE text (streaming) or only keep the state (a whole answer). */
  stream: boolean;
}

/** The shared usage as the Responses API's (missing counts are 0; the total defaults to their sum). */
export function responseUsage(usage: AgentUsage): ResponseUsage {
  const input = usage.inputTokens ?? 0;
  const output = usage.outputTokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.totalTokens ?? input + output,
  };
}

/** `status` and `incomplete_details` for a shared finish reason. */
function ending(reason: string): { status: 'completed' | 'incomplete'; incomplete: { reason: string } | null } {
  if (reason === 'length') return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } };
  if (reason === 'content-filter') return { status: 'incomplete', incomplete: { reason: 'content_filter' } };
  return { status: 'completed', incomplete: null };
}

const hex = () => crypto.randomUUID().replaceAll('-', '');

/** A fresh id with the Responses API's prefix (`resp`, `msg`, `rs`). */
export function responseItemId(prefix: 'resp' | 'msg' | 'rs'): string {
  return `${prefix}_${hex()}`;
}

/**
 * Turns `AgentEvent`s into the Responses API's stream (SSE text, one string per call; `''` when there
 * is nothing to send, or when the writer only keeps state for a whole answer) and builds the
 * `response` object alongside. The event sequence, each with its `sequence_number`:
 *
 * - `response.created`, `response.in_progress` ({@link begin});
 * - for the answer, one `message` item: `response.output_item.added`, `response.content_part.added`,
 *   `response.output_text.delta`…, and at the end `response.output_text.done`,
 *   `response.content_part.done`, `response.output_item.done` (the final text);
 * - for each agent step, one `reasoning` item opened at `step-start` (`response.output_item.added`,
 *   the title as a summary part: `response.reasoning_summary_part.added`,
 *   `response.reasoning_summary_text.delta`, `.done`, `response.reasoning_summary_part.done`) and
 *   closed at `step-end` (`response.output_item.done`); steps still open at the end are closed
 *   before the message;
 * - a `text-replace` that extends the text sent so far is a delta; one that rewrites it sends
 *   nothing (a client cannot take text back), and from then on no deltas: `output_text.done` and
 *   the final response carry the final text;
 * - then `response.completed` (or `response.incomplete` for a `length` / `content-filter` finish),
 *   or `response.failed` with `error`.
 *
 * Deltas, the bulk of a stream, are built by string concatenation around a fixed prefix.
 */
export class ResponseWriter {
  readonly #meta: ResponseMeta;
  readonly #output: ResponseOutputItem[] = [];
  #seq = 0;
  #start: AgentStartEvent | undefined;
  #title: string | undefined;
  #message: ResponseOutputMessage | undefined;
  #messageIndex = -1;
  #deltaPrefix = '';
  /** The text as sent in deltas. */
  #sent = '';
  /** The platform's text so far. */
  #text = '';
  #rewritten = false;
  readonly #steps = new Map<string, number>();
  #status: ResponseBody['status'] = 'in_progress';
  #error: ResponseBody['error'] = null;
  #incomplete: ResponseBody['incomplete_details'] = null;
  #usage: ResponseUsage | null = null;
  #completedAt: number | null = null;

  constructor(meta: ResponseMeta) {
    this.#meta = meta;
  }

  /** The ids as known now. */
  ids(): KakehashiIds {
    return kakehashiIds(this.#meta.provider, this.#start, this.#meta.session());
  }

  /** Notes the ids of a `start` event without writing anything (for response headers). */
  remember(start: AgentStartEvent): void {
    this.#start = start;
  }

  /** The answer as a client that joins every `output_text.delta` has it (the draft, after a rewrite). */
  streamedText(): string {
    return this.#meta.stream ? this.#sent : this.#text;
  }

  /** The status so far. */
  get status(): ResponseBody['status'] {
    return this.#status;
  }

  /** The `response` object as it stands. */
  body(): ResponseBody {
    const m = this.#meta;
    const kakehashi: ResponseBody['kakehashi'] = this.ids();
    if (this.#title !== undefined) kakehashi.title = this.#title;
    let outputText = '';
    for (const item of this.#output)
      if (item.type === 'message') for (const part of item.content) outputText += part.text;
    return {
      id: m.id,
      object: 'response',
      created_at: m.createdAt,
      completed_at: this.#completedAt,
      status: this.#status,
      error: this.#error,
      incomplete_details: this.#incomplete,
      instructions: m.instructions ?? null,
      max_output_tokens: null,
      model: m.model,
      output: structuredClone(this.#output),
      output_text: outputText,
      parallel_tool_calls: false,
      previous_response_id: m.previousResponseId ?? null,
      reasoning: { effort: null, summary: null },
      store: m.store,
      temperature: null,
      text: { format: { type: 'text' } },
      tool_choice: 'auto',
      tools: [],
      top_p: null,
      truncation: 'disabled',
      usage: this.#usage,
      user: m.user ?? null,
      metadata: m.metadata ?? {},
      kakehashi,
    };
  }

  /** `response.created` and `response.in_progress`. */
  begin(): string {
    if (!this.#meta.stream) return '';
    const response = this.body();
    return (
      this.#event('response.created', { response }) + this.#event('response.in_progress', { response: this.body() })
    );
  }

  /** SSE text for one event (`finish` and `error` are {@link finish}'s and {@link failed}'s). */
  write(event: AgentEvent): string {
    switch (event.type) {
      case 'start':
        this.#start = event;
        return '';
      case 'text-delta':
        return event.delta === '' ? '' : this.#extend(this.#text + event.delta);
      case 'text-replace':
        return this.#extend(event.text);
      case 'step-start':
        return this.#stepStart(event);
      case 'step-end':
        return this.#stepEnd(event);
      case 'title':
        this.#title = event.title;
        return '';
      default:
        return '';
    }
  }

  /**
   * The end of the answer: open steps and the message closed with the final text (`finish.text` is
   * authoritative), usage and status set. The lifecycle event comes from {@link completed}, once
   * the response is stored.
   */
  finish(event: AgentFinishEvent): string {
    let out = this.#closeSteps('completed');
    out += this.#openMessage();
    const end = ending(event.reason);
    this.#text = event.text;
    const message = this.#message!;
    message.status = end.status;
    message.content[0]!.text = event.text;
    if (event.usage) this.#usage = responseUsage(event.usage);
    this.#status = end.status;
    this.#incomplete = end.incomplete;
    this.#completedAt = Math.floor(Date.now() / 1000);
    if (!this.#meta.stream) return out;
    const at = { item_id: message.id, output_index: this.#messageIndex, content_index: 0 };
    const part = message.content[0]!;
    out += this.#event('response.output_text.done', { ...at, text: event.text, logprobs: [] });
    out += this.#event('response.content_part.done', { ...at, part });
    out += this.#event('response.output_item.done', { output_index: this.#messageIndex, item: message });
    return out;
  }

  /** `response.completed` (or `response.incomplete`) with the whole response. */
  completed(): string {
    if (!this.#meta.stream) return '';
    return this.#event(this.#status === 'incomplete' ? 'response.incomplete' : 'response.completed', {
      response: this.body(),
    });
  }

  /** The answer failed: open items marked incomplete, and `response.failed` with the error. */
  failed(error: OpenAIErrorObject): string {
    for (const item of this.#output) if (item.status === 'in_progress') item.status = 'incomplete';
    this.#steps.clear();
    this.#status = 'failed';
    this.#error = { code: error.code ?? 'server_error', message: error.message };
    if (!this.#meta.stream) return '';
    return this.#event('response.failed', { response: this.body() });
  }

  #event(type: string, fields: Record<string, unknown>): string {
    const data = JSON.stringify({ type, ...fields, sequence_number: this.#seq++ });
    return `event: ${type}\ndata: ${data}\n\n`;
  }

  #push(item: ResponseOutputItem): number {
    this.#output.push(item);
    return this.#output.length - 1;
  }

  #openMessage(): string {
    if (this.#message !== undefined) return '';
    const message: ResponseOutputMessage = {
      id: responseItemId('msg'),
      type: 'message',
      status: 'in_progress',
      role: 'assistant',
      content: [{ type: 'output_text', text: '', annotations: [] }],
    };
    this.#message = message;
    this.#messageIndex = this.#push(message);
    if (!this.#meta.stream) return '';
    this.#deltaPrefix = `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"${message.id}","output_index":${this.#messageIndex},"content_index":0,"logprobs":[],"delta":`;
    const at = { item_id: message.id, output_index: this.#messageIndex, content_index: 0 };
    return (
      this.#event('response.output_item.added', {
        output_index: this.#messageIndex,
        item: { ...message, content: [] },
      }) +
      this.#event('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } })
    );
  }

  /** The platform's text is now `text`: a delta when it extends what was sent, otherwise nothing. */
  #extend(text: string): string {
    if (text === this.#text) return '';
    let out = this.#openMessage();
    this.#text = text;
    this.#message!.content[0]!.text = text;
    if (this.#rewritten || !text.startsWith(this.#sent)) {
      this.#rewritten = true;
      return out;
    }
    const delta = text.slice(this.#sent.length);
    this.#sent = text;
    if (this.#meta.stream) out += `${this.#deltaPrefix}${JSON.stringify(delta)},"sequence_number":${this.#seq++}}\n\n`;
    return out;
  }

  #stepStart(event: AgentStepStartEvent): string {
    const { type: _, ...step } = event;
    if (this.#steps.has(event.id)) return '';
    const item: ResponseReasoningItem = {
      id: responseItemId('rs'),
      type: 'reasoning',
      status: 'in_progress',
      summary: [],
      kakehashi: { step },
    };
    const index = this.#push(item);
    this.#steps.set(event.id, index);
    let out = '';
    if (this.#meta.stream)
      out += this.#event('response.output_item.added', { output_index: index, item: { ...item, summary: [] } });
    if (event.title !== undefined && event.title !== '') out += this.#summary(item, index, event.title);
    return out;
  }

  #stepEnd(event: AgentStepEndEvent): string {
    let out = '';
    if (!this.#steps.has(event.id)) out += this.#stepStart({ ...event, type: 'step-start' });
    const index = this.#steps.get(event.id)!;
    this.#steps.delete(event.id);
    const item = this.#output[index] as ResponseReasoningItem;
    const { type: _, ...end } = event;
    item.kakehashi.step = { ...item.kakehashi.step, ...end };
    if (item.summary.length === 0 && event.title !== undefined && event.title !== '')
      out += this.#summary(item, index, event.title);
    return out + this.#closeStep(item, index, 'completed');
  }

  #summary(item: ResponseReasoningItem, index: number, title: string): string {
    const summaryIndex = item.summary.length;
    item.summary.push({ type: 'summary_text', text: title });
    if (!this.#meta.stream) return '';
    const at = { item_id: item.id, output_index: index, summary_index: summaryIndex };
    return (
      this.#event('response.reasoning_summary_part.added', { ...at, part: { type: 'summary_text', text: '' } }) +
      this.#event('response.reasoning_summary_text.delta', { ...at, delta: title }) +
      this.#event('response.reasoning_summary_text.done', { ...at, text: title }) +
      this.#event('response.reasoning_summary_part.done', { ...at, part: { type: 'summary_text', text: title } })
    );
  }

  #closeStep(item: ResponseReasoningItem, index: number, status: 'completed'): string {
    item.status = status;
    if (!this.#meta.stream) return '';
    return this.#event('response.output_item.done', { output_index: index, item });
  }

  #closeSteps(status: 'completed'): string {
    let out = '';
    for (const index of this.#steps.values())
      out += this.#closeStep(this.#output[index] as ResponseReasoningItem, index, status);
    this.#steps.clear();
    return out;
  }
}
