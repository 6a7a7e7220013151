import { APICallError } from '@ai-sdk/provider';
import { ApiCallError } from '@kakehashi/sse-core';

/**
 * The error a call throws before its answer starts, as AI SDK users expect it: a platform's HTTP
 * failure (401, 404, a 5xx after the SDK's retries) becomes an `APICallError` with the status and the
 * redacted body excerpt, the kakehashi `ApiCallError` as its `cause`; every other error (missing
 * configuration, a timeout, a refused connection, an abort) is thrown as it is.
 *
 * `isRetryable` is always false: the platform SDK has already retried what can be retried (before
 * the first byte, with backoff and `Retry-After`), so the AI SDK's own retries would only repeat
 * them. The platform's verdict stays in `data.retryable`.
 */
export function toCallError(error: unknown): unknown {
  if (!ApiCallError.isInstance(error)) return error;
  return new APICallError({
    message: error.message,
    url: error.url,
    requestBodyValues: undefined,
    statusCode: error.status,
    ...(error.bodyExcerpt !== undefined ? { responseBody: error.bodyExcerpt } : {}),
    cause: error,
    isRetryable: false,
    data: {
      provider: error.provider,
      code: error.code,
      requestId: error.requestId,
      retryable: error.retryable,
      retryAfterMs: error.retryAfterMs,
    },
  });
}
