import type { ScriptStep } from './scripted-reply';
import { layoutStream, truncatedJson, type SimulatorCut, type SimulatorStreamItem } from './simulator-faults';
import type { CodeerPlannedEvent } from './codeer-simulator-wire';

/** Options of the Codeer simulator's `inStreamError` knob. */
export interface CodeerSimulatorInStreamErrorOptions {
  /** Text deltas sent before the error event. Default 1. */
  afterDeltas?: number;
  /** The event's `code`. Default 10005. */
  code?: number | string;
  /** The event's `message`. Default `リクエストの処理に失敗しました`. */
  message?: string;
  /** The event name. Default: the `variant.errorEvent` option (else `response.error`). */
  event?: 'response.error' | 'error' | 'response.failed';
  /** @deprecated Give the count as the first argument. */
  times?: number;
}

/** Options of the Codeer simulator's `platformError` knob. */
export interface CodeerSimulatorPlatformErrorOptions {
  /** The envelope's `error_code`, a non-zero integer (10001, 10003, 10005, 10006, 14103, …). */
  code: number;
  /** The envelope's `message`. Default: a short English text for the documented codes. */
  message?: string;
  /** The HTTP status. Default 200 (Codeer can put the error in the envelope only). */
  status?: number;
  /** @deprecated Give the count as the first argument. */
  times?: number;
}

/** @deprecated Options of the deprecated `errorCode(code, options)` knob; use `platformError(count, { code, … })`. */
export interface CodeerSimulatorErrorCodeOptions {
  message?: string;
  status?: number;
  count?: number;
}

/** Default messages of the documented codes. */
export const CODEER_SIM_CODE_MESSAGES: Readonly<Record<number, string>> = {
  10001: 'Permission denied',
  10003: 'Resource not found',
  10005: 'Internal server error',
  10006: 'Bad request',
  14103: 'Client user not allowed',
};

/** Lays planned events out as scripted steps: pauses between events, then the shared faults. */
export function streamSteps(
  events: CodeerPlannedEvent[],
  faults: {
    cut: SimulatorCut | undefined;
    malformed: { afterEvents: number | undefined } | false;
    split: number | undefined;
  },
  ids: { response_id: string; chat_id: number },
  eventDelayMs: number,
): ScriptStep[] {
  const items: SimulatorStreamItem[] = [];
  events.forEach((event, index) => {
    if (eventDelayMs > 0 && index > 0) items.push({ wait: eventDelayMs });
    items.push({ write: event.text, event: true, carriesText: event.kind === 'delta' });
  });
  const type = 'response.output_text.delta';
  return layoutStream(items, {
    ...faults,
    malformedEvent: `event: ${type}\ndata: ${truncatedJson({ type, ...ids, delta: '途中で切れたJSON' })}\n\n`,
  });
}
