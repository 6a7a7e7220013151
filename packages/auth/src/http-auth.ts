import type { HeaderRecord, HttpRequestOptions } from '@kakehashi/sse-core';

/**
 * Authentication ready to spread into sse-core's `createHttpClient({ baseURL, ...auth })` (or
 * `httpRequest`): `headers` is resolved for every attempt, `onUnauthorized` decides whether a 401 is
 * retried once.
 */
export interface HttpAuth {
  /** Resolves the auth headers for one attempt (a refreshed token is picked up on retry). */
  headers: () => Promise<HeaderRecord>;
  /** Called by sse-core once on a 401 with the headers that were sent; true = retry once. */
  onUnauthorized?: NonNullable<HttpRequestOptions['onUnauthorized']>;
}

/** The credentials part of an `Authorization` header (`Bearer abc` → `abc`), or undefined. */
export function credentialsFromAuthorization(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const space = value.indexOf(' ');
  const credentials = (space === -1 ? value : value.slice(space + 1)).trim();
  return credentials || undefined;
}
