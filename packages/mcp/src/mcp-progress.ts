import type { AgentEvent } from '@kakehashi/sse-core';

/** What a progress reporter needs from the SDK's request context. */
export interface ProgressContext {
  /** `_meta.progressToken` of the request; without one, nothing is sent. */
  progressToken: string | number | undefined;
  /** Sends a notification related to the request (`extra.sendNotification`). */
  send(notification: {
    method: 'notifications/progress';
    params: { progressToken: string | number; progress: number; message: string };
  }): Promise<void>;
}

/** Reports a turn's events as MCP progress notifications. */
export interface ProgressReporter {
  /** One event of the turn, with the answer text so far. Resolves once any notification is handed to the transport. */
  event(event: AgentEvent, text: string): Promise<void>;
  /**
   * Call before the result is returned: when a notification went out, waits one macrotask so that it
   * leaves before the result. The official TypeScript client handles a response at once but a
   * notification a microtask later, so a progress notification read together with the result reaches
   * a retired token and is reported through `onerror` (modelcontextprotocol/typescript-sdk#2580);
   * this narrows that window, it cannot close it.
   */
  settle(): Promise<void>;
}

const TAIL_CHARS = 80;

/** The last characters of the text so far (by code point, so a surrogate pair is never cut). */
function tail(text: string): string {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  return chars.length > TAIL_CHARS ? `…${chars.slice(-TAIL_CHARS).join('')}` : chars.join('');
}

/**
 * Progress notifications for one tool call: `progress` counts the notifications (1, 2, 3, … so it
 * always increases; the total is unknown), `message` says what happens. The start of the answer, each
 * step's start and end (with the step's title) are always reported; text at most once per
 * `intervalMs` (the message is the answer's last characters so far). A failed send is ignored: the
 * answer matters more than its progress.
 */
export function createProgressReporter(ctx: ProgressContext, title: string, intervalMs: number): ProgressReporter {
  const token = ctx.progressToken;
  if (token === undefined) return { event: () => Promise.resolve(), settle: () => Promise.resolve() };
  let progress = 0;
  let lastTextAt = Number.NEGATIVE_INFINITY;
  const send = async (message: string): Promise<void> => {
    progress += 1;
    try {
      await ctx.send({ method: 'notifications/progress', params: { progressToken: token, progress, message } });
    } catch {
      // The client may be gone; the turn itself notices through its signal.
    }
  };
  return {
    settle: () => (progress === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, 0))),
    event(event, text) {
      switch (event.type) {
        case 'start':
          return send(`${title}: the agent is answering`);
        case 'step-start':
          return send(`${title}: ${event.title ?? event.kind}`);
        case 'step-end':
          return send(`${title}: ${event.title ?? event.kind} (${event.status ?? 'done'})`);
        case 'text-delta':
        case 'text-replace': {
          const now = performance.now();
          if (intervalMs > 0 && now - lastTextAt < intervalMs) return Promise.resolve();
          lastTextAt = now;
          return send(`${title}: ${tail(text)}`);
        }
        default:
          return Promise.resolve();
      }
    },
  };
}
