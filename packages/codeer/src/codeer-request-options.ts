import type { AbortSignals, HeaderRecord, TimeoutOptions } from '@kakehashi/sse-core';

/**
 * Options every method accepts as its last argument: the same fields, with the same meaning, as the
 * agent contract's `AgentCallOptions`. Unknown fields are rejected.
 */
export interface CodeerRequestOptions {
  /**
   * Cancels the request, its retries and its stream; a list of signals: any one of them cancels. The
   * call, or the read in progress, rejects with `AbortError` and the connection is closed.
   */
  signal?: AbortSignals;
  /** Overrides the provider's timeouts for this call (`headersMs`, `idleMs`, `totalMs`; `0` switches one off). */
  timeouts?: TimeoutOptions;
  /** Extra headers for this call; they win over the provider's `headers` (a header set to `undefined` is not sent). */
  headers?: HeaderRecord;
  /** Overrides the provider's `maxRetries` for this call (0 to 10). */
  maxRetries?: number;
  /** Longest `Retry-After` waited out before a retry, in ms (default 60,000); a longer one fails the call at once. */
  maxRetryAfterMs?: number;
}
