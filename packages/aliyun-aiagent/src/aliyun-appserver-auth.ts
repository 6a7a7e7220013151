import { createApiKeyCheck } from '@kakehashi/auth';

/** What an {@link AppServerAuthorize} check sees. */
export interface AppServerAuthContext {
  /** The raw `Authorization` header, `undefined` when absent. */
  authorization: string | undefined;
  /** The credential: the header with a leading `Bearer ` removed, trimmed; `undefined` when empty. */
  credential: string | undefined;
  /** The endpoint called, e.g. `getRtcAuthToken`. */
  endpoint: string;
  /** The incoming request (its body not yet read). */
  request: Request;
}

/**
 * Decides whether a caller may use the AppServer. Return `false` (or throw) to answer HTTP 403, which
 * the official clients treat as "login expired".
 */
export type AppServerAuthorize = (context: AppServerAuthContext) => boolean | Promise<boolean>;

/** The credential in an `Authorization` value: `Bearer <token>` or the bare token. */
export function authorizationCredential(header: string | null | undefined): string | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  const match = /^bearer\s+(.+)$/i.exec(value);
  const credential = (match ? match[1]! : value).trim();
  return credential || undefined;
}

/**
 * The default check: accepts `Authorization: Bearer <key>` or the bare key when it equals one of
 * `keys`, compared in constant time by `@kakehashi/auth`'s `createApiKeyCheck` (which registers the
 * keys for redaction). An empty list accepts nobody.
 */
export function apiKeyAuthorizer(keys: readonly string[]): AppServerAuthorize {
  const check = createApiKeyCheck(keys);
  return ({ credential }) => check(credential);
}
