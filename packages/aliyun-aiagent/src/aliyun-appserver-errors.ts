import { ApiCallError, parseJsonObject, type ErrorBodyDetails } from '@kakehashi/sse-core';

/** `ApiCallError.code` of an HTTP 403 from the AppServer: the app's login (`Authorization`) is missing, refused or expired. */
export const AUTH_EXPIRED_CODE = 'auth-expired';
/** Names the platform in errors thrown by the AppServer client. */
export const APP_SERVER_PROVIDER = 'aliyun-appserver';

/**
 * True when the AppServer refused the caller's `Authorization` (HTTP 403), which the official clients
 * treat as "login expired": sign the user in again, then retry.
 */
export function isAuthExpiredError(error: unknown): error is ApiCallError {
  return ApiCallError.isInstance(error) && error.code === AUTH_EXPIRED_CODE;
}

/** Internal: reads the AppServer's error bodies; a 403 becomes {@link AUTH_EXPIRED_CODE}. */
export function parseAppServerErrorBody(text: string, status: number): ErrorBodyDetails | undefined {
  if (status === 403) {
    return {
      code: AUTH_EXPIRED_CODE,
      message: 'the AppServer refused the Authorization (login missing or expired)',
      retryable: false,
    };
  }
  const b = parseJsonObject(text);
  if (!b) return undefined;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return {
    code: str(b.error_code) ?? (typeof b.code === 'number' || typeof b.code === 'string' ? b.code : undefined),
    message: str(b.message) ?? str(b.msg) ?? str(b.error),
    requestId: str(b.request_id),
  };
}
