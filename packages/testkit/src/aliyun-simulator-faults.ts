import type { ScriptedReply, ScriptStep } from './scripted-reply';

/** The fault knobs shared by the Alibaba simulators. Each returns the simulator, so calls chain. */
export interface AliyunFaultKnobs<Self> {
  /** The next `count` requests get HTTP 429 with `Retry-After: retryAfterSeconds` (default 1 request, 0 s). */
  rateLimit(count?: number, retryAfterSeconds?: number): Self;
  /** The next `count` requests get a server error, HTTP `status` (default 1 request, 503). */
  fail(count?: number, status?: number): Self;
  /** The next `count` answers send their headers and half their body, then stall until the client gives up. */
  stall(count?: number): Self;
  /** The next `count` answers send their headers and half their body, then cut the connection. */
  reset(count?: number): Self;
  /** Write every answer body in pieces of `bytes` bytes (each its own network write); `undefined` turns it off. */
  split(bytes: number | undefined): Self;
  /** Clears every pending fault and the split setting. */
  clearFaults(): Self;
}

/** Which gate fault, if any, the next request meets. */
export type AliyunGateFault = { kind: 'rate-limit'; retryAfterSeconds: number } | { kind: 'fail'; status: number };

function assertCount(value: unknown, name: string): number {
  if (!Number.isInteger(value) || (value as number) < 0) {
    throw new RangeError(`testkit: ${name} count must be a non-negative integer (got ${String(value)})`);
  }
  return value as number;
}

/** Internal: fault state and the shaping of answers (split / stall / reset). */
export class AliyunFaults {
  #rateLimit = 0;
  #retryAfterSeconds = 0;
  #fail = 0;
  #failStatus = 503;
  #stall = 0;
  #reset = 0;
  #split: number | undefined;

  rateLimit(count = 1, retryAfterSeconds = 0): void {
    this.#rateLimit = assertCount(count, 'rateLimit');
    if (!(Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0)) {
      throw new RangeError(
        `testkit: rateLimit retryAfterSeconds must be a non-negative number (got ${String(retryAfterSeconds)})`,
      );
    }
    this.#retryAfterSeconds = retryAfterSeconds;
  }

  fail(count = 1, status = 503): void {
    this.#fail = assertCount(count, 'fail');
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`testkit: fail status must be an HTTP error status 400-599 (got ${String(status)})`);
    }
    this.#failStatus = status;
  }

  stall(count = 1): void {
    this.#stall = assertCount(count, 'stall');
  }

  reset(count = 1): void {
    this.#reset = assertCount(count, 'reset');
  }

  split(bytes: number | undefined): void {
    if (bytes !== undefined && (!Number.isInteger(bytes) || bytes < 1)) {
      throw new RangeError(`testkit: split bytes must be a positive integer or undefined (got ${String(bytes)})`);
    }
    this.#split = bytes;
  }

  clear(): void {
    this.#rateLimit = this.#fail = this.#stall = this.#reset = 0;
    this.#split = undefined;
  }

  /**
   * The public knobs of a simulator built on these faults: each sets the fault and returns the
   * simulator (`self()`), so calls chain. `onClear` also clears the simulator's own scripted errors.
   */
  knobs<Self>(self: () => Self, onClear: () => void = () => {}): AliyunFaultKnobs<Self> {
    return {
      rateLimit: (count, retryAfterSeconds) => (this.rateLimit(count, retryAfterSeconds), self()),
      fail: (count, status) => (this.fail(count, status), self()),
      stall: (count) => (this.stall(count), self()),
      reset: (count) => (this.reset(count), self()),
      split: (bytes) => (this.split(bytes), self()),
      clearFaults: () => (this.clear(), onClear(), self()),
    };
  }

  /** Consumes and returns the gate fault the next request meets (rate limit first, then failure). */
  takeGate(): AliyunGateFault | undefined {
    if (this.#rateLimit > 0) {
      this.#rateLimit--;
      return { kind: 'rate-limit', retryAfterSeconds: this.#retryAfterSeconds };
    }
    if (this.#fail > 0) {
      this.#fail--;
      return { kind: 'fail', status: this.#failStatus };
    }
    return undefined;
  }

  /** Builds the reply for an answer, applying (and consuming) stall / reset and the split setting. */
  shape(status: number, headers: Record<string, string>, body: string): ScriptedReply {
    const bytes = Buffer.from(body, 'utf8');
    const cutMidway = this.#stall > 0 || this.#reset > 0;
    if (!cutMidway && this.#split === undefined) return { status, headers, body };
    const end: ScriptStep[] = [];
    let sent: Uint8Array = bytes;
    if (this.#stall > 0) {
      this.#stall--;
      sent = bytes.subarray(0, Math.max(1, bytes.length >> 1));
      end.push({ stall: true });
    } else if (this.#reset > 0) {
      this.#reset--;
      sent = bytes.subarray(0, Math.max(1, bytes.length >> 1));
      end.push({ destroy: true });
    }
    const size = this.#split ?? sent.length;
    const steps: ScriptStep[] = [];
    for (let i = 0; i < sent.length; i += size) steps.push(new Uint8Array(sent.subarray(i, i + size)));
    return { status, headers, body: [...steps, ...end] };
  }
}
