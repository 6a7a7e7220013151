import type { ScriptStep } from './scripted-reply';
import { splitEvery } from './split-bytes';
import type { CodeerPlannedEvent } from './codeer-simulator-wire';

/** Where a `stall` or `reset` cuts a stream, and how many streams it hits. */
export interface CodeerSimulatorCutOptions {
  /** Events written before the cut. Default: up to and including the first text delta. */
  afterEvents?: number;
  /** How many streams the knob hits. Default 1. */
  times?: number;
  /** `reset` only: end the response properly at the cut (no finish signal) instead of cutting the connection. */
  clean?: boolean;
}

/** Options of the `inStreamError` knob. */
export interface CodeerSimulatorInStreamErrorOptions {
  /** Text deltas sent before the error event. Default 1. */
  afterDeltas?: number;
  /** The event's `code`. Default 10005. */
  code?: number | string;
  /** The event's `message`. Default `リクエストの処理に失敗しました`. */
  message?: string;
  /** The event name. Default: the `variant.errorEvent` option (else `response.error`). */
  event?: 'response.error' | 'error' | 'response.failed';
  /** How many streams the knob hits. Default 1. */
  times?: number;
}

/** Options of the `errorCode` knob. */
export interface CodeerSimulatorErrorCodeOptions {
  /** The envelope's `message`. Default: a short English text for the known codes. */
  message?: string;
  /** The HTTP status. Default 200 (the error is only in the envelope). */
  status?: number;
  /** How many requests the knob hits. Default 1. */
  count?: number;
}

/** The fault knobs currently armed. */
export interface CodeerSimulatorFaults {
  split?: number;
  stall?: { afterEvents?: number; remaining: number };
  reset?: { afterEvents?: number; remaining: number; clean: boolean };
  rateLimit?: { remaining: number; retryAfterSeconds: number };
  fail?: { remaining: number; status: number };
  errorCode?: { code: number; message: string; status: number; remaining: number };
  inStreamError?: {
    afterDeltas: number;
    code: number | string;
    message: string;
    event?: 'response.error' | 'error' | 'response.failed';
    remaining: number;
  };
}

/** Default messages of the documented codes. */
export const CODEER_SIM_CODE_MESSAGES: Readonly<Record<number, string>> = {
  10001: 'Permission denied',
  10003: 'Resource not found',
  10005: 'Internal server error',
  10006: 'Bad request',
  14103: 'Client user not allowed',
};

/** Turns planned events into scripted steps, applying split, delays, stall and reset. */
export function streamSteps(
  events: CodeerPlannedEvent[],
  faults: CodeerSimulatorFaults,
  eventDelayMs: number,
): ScriptStep[] {
  const firstDelta = events.findIndex((e) => e.kind === 'delta');
  const defaultCut = firstDelta === -1 ? 1 : firstDelta + 1;
  let cut: { at: number; step: ScriptStep | undefined } | undefined;
  if (faults.stall && faults.stall.remaining > 0) {
    faults.stall.remaining--;
    cut = { at: faults.stall.afterEvents ?? defaultCut, step: { stall: true } };
    if (faults.stall.remaining === 0) delete faults.stall;
  } else if (faults.reset && faults.reset.remaining > 0) {
    faults.reset.remaining--;
    cut = { at: faults.reset.afterEvents ?? defaultCut, step: faults.reset.clean ? undefined : { destroy: true } };
    if (faults.reset.remaining === 0) delete faults.reset;
  }
  const steps: ScriptStep[] = [];
  events.forEach((event, index) => {
    if (cut?.step && index === cut.at) steps.push(cut.step);
    if (cut && index >= cut.at) return;
    if (eventDelayMs > 0 && index > 0) steps.push({ wait: eventDelayMs });
    if (faults.split && faults.split > 0) steps.push(...splitEvery(event.text, faults.split));
    else steps.push(event.text);
  });
  if (cut?.step && cut.at >= events.length) steps.push(cut.step);
  return steps;
}
