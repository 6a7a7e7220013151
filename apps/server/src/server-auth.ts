import { createHash, timingSafeEqual } from 'node:crypto';
import { registerSecret } from '@kakehashi/sse-core';
import type { MiddlewareHandler } from 'hono';
import { errorResponse } from './server-errors';

/** Checks a presented key against the configured ones. */
export type ApiKeyCheck = (presented: string | undefined) => boolean;

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * A constant-time key check: every configured key is compared (as SHA-256 digests, so not even the
 * length leaks) whatever the outcome. Keys are registered with sse-core so logs never show them.
 */
export function apiKeyCheck(keys: readonly string[]): ApiKeyCheck {
  const digests = keys.map((key) => {
    registerSecret(key);
    return digest(key);
  });
  return (presented) => {
    if (presented === undefined || presented.length === 0) return false;
    const given = digest(presented);
    let ok = false;
    for (const d of digests) ok = timingSafeEqual(d, given) || ok;
    return ok;
  };
}

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
  const check = apiKeyCheck(keys);
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
