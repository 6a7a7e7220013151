/**
 * The AgenticStar chat stream as the provider sheet documents it: an SSE body that opens with a
 * `: connected` comment, then one role chunk (`delta.role` + `delta.messageInfo`), content and task
 * chunks, `: heartbeat` comments while idle, a final chunk whose choice carries camelCase
 * `finishReason`, and `data: [DONE]`. Chunks are `{createdAt, model: "AGENTIC STAR", choices}`.
 */

/** A task as it appears in `delta.tasks` (fields from the documented examples; extra fields are sent as given). */
export interface AgenticStarSimulatorTask {
  /** Links a tool call to its result; tasks are merged by it. Default: a fresh deterministic UUID. */
  callId?: string;
  /** `execute`, `tool_result`, … Default `execute`. */
  actionType?: string;
  /** Default `タスク`. */
  title?: string;
  /** `running`, `completed`, … Default `running`. */
  status?: string;
  /** Filled in from the turn when absent. */
  messageId?: string;
  /** Filled in from the turn when absent. */
  conversationId?: string;
  /** Epoch milliseconds. Filled in from the simulator's deterministic clock when absent. */
  timestamp?: number;
  /** Any other field is sent as is. */
  [field: string]: unknown;
}

/**
 * One step of a scripted answer.
 *
 * - `{ content }`: a content chunk (`delta.content`).
 * - `{ task }`, `{ tasks }`: a chunk whose `delta.tasks` carries the task(s); with `content` too, both in one chunk.
 * - `{ delta }`: extra fields merged into the chunk's delta (for unknown-field tests).
 * - `{ wait: ms }`: an idle gap; a `: heartbeat` comment is sent every `heartbeatIntervalMs` while it lasts.
 * - `{ chunk }`: this JSON object sent as one `data:` event, exactly as given.
 * - `{ data }`: this raw text sent as one `data:` event (for malformed or error payloads).
 * - `{ comment }`: an SSE comment line.
 * - `{ finish: reason }`: the final chunk (`choices[0].finishReason`); `{ finish: reason, snakeCase: true }` uses `finish_reason`.
 * - `{ done: true }`: `data: [DONE]`.
 * - `{ end: true }`: end the response cleanly right here (no `[DONE]`: a cut stream, as the client sees it).
 * - `{ destroy: true }`: cut the connection right here (no chunked terminator).
 * - `{ stall: true }`: write nothing more; keep the connection open.
 *
 * When a script has no `finish`/`done`/`end`/`destroy`/`stall` step, the final chunk and `[DONE]` are appended.
 */
export type AgenticStarSimulatorStep =
  | {
      content: string;
      task?: AgenticStarSimulatorTask;
      tasks?: AgenticStarSimulatorTask[];
      delta?: Record<string, unknown>;
    }
  | { task: AgenticStarSimulatorTask; content?: string; delta?: Record<string, unknown> }
  | { tasks: AgenticStarSimulatorTask[]; content?: string; delta?: Record<string, unknown> }
  | { delta: Record<string, unknown> }
  | { wait: number }
  | { chunk: Record<string, unknown> }
  | { data: string }
  | { comment: string }
  | { finish: string | null; snakeCase?: boolean }
  | { done: true }
  | { end: true }
  | { destroy: true }
  | { stall: true };

/** What a script function is told about the request it answers. */
export interface AgenticStarSimulatorTurn {
  /** The last user message's `content` (a string; non-string contents are JSON-encoded). */
  message: string;
  /** The conversation of this turn (the request's `conversationId`, or a new one). */
  conversationId: string;
  /** The id of the answer message. */
  messageId: string;
  /** True when the request continued an existing conversation. */
  continued: boolean;
  /** The parsed request body. */
  body: Record<string, unknown>;
  /** 0-based number of this chat request on the simulator. */
  index: number;
}

/** The model name the documented chunks carry. */
export const AGENTICSTAR_SIMULATOR_MODEL = 'AGENTIC STAR';

/** 2026-03-14T10:30:00.000Z: the deterministic clock starts at the documented examples' date. */
export const AGENTICSTAR_SIMULATOR_EPOCH_MS = Date.UTC(2026, 2, 14, 10, 30, 0, 0);

/** A deterministic clock: every tick is one second after the previous one. */
export class SimulatorClock {
  #ticks = 0;
  /** The next instant, in epoch milliseconds. */
  next(): number {
    return AGENTICSTAR_SIMULATOR_EPOCH_MS + 1000 * this.#ticks++;
  }
}

/** A deterministic UUID-shaped id (version-4 layout) from a counter. */
export function simulatorUuid(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `0cf24f34-bbd9-4833-88c4-${hex}`;
}

/** The default answer to a message: deterministic Japanese text that quotes the question. */
export function defaultAnswerText(message: string): string {
  const quoted = message.length > 40 ? `${message.slice(0, 40)}…` : message;
  return `「${quoted}」についてお答えします。こちらは AgenticStar シミュレーターの応答です。日本語のテキストを少しずつストリーミングしています 🌏`;
}

/** Splits text into pieces of at most `size` characters (code points, so emoji stay whole). */
export function textPieces(text: string, size = 8): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

/**
 * The default script: a running task, the answer text in pieces, a tool call and its result (merged
 * by `callId`), the first task completed together with the last piece of text.
 */
export function defaultScript(answer: string, nextCallId: () => string, thinkMs: number): AgenticStarSimulatorStep[] {
  const research = nextCallId();
  const tool = nextCallId();
  const pieces = textPieces(answer);
  const steps: AgenticStarSimulatorStep[] = [
    { task: { callId: research, actionType: 'execute', title: '情報収集', status: 'running' } },
  ];
  if (thinkMs > 0) steps.push({ wait: thinkMs });
  const half = Math.floor(pieces.length / 2);
  pieces.forEach((piece, i) => {
    if (i === half) {
      steps.push({ task: { callId: tool, actionType: 'execute', title: 'データ分析', status: 'running' } });
      steps.push({ task: { callId: tool, actionType: 'tool_result', title: 'success', status: 'completed' } });
    }
    if (i === pieces.length - 1)
      steps.push({
        content: piece,
        task: { callId: research, actionType: 'execute', title: '情報収集', status: 'completed' },
      });
    else steps.push({ content: piece });
  });
  return steps;
}

/** One SSE `data:` event. */
export function sseData(payload: string): string {
  return `data: ${payload}\n\n`;
}

/** One SSE comment (`: text`), followed by a blank line as the platform sends it. */
export function sseComment(text: string): string {
  return `: ${text}\n\n`;
}

/** A chunk in the documented envelope. */
export function chatChunk(createdAt: number, choice: Record<string, unknown>): Record<string, unknown> {
  return {
    createdAt: new Date(createdAt).toISOString(),
    model: AGENTICSTAR_SIMULATOR_MODEL,
    choices: [{ index: 0, ...choice }],
  };
}
