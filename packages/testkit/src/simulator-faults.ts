import type { ScriptedReply, ScriptStep } from './scripted-reply';
import { splitEvery } from './split-bytes';

/**
 * Where a `stall` or `cut` stops a response. Give at most one of `afterEvents`, `afterBytes` and
 * `beforeHeaders`; with none, the cut falls midway (see `afterEvents` and `afterBytes`).
 */
export interface SimulatorCutPoint {
  /**
   * Stream events written before the cut: AgenticStar data events (the role chunk counts), Codeer SSE
   * events, miibo JSON objects. `0` cuts right after the headers. Default: right after the first event
   * that carries answer text (after the first event when none does). Streaming simulators only.
   */
  afterEvents?: number;
  /**
   * Body bytes written before the cut, which may fall inside an event or a multibyte character.
   * Default for the Alibaba simulators, whose answers are whole JSON bodies: half the body (at least 1).
   */
  afterBytes?: number;
  /** Cut before the status line: the client receives nothing at all. */
  beforeHeaders?: boolean;
  /** @deprecated Give the count as the first argument: `stall(2, { afterEvents: 3 })`. */
  times?: number;
}

/** Options of the `stall` knob. */
export type SimulatorStallOptions = SimulatorCutPoint;

/** Options of the `cut` knob. */
export interface SimulatorCutOptions extends SimulatorCutPoint {
  /** A TCP reset (RST) instead of a plain close (FIN). Default `false`. A cut `beforeHeaders` is always a reset. */
  reset?: boolean;
  /**
   * End the response properly at the cut instead of cutting the connection: the body is simply short
   * (a stream without its finish signal; a whole JSON body truncated). Default `false`.
   */
  clean?: boolean;
}

/** Options of the `fail` knob. */
export interface SimulatorFailOptions {
  /** The HTTP status, 500–599. Default 503. */
  status?: number;
  /** @deprecated Give the count as the first argument. */
  times?: number;
}

/** Options of the `rateLimit` knob. */
export interface SimulatorRateLimitOptions {
  /** The `Retry-After` header, in whole seconds. Default 0 (retry at once). */
  retryAfterSeconds?: number;
  /** @deprecated Give the count as the first argument. */
  times?: number;
}

/** Options of the `delayHeaders` knob. */
export interface SimulatorDelayHeadersOptions {
  /** How long the response waits before its status line and headers, in ms. Default 1000. */
  delayMs?: number;
  /** @deprecated Give the count as the first argument. */
  times?: number;
}

/** Options of the `malformedJson` knob. */
export interface SimulatorMalformedJsonOptions {
  /**
   * Stream events written before the malformed one. Default: right after the first event that carries
   * answer text. Streaming simulators only (the Alibaba simulators truncate the whole body instead).
   */
  afterEvents?: number;
  /** @deprecated Give the count as the first argument. */
  times?: number;
}

/**
 * The fault knobs every simulator has, with the same names, options and defaults. Each arms the next
 * `count` requests (default 1) and returns the simulator, so calls chain. The options object may also
 * come first, for a count of 1: `stall({ afterEvents: 3 })`.
 */
export interface SimulatorFaultKnobs<Self> {
  /** Writes every later response body in pieces of `bytes` bytes, each its own socket write; `undefined` or 0 stops. Not counted: stays until changed. */
  split(bytes: number | undefined): Self;
  /** The next `count` requests get an HTTP 5xx (default 503) in the platform's error shape. */
  fail(count?: number, options?: SimulatorFailOptions): Self;
  fail(options: SimulatorFailOptions): Self;
  /** The next `count` requests get 429 with `Retry-After: retryAfterSeconds` (default 0). */
  rateLimit(count?: number, options?: SimulatorRateLimitOptions): Self;
  rateLimit(options: SimulatorRateLimitOptions): Self;
  /** The next `count` responses wait `delayMs` (default 1000) before their status line and headers. */
  delayHeaders(count?: number, options?: SimulatorDelayHeadersOptions): Self;
  delayHeaders(options: SimulatorDelayHeadersOptions): Self;
  /** The next `count` streams (Alibaba: answers) stop writing at the cut point and stay open until the client leaves. */
  stall(count?: number, options?: SimulatorStallOptions): Self;
  stall(options: SimulatorStallOptions): Self;
  /** The next `count` streams (Alibaba: answers) lose their connection at the cut point (or just end there, `clean`). */
  cut(count?: number, options?: SimulatorCutOptions): Self;
  cut(options: SimulatorCutOptions): Self;
  /** @deprecated Renamed {@link SimulatorFaultKnobs.cut}; same arguments. */
  reset(count?: number, options?: SimulatorCutOptions): Self;
  reset(options: SimulatorCutOptions): Self;
  /** The next `count` streams carry one event whose JSON is cut short (Alibaba: the answer body is truncated JSON). */
  malformedJson(count?: number, options?: SimulatorMalformedJsonOptions): Self;
  malformedJson(options: SimulatorMalformedJsonOptions): Self;
  /** Disarms every fault, the simulator's own ones included, and stops `split`. */
  clearFaults(): Self;
}

