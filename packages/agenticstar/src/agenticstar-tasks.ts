import type { AgentStepEndEvent, AgentStepStartEvent } from '@kakehashi/sse-core';
import type { AgenticStarTask } from './agenticstar-chunk';

/**
 * Statuses that end a task. Only `running` and `completed` are documented; the others are common
 * spellings of "finished", so that a task that fails or is cancelled also closes its step.
 */
export const AGENTICSTAR_TERMINAL_TASK_STATUSES: ReadonlySet<string> = new Set([
  'completed',
  'complete',
  'success',
  'succeeded',
  'done',
  'finished',
  'failed',
  'failure',
  'error',
  'cancelled',
  'canceled',
  'aborted',
  'skipped',
  'rejected',
  'timeout',
  'timed_out',
]);

/** Whether a task status ends the task. */
export function isTerminalTaskStatus(status: unknown): boolean {
  return typeof status === 'string' && AGENTICSTAR_TERMINAL_TASK_STATUSES.has(status.toLowerCase());
}

interface TrackedTask {
  id: string;
  /** The title the step started with (a tool result may arrive titled `success`). */
  title: string | undefined;
  task: AgenticStarTask;
  ended: boolean;
}

/**
 * Merges `delta.tasks` into one record per task, and turns them into `step-start` / `step-end`
 * events (kind `task`). Tasks are keyed by `callId`, or by `messageId` + `title` when there is none.
 * Whether the platform sends the changed tasks or the whole list each time is not documented;
 * upserting handles both.
 */
export class AgenticStarTaskTracker {
  readonly #byKey = new Map<string, TrackedTask>();
  #anonymous = 0;

  /** Every task so far, merged, in order of first appearance. */
  get tasks(): AgenticStarTask[] {
    return [...this.#byKey.values()].map((t) => t.task);
  }

  /** Merges one task; returns the step events it causes (none, a start, an end, or both). */
  upsert(task: AgenticStarTask, out: Array<AgentStepStartEvent | AgentStepEndEvent>): void {
    const key = keyOf(task) ?? `task-${++this.#anonymous}`;
    let tracked = this.#byKey.get(key);
    if (tracked === undefined) {
      tracked = {
        id: key,
        title: typeof task.title === 'string' ? task.title : undefined,
        task: { ...task },
        ended: false,
      };
      this.#byKey.set(key, tracked);
      const start: AgentStepStartEvent = { type: 'step-start', id: key, kind: 'task', args: task };
      if (typeof task.title === 'string') start.title = task.title;
      if (typeof task.status === 'string') start.status = task.status;
      out.push(start);
    } else {
      tracked.task = { ...tracked.task, ...definedFields(task) };
      if (tracked.title === undefined && typeof task.title === 'string') tracked.title = task.title;
    }
    if (!tracked.ended && isTerminalTaskStatus(tracked.task.status)) {
      tracked.ended = true;
      out.push(endEvent(tracked));
    }
  }

  /** Step ends for the tasks still open when the stream finished (their last reported status kept). */
  closeOpen(out: Array<AgentStepStartEvent | AgentStepEndEvent>): void {
    for (const tracked of this.#byKey.values()) {
      if (tracked.ended) continue;
      tracked.ended = true;
      out.push(endEvent(tracked));
    }
  }
}

function keyOf(task: AgenticStarTask): string | undefined {
  if (task.callId !== undefined && task.callId !== null && task.callId !== '') return String(task.callId);
  if (typeof task.title === 'string' && task.title !== '') return `${task.messageId ?? ''}:${task.title}`;
  return undefined;
}

function definedFields(task: AgenticStarTask): Partial<AgenticStarTask> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(task)) if (v !== undefined && v !== null) out[k] = v;
  return out as Partial<AgenticStarTask>;
}

function endEvent(tracked: TrackedTask): AgentStepEndEvent {
  const end: AgentStepEndEvent = { type: 'step-end', id: tracked.id, kind: 'task', result: tracked.task };
  if (tracked.title !== undefined) end.title = tracked.title;
  if (typeof tracked.task.status === 'string') end.status = tracked.task.status;
  return end;
}
