/**
 * Codeer's wire format as the simulator writes it: the JSON envelope and the SSE events of
 * `POST /api/v1/chats/{chat_id}/messages` (`event: <type>` + one-line JSON `data:`, a blank line, and a
 * bare `data: [DONE]` terminator).
 */

/** A reasoning step the simulated agent performs before answering. */
export interface CodeerSimulatorStep {
  /** Step kind, e.g. `consultant_retrieve_context_source`, `consultant_search_web`. */
  type: string;
  /** Human-readable progress text. */
  content: string;
  /** Arguments of the step. Default `{}`. */
  args?: Record<string, unknown>;
  /** Result of the step. Default `{ success: true }`. */
  result?: Record<string, unknown>;
}

/** The request a scripted answer is computed for. */
export interface CodeerSimulatorTurn {
  /** The chat id. */
  chatId: number;
  /** The user's message. */
  message: string;
  /** The agent answering. */
  agentId: string;
  /** `send` for `POST …/messages`, `regenerate` for `POST …/regenerate`. */
  kind: 'send' | 'regenerate';
  /** Whether the answer is streamed. */
  stream: boolean;
}

/** Which spelling of the drifting fields the simulator sends. */
export interface CodeerSimulatorVariant {
  /** Event name of an in-stream error: `response.error` (documented, default), `error` (Codeer's samples) or `response.failed` (v2). */
  errorEvent?: 'response.error' | 'error' | 'response.failed';
  /** Field of the completed event holding the whole text: `final_text` (documented, default) or `full_text`. */
  completedTextField?: 'final_text' | 'full_text';
  /** Field of a reasoning step holding its kind: `type` (default) or `tool_name` (newer servers). */
  stepKindField?: 'type' | 'tool_name';
}

/** The default agent's answer: deterministic Japanese text. */
export const CODEER_SIM_DEFAULT_ANSWER =
  '営業時間は月曜日から金曜日の午前9時から午後6時までです。土日祝日はお休みをいただいております。ご不明な点があればお気軽にどうぞ🌸';

/** The default step: a knowledge-base search. */
export function defaultCodeerSteps(turn: CodeerSimulatorTurn): CodeerSimulatorStep[] {
  return [
    {
      type: 'consultant_retrieve_context_source',
      content: 'ナレッジベースを検索中',
      args: { query: turn.message.slice(0, 50) },
      result: { success: true, data: '3件の関連ドキュメントが見つかりました' },
    },
  ];
}

/** The default generated title for a chat's first message. */
export function defaultCodeerTitle(message: string): string {
  return `${[...message].slice(0, 20).join('')}についての質問`;
}

/** The `{data, message, error_code, pagination}` envelope. */
export function envelope(
  data: unknown,
  extra: { message?: string | null; errorCode?: number | null; pagination?: unknown } = {},
): string {
  return JSON.stringify({
    data,
    message: extra.message ?? null,
    error_code: extra.errorCode === undefined ? 0 : extra.errorCode,
    pagination: extra.pagination ?? null,
  });
}

