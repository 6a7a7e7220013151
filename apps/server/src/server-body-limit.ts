import type { MiddlewareHandler } from 'hono';
import { readBodyWithin } from '@kakehashi/sse-core';
import { errorResponse } from './server-errors';

function tooLarge(limit: number): Response {
  return errorResponse(
    413,
    `Request body is larger than the server's limit of ${limit} bytes (KAKEHASHI_BODY_LIMIT).`,
    {
      code: 'request_too_large',
      headers: { connection: 'close' },
    },
  );
}

/**
 * Refuses request bodies over `limit` bytes with 413: at once when `Content-Length` says so, otherwise
 * (chunked uploads) by reading at most `limit` bytes before the route sees the body.
 */
export function bodyLimitMiddleware(limit: number): MiddlewareHandler {
  return async (c, next) => {
    const request = c.req.raw;
    if (request.method === 'GET' || request.method === 'HEAD') return next();
    // Headers first: on @hono/node-server, touching `request.body` builds a full web Request around
    // the socket, which the routes' own `text()` / `json()` would otherwise skip.
    const declared = request.headers.get('content-length');
    if (declared !== null) {
      const length = Number(declared);
      if (Number.isFinite(length) && length > limit) return tooLarge(limit);
      return next();
    }
    if (request.body === null) return next();
    const bytes = await readBodyWithin(request.body, limit);
    if (bytes === undefined) return tooLarge(limit);
    const headers = new Headers(request.headers);
    headers.delete('transfer-encoding');
    headers.set('content-length', String(bytes.byteLength));
    c.req.raw = new Request(request.url, { method: request.method, headers, body: bytes, signal: request.signal });
    return next();
  };
}
