import { AbortError, type KakehashiError } from './errors';
import { firstAborted, signalList, type AbortSignals } from './abort-signals';

/**
 * Decides whether a failed attempt is sent again. `error` is what the attempt failed with, as the
 * caller would see it (`ApiCallError`, `ConnectionError`, `TimeoutError` for the headers or idle
 * clock, or an error a custom transport threw); `attempt` is the number of the attempt that failed
 * (1 for the first).
 */
export type ShouldRetry = (error: KakehashiError, attempt: number) => boolean;

/** How retries behave. Every field has a default; `maxRetries: 0` switches retries off. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number;
  /** Delay before the first retry, doubled for each further one. Default 500 ms. */
  initialDelayMs?: number;
  /** Upper bound of the exponential delay. Default 8,000 ms. */
  maxDelayMs?: number;
  /**
   * Longest server-requested delay (`Retry-After`, `retry-after-ms`) that is waited out before a retry.
   * A longer one is not waited for, nor cut short: the call fails at once with the `ApiCallError`,
   * whose `retryAfterMs` tells the caller how long the server asked for. Default 60,000 ms.
   */
  maxRetryAfterMs?: number;
  /**
   * Whether a failed attempt is repeated. Default {@link defaultShouldRetry}: the error's
   * `retryable` (408, 409, 429, 5xx, connection errors, headers and idle timeouts).
   *
   * Asked only while retries are left (`maxRetries`). Some failures are never retried, whatever it
   * says, so it is not asked about them: an abort (the caller's signal, a total timeout), and
   * anything after the first body byte has been handed out (the response has been returned by then).
   * A retry waits as usual: the server's `Retry-After` when it sent one, else the backoff. A
   * `Retry-After` longer than `maxRetryAfterMs` ends the call without asking.
   *
   * @example Only repeat what the server certainly refused: `shouldRetry: (e) => ApiCallError.isInstance(e) && e.status === 429`
   */
  shouldRetry?: ShouldRetry;
}

/** The default retry decision: the error's own `retryable` flag (408/409/429/5xx, connection errors, headers and idle timeouts). */
export const defaultShouldRetry: ShouldRetry = (error) => error.retryable;

export const DEFAULT_RETRY: Required<RetryOptions> = {
  maxRetries: 2,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  shouldRetry: defaultShouldRetry,
};

/** The delay settings {@link retryDelayMs} reads. */
export type RetryDelayOptions = Required<Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs'>>;

/**
 * Reads how long the server asked us to wait: `retry-after-ms` (milliseconds), then `Retry-After`
 * as delta-seconds or an HTTP date. Returns undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** True when the server asked for a longer wait than `maxRetryAfterMs`: the call fails at once instead. */
export function retryAfterTooLong(options: Pick<RetryDelayOptions, 'maxRetryAfterMs'>, retryAfterMs?: number): boolean {
  return retryAfterMs !== undefined && retryAfterMs > options.maxRetryAfterMs;
}

/**
 * The delay before retry number `retry` (1-based): the server's `Retry-After` when given (never more
 * than `maxRetryAfterMs`; see {@link retryAfterTooLong}), otherwise exponential backoff with full jitter in the upper half, so that many
 * clients do not retry in step.
 */
export function retryDelayMs(retry: number, options: RetryDelayOptions, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, options.maxRetryAfterMs);
  const base = Math.min(options.initialDelayMs * 2 ** (retry - 1), options.maxDelayMs);
  return base / 2 + Math.random() * (base / 2);
}

/** Waits `ms`, or rejects with {@link AbortError} as soon as `signal` (or any one of several) aborts. */
export function sleep(ms: number, signal?: AbortSignals): Promise<void> {
  const signals = signalList(signal);
  return new Promise((resolve, reject) => {
    const aborted = firstAborted(signals);
    if (aborted) return reject(new AbortError(aborted.reason));
    const done = () => {
      for (const s of signals) s.removeEventListener('abort', onAbort);
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      done();
      reject(new AbortError(firstAborted(signals)?.reason));
    };
    for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The retry settings of a call's options (`maxRetries`, `maxRetryAfterMs` of the agent contract's
 * `AgentCallOptions`), for `HttpClientRequest.retry`; undefined when neither is set. The SDKs all
 * read them through this, so the two mean the same everywhere.
 */
export function callRetryOptions(options: {
  maxRetries?: number | undefined;
  maxRetryAfterMs?: number | undefined;
}): RetryOptions | undefined {
  if (options.maxRetries === undefined && options.maxRetryAfterMs === undefined) return undefined;
  const out: RetryOptions = {};
  if (options.maxRetries !== undefined) out.maxRetries = options.maxRetries;
  if (options.maxRetryAfterMs !== undefined) out.maxRetryAfterMs = options.maxRetryAfterMs;
  return out;
}
