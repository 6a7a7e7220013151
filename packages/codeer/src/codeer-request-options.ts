import type { TimeoutOptions } from '@kakehashi/sse-core';

/** Options every method accepts as its last argument. */
export interface CodeerRequestOptions {
  /** Cancels the request (and its stream). The call rejects with `AbortError`. */
  signal?: AbortSignal;
  /** Overrides the provider's timeouts for this call (`headersMs`, `idleMs`, `totalMs`; `0` switches one off). */
  timeouts?: TimeoutOptions;
  /** Extra headers for this call (they win over the provider's `headers`). */
  headers?: Record<string, string>;
  /** Overrides the provider's `maxRetries` for this call. */
  maxRetries?: number;
}