/** One armed fault. */
export interface SimulatorArmedFault {
  /** The knob that armed it (`fail`, `rateLimit`, `delayHeaders`, `stall`, `cut`, `malformedJson`, or the simulator's own). */
  knob: string;
  /** How many requests or streams it still hits. */
  remaining: number;
  /** Its options, defaults filled in. */
  options: Readonly<Record<string, unknown>>;
}

/** The faults a simulator has armed. */
export interface SimulatorFaultState {
  /** The `split` setting, or `undefined`. */
  split: number | undefined;
  /** The armed faults, in the order they were armed. */
  armed: SimulatorArmedFault[];
}

/** A `stall` or `cut` taken for one response. */
export interface SimulatorCut {
  kind: 'stall' | 'cut';
  afterEvents: number | undefined;
  afterBytes: number | undefined;
  beforeHeaders: boolean;
  reset: boolean;
  clean: boolean;
}

/** A `fail` or `rateLimit` taken for one request. */
export type SimulatorGateFault = { kind: 'fail'; status: number } | { kind: 'rateLimit'; retryAfterSeconds: number };

interface Armed {
  knob: string;
  remaining: number;
  options: Record<string, unknown>;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The fault state of one simulator: validates the knobs' arguments (errors name the knob, the field and
 * the reason), keeps the armed faults in order and hands them out one request at a time.
 */
export class SimulatorFaults {
  readonly #name: string;
  readonly #streams: boolean;
  #split: number | undefined;
  #armed: Armed[] = [];

  /**
   * @param name how errors name the simulator, e.g. `codeer simulator`
   * @param streams whether its answers are event streams (`afterEvents` allowed)
   */
  constructor(name: string, streams: boolean) {
    this.#name = name;
    this.#streams = streams;
  }

  /** The `split` setting. */
  get split(): number | undefined {
    return this.#split;
  }

  /** A snapshot of the armed faults. */
  get state(): SimulatorFaultState {
    return {
      split: this.#split,
      armed: this.#armed.map((a) => ({ knob: a.knob, remaining: a.remaining, options: { ...a.options } })),
    };
  }

  /** A `RangeError`/`TypeError` message prefix naming the knob. */
  where(knob: string): string {
    return `testkit: ${this.#name} ${knob}()`;
  }

  setSplit(bytes: number | undefined): void {
    if (bytes !== undefined && (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < 0)) {
      throw new RangeError(
        `${this.where('split')}: bytes must be a positive integer, or 0 / undefined to stop (got ${describe(bytes)})`,
      );
    }
    this.#split = bytes === 0 ? undefined : bytes;
  }