/** One SSE event: `event: <type>` and the payload as one-line JSON. */
export function sseEvent(type: string, payload: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

/** The terminator: a bare `data: [DONE]` without an event line. */
export const SSE_DONE = 'data: [DONE]\n\n';

/** A deterministic UUID from a counter. */
export function codeerSimUuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** Splits text into deltas of `size` characters (code points, so an emoji is never cut). */
export function splitText(text: string, size: number): string[] {
  const chars = [...text];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

/** Removes `<tool …>…</tool>` blocks (what Codeer does unless `include_tool_tags` is true). */
export function stripToolTags(text: string): string {
  return text.replace(/<tool\b[^>]*>[\s\S]*?<\/tool>/g, '').replace(/<tool\b[^>]*\/>/g, '');
}

/** Token counts the simulator reports. */
export interface CodeerSimUsage {
  total_prompt_tokens: number;
  total_completion_tokens: number;
  total_tokens: number;
  total_calls: number;
}

/** Deterministic usage numbers for a turn. */
export function simUsage(message: string, answer: string, steps: number): CodeerSimUsage {
  const prompt = 120 + [...message].length;
  const completion = [...answer].length;
  return {
    total_prompt_tokens: prompt,
    total_completion_tokens: completion,
    total_tokens: prompt + completion,
    total_calls: 1 + steps,
  };
}

/** Everything needed to write one streamed answer. */
export interface CodeerStreamPlan {
  responseId: string;
  chatId: number;
  agentId: string;
  model: string;
  conversationGroupId: string;
  userConversationId: number;
  title?: string;
  steps: CodeerSimulatorStep[];
  deltas: string[];
  finalText: string;
  usage: CodeerSimUsage;
  variant: CodeerSimulatorVariant;
  /** Raw SSE text inserted after `response.created` (unknown events, comments). */
  extra: string[];
  /** Ends the stream with an error event after this many deltas. */
  error?: { afterDeltas: number; code: number | string; message: string };
  /** Fixed timestamp base (ISO) for steps. */
  timestamp: string;
}

/** An event of a planned stream, with what it is (so faults can be placed after a given event). */
export interface CodeerPlannedEvent {
  kind: 'created' | 'title' | 'step' | 'delta' | 'completed' | 'error' | 'extra' | 'done';
  text: string;
}

/** Builds the SSE events of one answer, exactly as the sheet documents them. */
export function planCodeerStream(plan: CodeerStreamPlan): CodeerPlannedEvent[] {
  const ids = { response_id: plan.responseId, chat_id: plan.chatId };
  const kindField = plan.variant.stepKindField ?? 'type';
  const events: CodeerPlannedEvent[] = [];
  events.push({
    kind: 'created',
    text: sseEvent('response.created', {
      ...ids,
      agent_id: plan.agentId,
      model: plan.model,
      conversation_group_id: plan.conversationGroupId,
      user_conversation_id: plan.userConversationId,
    }),
  });
  for (const extra of plan.extra) events.push({ kind: 'extra', text: extra });
  if (plan.title !== undefined)
    events.push({ kind: 'title', text: sseEvent('response.chat.title.updated', { ...ids, name: plan.title }) });
  plan.steps.forEach((step, index) => {
    const id = `step_${plan.responseId.slice(-8)}_${index + 1}`;
    events.push({
      kind: 'step',
      text: sseEvent('response.reasoning_step.start', {
        ...ids,
        step: { id, content: step.content, [kindField]: step.type, args: step.args ?? {}, timestamp: plan.timestamp },
      }),
    });
    events.push({
      kind: 'step',
      text: sseEvent('response.reasoning_step.end', {
        ...ids,
        step: {
          id,
          [kindField]: step.type,
          result: step.result ?? { success: true },
          timestamp: plan.timestamp,
          token_usage: { total_prompt_tokens: 150, total_completion_tokens: 45, total_tokens: 195, total_calls: 1 },
        },
      }),
    });
  });
  let sent = 0;
  for (const delta of plan.deltas) {
    if (plan.error && sent >= plan.error.afterDeltas) break;
    events.push({ kind: 'delta', text: sseEvent('response.output_text.delta', { ...ids, delta }) });
    sent++;
  }
  if (plan.error) {
    events.push({
      kind: 'error',
      text: sseEvent(plan.variant.errorEvent ?? 'response.error', {
        ...ids,
        message: plan.error.message,
        code: plan.error.code,
      }),
    });
  } else {
    events.push({
      kind: 'completed',
      text: sseEvent('response.output_text.completed', {
        ...ids,
        [plan.variant.completedTextField ?? 'final_text']: plan.finalText,
        usage: plan.usage,
      }),
    });
  }
  events.push({ kind: 'done', text: SSE_DONE });
  return events;
}
