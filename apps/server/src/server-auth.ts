import { createApiKeyCheck } from '@kakehashi/auth';
import type { MiddlewareHandler } from 'hono';
import { errorResponse } from './server-errors';

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | null | undefined): string | undefined {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1] : undefined;
}

/**
 * Middleware for `/v1/*`: with keys configured, requires `Authorization: Bearer <key>` and answers an
 * OpenAI-style 401 otherwise; with none, lets every caller through (the server then binds loopback only).
 */
export function apiKeyMiddleware(keys: readonly string[]): MiddlewareHandler {
  if (keys.length === 0) return async (_c, next) => next();
  // Constant time, keys registered for redaction: @kakehashi/auth's one key check.
  const check = createApiKeyCheck(keys);
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (check(bearerToken(header))) return next();
    const message = header
      ? 'Incorrect API key provided. Send one of the keys in KAKEHASHI_API_KEYS as "Authorization: Bearer <key>".'
      : 'You didn\'t provide an API key. Send "Authorization: Bearer <key>" with one of the keys in KAKEHASHI_API_KEYS.';
    return errorResponse(401, message, {
      code: 'invalid_api_key',
      headers: { 'www-authenticate': 'Bearer realm="kakehashi"' },
    });
  };
}