  /**
   * Reads a knob's `(count?, options?)` or `(options)` arguments: checks the count, that the options
   * are an object with known keys only, and returns both (the deprecated `times` folded into the count).
   */
  args(
    knob: string,
    first: unknown,
    second: unknown,
    allowed: readonly string[],
  ): { count: number; options: Record<string, unknown> } {
    let count: unknown = first;
    let options: unknown = second;
    if (isPlainObject(first)) {
      if (second !== undefined)
        throw new TypeError(`${this.where(knob)}: give (count, options) or (options), not two objects`);
      options = first;
      count = undefined;
    }
    if (options === undefined) options = {};
    if (!isPlainObject(options)) {
      throw new TypeError(
        `${this.where(knob)}: options must be an object, e.g. ${knob}(1, { … }) (got ${describe(options)}; the count comes first)`,
      );
    }
    for (const key of Object.keys(options)) {
      if (key !== 'times' && !allowed.includes(key)) {
        throw new TypeError(`${this.where(knob)}: unknown option "${key}" (allowed: ${allowed.join(', ')})`);
      }
    }
    const { times, ...rest } = options;
    if (times !== undefined) {
      if (count !== undefined)
        throw new TypeError(
          `${this.where(knob)}: give the count once (the deprecated times option or the first argument)`,
        );
      count = times;
    }
    count ??= 1;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      throw new RangeError(`${this.where(knob)}: count must be a non-negative integer (got ${describe(count)})`);
    }
    return { count, options: rest };
  }

  /** Arms `count` requests with a fault (a simulator's own knobs use this too). */
  arm(knob: string, count: number, options: Record<string, unknown>): void {
    if (count > 0) this.#armed.push({ knob, remaining: count, options });
  }

  /** Consumes one hit of the oldest armed fault among `knobs` whose options pass `matches`. */
  take(
    knobs: readonly string[],
    matches: (options: Record<string, unknown>) => boolean = () => true,
  ): { knob: string; options: Record<string, unknown> } | undefined {
    const index = this.#armed.findIndex((a) => knobs.includes(a.knob) && matches(a.options));
    if (index === -1) return undefined;
    const armed = this.#armed[index]!;
    if (--armed.remaining <= 0) this.#armed.splice(index, 1);
    return { knob: armed.knob, options: armed.options };
  }

  /** Disarms `knobs` (default: everything, and `split`). */
  clear(knobs?: readonly string[]): void {
    if (knobs === undefined) {
      this.#armed = [];
      this.#split = undefined;
    } else this.#armed = this.#armed.filter((a) => !knobs.includes(a.knob));
  }

  /**
   * Arms `fail`. `extra` names the simulator's own options, which `refine` checks (and may default,
   * by changing the object) before anything is armed.
   */
  fail(
    first: unknown,
    second: unknown,
    extra: readonly string[] = [],
    refine: (options: Record<string, unknown>) => void = () => {},
  ): void {
    const { count, options } = this.args('fail', first, second, ['status', ...extra]);
    const status = options.status ?? 503;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 500 || status > 599) {
      throw new RangeError(
        `${this.where('fail')}: options.status must be an HTTP status from 500 to 599 (got ${describe(status)})`,
      );
    }
    const resolved = { ...options, status };
    refine(resolved);
    this.arm('fail', count, resolved);
  }

  /**
   * Arms `rateLimit`. `extra` names the simulator's own options, which `refine` checks (and may default,
   * by changing the object) before anything is armed.
   */
  rateLimit(
    first: unknown,
    second: unknown,
    extra: readonly string[] = [],
    refine: (options: Record<string, unknown>) => void = () => {},
  ): void {
    const { count, options } = this.args('rateLimit', first, second, ['retryAfterSeconds', ...extra]);
    const retryAfterSeconds = options.retryAfterSeconds ?? 0;
    if (typeof retryAfterSeconds !== 'number' || !Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) {
      throw new RangeError(
        `${this.where('rateLimit')}: options.retryAfterSeconds must be a non-negative integer (got ${describe(retryAfterSeconds)})`,
      );
    }
    const resolved = { ...options, retryAfterSeconds };
    refine(resolved);
    this.arm('rateLimit', count, resolved);
  }

  /**
   * Arms `delayHeaders`. `extra` names the simulator's own options, which `refine` checks (and may default,
   * by changing the object) before anything is armed.
   */
  delayHeaders(
    first: unknown,
    second: unknown,
    extra: readonly string[] = [],
    refine: (options: Record<string, unknown>) => void = () => {},
  ): void {
    const { count, options } = this.args('delayHeaders', first, second, ['delayMs', ...extra]);
    const delayMs = options.delayMs ?? 1000;
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      throw new RangeError(
        `${this.where('delayHeaders')}: options.delayMs must be a non-negative number (got ${describe(delayMs)})`,
      );
    }
    const resolved = { ...options, delayMs };
    refine(resolved);
    this.arm('delayHeaders', count, resolved);
  }

  stall(first: unknown, second: unknown): void {
    const { count, options } = this.args('stall', first, second, ['afterEvents', 'afterBytes', 'beforeHeaders']);
    this.arm('stall', count, this.#cutPoint('stall', options));
  }

  cut(first: unknown, second: unknown, knob = 'cut'): void {
    const { count, options } = this.args(knob, first, second, [
      'afterEvents',
      'afterBytes',
      'beforeHeaders',
      'reset',
      'clean',
    ]);
    const point = this.#cutPoint(knob, options);
    for (const key of ['reset', 'clean'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') {
        throw new TypeError(`${this.where(knob)}: options.${key} must be a boolean (got ${describe(options[key])})`);
      }
    }
    const reset = options.reset === true;
    const clean = options.clean === true;
    if (reset && clean) throw new TypeError(`${this.where(knob)}: options.reset and options.clean exclude each other`);
    if (clean && point.beforeHeaders) {
      throw new TypeError(`${this.where(knob)}: options.clean needs a point inside the body, not beforeHeaders`);
    }
    this.arm('cut', count, { ...point, reset, clean });
  }

  malformedJson(first: unknown, second: unknown): void {
    const { count, options } = this.args('malformedJson', first, second, this.#streams ? ['afterEvents'] : []);
    const afterEvents = options.afterEvents;
    if (
      afterEvents !== undefined &&
      (typeof afterEvents !== 'number' || !Number.isInteger(afterEvents) || afterEvents < 0)
    ) {
      throw new RangeError(
        `${this.where('malformedJson')}: options.afterEvents must be a non-negative integer (got ${describe(afterEvents)})`,
      );
    }
    this.arm('malformedJson', count, afterEvents === undefined ? {} : { afterEvents });
  }

  #cutPoint(knob: string, options: Record<string, unknown>): Record<string, unknown> {
    const { afterEvents, afterBytes, beforeHeaders } = options;
    if (afterEvents !== undefined && !this.#streams) {
      throw new TypeError(
        `${this.where(knob)}: options.afterEvents needs a streaming simulator; this one answers whole JSON bodies (use afterBytes)`,
      );
    }
    for (const [key, value] of [
      ['afterEvents', afterEvents],
      ['afterBytes', afterBytes],
    ] as const) {
      if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0)) {
        throw new RangeError(
          `${this.where(knob)}: options.${key} must be a non-negative integer (got ${describe(value)})`,
        );
      }
    }
    if (beforeHeaders !== undefined && typeof beforeHeaders !== 'boolean') {
      throw new TypeError(
        `${this.where(knob)}: options.beforeHeaders must be a boolean (got ${describe(beforeHeaders)})`,
      );
    }
    const given = [afterEvents !== undefined, afterBytes !== undefined, beforeHeaders === true].filter(Boolean).length;
    if (given > 1) {
      throw new TypeError(`${this.where(knob)}: give at most one of options.afterEvents, afterBytes and beforeHeaders`);
    }
    return {
      ...(afterEvents === undefined ? {} : { afterEvents }),
      ...(afterBytes === undefined ? {} : { afterBytes }),
      beforeHeaders: beforeHeaders === true,
    };
  }

  /** Consumes the next `fail` or `rateLimit` (whichever was armed first) whose options pass `matches`. */
  takeGate(matches?: (options: Record<string, unknown>) => boolean): SimulatorGateFault | undefined {
    const taken = this.take(['fail', 'rateLimit'], matches);
    if (taken === undefined) return undefined;
    return taken.knob === 'fail'
      ? { kind: 'fail', status: taken.options.status as number }
      : { kind: 'rateLimit', retryAfterSeconds: taken.options.retryAfterSeconds as number };
  }

  /** Consumes the next `delayHeaders` whose options pass `matches`: the delay in ms, or `undefined`. */
  takeHeadersDelay(matches?: (options: Record<string, unknown>) => boolean): number | undefined {
    return this.take(['delayHeaders'], matches)?.options.delayMs as number | undefined;
  }

  /** Consumes the next `stall` or `cut`. */
  takeCut(): SimulatorCut | undefined {
    const taken = this.take(['stall', 'cut']);
    if (taken === undefined) return undefined;
    const o = taken.options;
    return {
      kind: taken.knob as 'stall' | 'cut',
      afterEvents: o.afterEvents as number | undefined,
      afterBytes: o.afterBytes as number | undefined,
      beforeHeaders: o.beforeHeaders === true,
      reset: o.reset === true,
      clean: o.clean === true,
    };
  }

  /** Consumes the next `malformedJson`: its `afterEvents` (possibly undefined), or `false` when none is armed. */
  takeMalformed(): { afterEvents: number | undefined } | false {
    const taken = this.take(['malformedJson']);
    return taken === undefined ? false : { afterEvents: taken.options.afterEvents as number | undefined };
  }
}

