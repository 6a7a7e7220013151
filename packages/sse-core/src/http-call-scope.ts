import { AbortError, ConnectionError, KakehashiError, TimeoutError, type TimeoutPhase } from './errors';
import { firstAborted, signalList, type AbortSignals } from './abort-signals';
import { isNetworkFailure } from './network-failure';

// The clocks and abort scopes of one call and of each of its attempts. `httpRequest` creates them and
// `HttpResponse` finishes them; they live here so that neither of those two modules imports the other.

/** The three separate clocks. `0` switches one off. */
export interface TimeoutOptions {
  /** Longest wait from sending the request to receiving the status line and headers. Default 60,000 ms. */
  headersMs?: number;
  /** Longest silent gap between two body chunks; heartbeat comments count as bytes. Default 120,000 ms. */
  idleMs?: number;
  /** Longest time for the whole call, retries and body included. Default 0 (off). */
  totalMs?: number;
}

export const DEFAULT_TIMEOUTS: Required<TimeoutOptions> = { headersMs: 60_000, idleMs: 120_000, totalMs: 0 };

/** Per-call state: the call-wide abort controller, the total clock, and why we aborted. */
export class CallScope {
  readonly controller = new AbortController();
  /** Set when kakehashi itself aborted the call (caller abort or total timeout). */
  reason: KakehashiError | undefined;
  private totalTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly userSignals: readonly AbortSignal[];
  private readonly onUserAbort = () => this.abort(new AbortError(firstAborted(this.userSignals)?.reason));

  constructor(url: string, userSignal: AbortSignals | undefined, totalMs: number) {
    this.userSignals = signalList(userSignal);
    const aborted = firstAborted(this.userSignals);
    if (aborted) {
      this.abort(new AbortError(aborted.reason));
      return;
    }
    for (const s of this.userSignals) s.addEventListener('abort', this.onUserAbort, { once: true });
    if (totalMs > 0) this.totalTimer = setTimeout(() => this.abort(new TimeoutError('total', totalMs, url)), totalMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(reason: KakehashiError): void {
    if (this.controller.signal.aborted) return;
    this.reason = reason;
    this.controller.abort(reason);
  }

  dispose(): void {
    clearTimeout(this.totalTimer);
    for (const s of this.userSignals) s.removeEventListener('abort', this.onUserAbort);
  }
}

/** Per-attempt state: its own abort controller (linked to the call) and its headers / idle clocks. */
export class AttemptScope {
  readonly controller = new AbortController();
  reason: KakehashiError | undefined;
  private headersTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private lastByteAt = 0;
  private readonly onCallAbort = () => this.controller.abort(this.call.signal.reason);

  constructor(
    readonly call: CallScope,
    readonly url: string,
    private readonly timeouts: Required<TimeoutOptions>,
  ) {
    if (call.signal.aborted) this.controller.abort(call.signal.reason);
    else call.signal.addEventListener('abort', this.onCallAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private fire(phase: TimeoutPhase, ms: number): void {
    if (this.controller.signal.aborted) return;
    this.reason = new TimeoutError(phase, ms, this.url);
    this.controller.abort(this.reason);
  }

  startHeadersClock(): void {
    const ms = this.timeouts.headersMs;
    if (ms > 0) this.headersTimer = setTimeout(() => this.fire('headers', ms), ms);
  }

  /** Stops the headers clock and starts the idle clock. */
  headersReceived(): void {
    clearTimeout(this.headersTimer);
    const ms = this.timeouts.idleMs;
    if (ms <= 0) return;
    this.lastByteAt = performance.now();
    // One timer that re-arms itself for the remaining gap: cheaper than resetting a timer per chunk.
    const check = () => {
      const silent = performance.now() - this.lastByteAt;
      if (silent >= ms) this.fire('idle', ms);
      else this.idleTimer = setTimeout(check, ms - silent);
    };
    this.idleTimer = setTimeout(check, ms);
  }

  /** Records that bytes arrived (resets the idle gap). */
  bytesReceived(): void {
    this.lastByteAt = performance.now();
  }

  /**
   * Maps any failure to the error the caller should see: our abort or timeout, a kakehashi error as
   * it is, a network failure as {@link ConnectionError}, and a programming error (a `TypeError` that
   * no network caused, see {@link isNetworkFailure}) unchanged.
   */
  classify(error: unknown, afterFirstByte: boolean): unknown {
    if (this.call.reason) return this.call.reason;
    if (this.reason) return this.reason;
    if (KakehashiError.isInstance(error)) return error;
    if (!isNetworkFailure(error)) return error;
    return new ConnectionError(this.url, { cause: error, afterFirstByte });
  }

  /**
   * Ends the attempt: clocks stopped, and the connection cancelled if the body was not read to its end.
   * With a `reason` (the response was cancelled), a read still waiting for the body fails with it.
   */
  finish(cancel: boolean, reason?: KakehashiError): void {
    clearTimeout(this.headersTimer);
    clearTimeout(this.idleTimer);
    this.call.signal.removeEventListener('abort', this.onCallAbort);
    if (!cancel || this.controller.signal.aborted) return;
    if (reason) this.reason = reason;
    this.controller.abort(reason ?? new AbortError('response body no longer read'));
  }
}