/** The step that ends a body at a cut: a stall, a close or reset of the connection, or nothing (`clean`). */
export function cutEndStep(cut: SimulatorCut): ScriptStep | undefined {
  if (cut.kind === 'stall') return { stall: true };
  if (cut.clean) return undefined;
  return cut.reset ? { destroy: true, reset: true } : { destroy: true };
}

/** The reply of a cut `beforeHeaders`. */
export function beforeHeadersReply(cut: SimulatorCut): ScriptedReply {
  return cut.kind === 'stall' ? { stallBeforeHeaders: true } : { resetBeforeHeaders: true };
}

/** Where a cut with no `afterEvents` falls: right after the first event that carries answer text, else after the first event. */
export function defaultCutIndex(carriesText: readonly boolean[]): number {
  const first = carriesText.indexOf(true);
  return Math.min(first === -1 ? 1 : first + 1, carriesText.length);
}

/** One write, in pieces of `split` bytes when set. */
export function writeSteps(text: string | Uint8Array, split: number | undefined): ScriptStep[] {
  return split === undefined ? [text] : splitEvery(text, split);
}

/**
 * Keeps the first `afterBytes` body bytes of `steps` (pauses included; a write may be cut in the middle)
 * and puts `end` after them. When the body is shorter, `end` comes after the whole body.
 */
export function truncateSteps(
  steps: readonly ScriptStep[],
  afterBytes: number,
  end: ScriptStep | undefined,
): ScriptStep[] {
  const out: ScriptStep[] = [];
  let left = afterBytes;
  for (const step of steps) {
    if (typeof step === 'string' || step instanceof Uint8Array) {
      if (left === 0) break;
      const bytes = typeof step === 'string' ? Buffer.from(step, 'utf8') : step;
      if (bytes.byteLength <= left) {
        out.push(step);
        left -= bytes.byteLength;
      } else {
        out.push(new Uint8Array(bytes.subarray(0, left)));
        left = 0;
      }
    } else if ('wait' in step) {
      if (left > 0) out.push(step);
    } else {
      out.push(step);
      return out;
    }
  }
  if (end) out.push(end);
  return out;
}

/**
 * Shapes a whole-body answer (the Alibaba simulators): applies the next `stall` / `cut` (default: after
 * half the body), a `malformedJson` (the body truncated to its first half, properly ended) and `split`.
 */
export function shapeWholeBody(
  faults: SimulatorFaults,
  status: number,
  headers: Record<string, string>,
  body: string,
): ScriptedReply {
  const cut = faults.takeCut();
  if (cut?.beforeHeaders) return beforeHeadersReply(cut);
  let bytes: Uint8Array = Buffer.from(body, 'utf8');
  const half = Math.max(1, bytes.byteLength >> 1);
  const malformed = faults.takeMalformed();
  if (malformed) bytes = bytes.subarray(0, half);
  const split = faults.split;
  if (cut === undefined && split === undefined)
    return { status, headers, body: malformed ? new Uint8Array(bytes) : body };
  const whole = writeSteps(new Uint8Array(bytes), split);
  if (cut === undefined) return { status, headers, body: whole };
  return { status, headers, body: truncateSteps(whole, cut.afterBytes ?? half, cutEndStep(cut)) };
}

/** A JSON text cut short (its first half), never valid JSON: the payload of a `malformedJson` event. */
export function truncatedJson(value: unknown): string {
  const chars = Array.from(JSON.stringify(value));
  return chars.slice(0, Math.max(1, chars.length >> 1)).join('');
}

/** One item of a stream being laid out: a write (an event or not), a pause, or the body's own end step. */
export type SimulatorStreamItem =
  | { write: string; event: boolean; carriesText?: boolean }
  | { wait: number }
  | { end: ScriptStep };

/**
 * Lays a stream out as scripted steps, applying a `stall` / `cut` (by events or bytes), a
 * `malformedJson` event (`malformedEvent`, written after that many events) and `split`. `cut` must not
 * be `beforeHeaders` (answer those with {@link beforeHeadersReply}).
 */
export function layoutStream(
  items: readonly SimulatorStreamItem[],
  faults: {
    cut: SimulatorCut | undefined;
    malformed: { afterEvents: number | undefined } | false;
    malformedEvent: string;
    split: number | undefined;
  },
): ScriptStep[] {
  const { cut, malformed, malformedEvent, split } = faults;
  const flags = items.flatMap((item) => ('write' in item && item.event ? [item.carriesText === true] : []));
  const cutAt =
    cut !== undefined && cut.afterBytes === undefined ? (cut.afterEvents ?? defaultCutIndex(flags)) : undefined;
  const badAt = malformed === false ? undefined : (malformed.afterEvents ?? defaultCutIndex(flags));
  const end = cut === undefined ? undefined : cutEndStep(cut);
  const out: ScriptStep[] = [];
  let events = 0;
  let bad = badAt !== undefined;
  const finish = (): ScriptStep[] => {
    if (end) out.push(end);
    return out;
  };
  let ended = false;
  for (const item of items) {
    if ('wait' in item) {
      out.push({ wait: item.wait });
    } else if ('end' in item) {
      out.push(item.end);
      ended = true;
      break;
    } else if (!item.event) {
      out.push(...writeSteps(item.write, split));
    } else {
      if (events === cutAt) return finish();
      if (bad && events === badAt) {
        out.push(...writeSteps(malformedEvent, split));
        bad = false;
      }
      out.push(...writeSteps(item.write, split));
      events++;
      if (events === cutAt) return finish();
    }
  }
  if (bad && !ended) out.push(...writeSteps(malformedEvent, split));
  if (cut !== undefined && cut.afterBytes !== undefined) return truncateSteps(out, cut.afterBytes, end);
  if (cutAt !== undefined && !ended) return finish();
  return out;
}

/** A simulator's own options of `fail`, `rateLimit` and `delayHeaders` (AgenticStar's `target`). */
export interface SimulatorGateOptions {
  /** Their names. */
  names: readonly string[];
  /** Checks them (and may default them, by changing the object) before anything is armed. */
  refine: (options: Record<string, unknown>, knob: string) => void;
}

/**
 * The standard fault knobs on `faults`, each arming it and returning `self()`: spread them into a
 * simulator built as an object, or extend {@link FaultKnobSimulator} with a class.
 */
export function faultKnobs<Self>(
  faults: SimulatorFaults,
  self: () => Self,
  gate?: SimulatorGateOptions,
): SimulatorFaultKnobs<Self> {
  const then = (arm: () => void): Self => {
    arm();
    return self();
  };
  const names = gate?.names ?? [];
  const refine = (knob: string) => (options: Record<string, unknown>) => gate?.refine(options, knob);
  return {
    split: (bytes: number | undefined) => then(() => faults.setSplit(bytes)),
    fail: (a?: unknown, b?: unknown) => then(() => faults.fail(a, b, names, refine('fail'))),
    rateLimit: (a?: unknown, b?: unknown) => then(() => faults.rateLimit(a, b, names, refine('rateLimit'))),
    delayHeaders: (a?: unknown, b?: unknown) => then(() => faults.delayHeaders(a, b, names, refine('delayHeaders'))),
    stall: (a?: unknown, b?: unknown) => then(() => faults.stall(a, b)),
    cut: (a?: unknown, b?: unknown) => then(() => faults.cut(a, b)),
    reset: (a?: unknown, b?: unknown) => then(() => faults.cut(a, b, 'reset')),
    malformedJson: (a?: unknown, b?: unknown) => then(() => faults.malformedJson(a, b)),
    clearFaults: () => then(() => faults.clear()),
  } as SimulatorFaultKnobs<Self>;
}

/**
 * The base of a simulator built as a class: the standard fault knobs ({@link faultKnobs}) and the
 * `faults` snapshot, on the fault state `armed`, so the class states only its own knobs.
 */
export abstract class FaultKnobSimulator {
  declare readonly split: SimulatorFaultKnobs<this>['split'];
  declare readonly fail: SimulatorFaultKnobs<this>['fail'];
  declare readonly rateLimit: SimulatorFaultKnobs<this>['rateLimit'];
  declare readonly delayHeaders: SimulatorFaultKnobs<this>['delayHeaders'];
  declare readonly stall: SimulatorFaultKnobs<this>['stall'];
  declare readonly cut: SimulatorFaultKnobs<this>['cut'];
  declare readonly reset: SimulatorFaultKnobs<this>['reset'];
  declare readonly malformedJson: SimulatorFaultKnobs<this>['malformedJson'];
  declare readonly clearFaults: SimulatorFaultKnobs<this>['clearFaults'];
  /** The armed faults, which the class's request handling takes from. */
  protected readonly armed: SimulatorFaults;

  constructor(armed: SimulatorFaults, gate?: SimulatorGateOptions) {
    this.armed = armed;
    Object.assign(
      this,
      faultKnobs(armed, () => this, gate),
    );
  }

  /** The faults armed now (`split` and each armed knob with what is left of its count). */
  get faults(): SimulatorFaultState {
    return this.armed.state;
  }
}
