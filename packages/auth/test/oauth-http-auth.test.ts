import { ApiCallError, createHttpClient } from '@kakehashi/sse-core';
import { startScriptedServer, type ScriptedServer } from '@kakehashi/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClientCredentialsProvider } from '../src/index';
import { errorTexts, jsonReply, tokenReply } from './helpers';

let auth: ScriptedServer;
let api: ScriptedServer;

beforeEach(async () => {
  auth = await startScriptedServer();
  api = await startScriptedServer();
});

afterEach(async () => {
  await Promise.all([auth.close(), api.close()]);
});

function provider() {
  return createClientCredentialsProvider({
    tokenUrl: `${auth.url}/token`,
    clientId: 'c',
    clientSecret: 'http-auth-secret',
  });
}

describe('toHttpAuth with sse-core createHttpClient', () => {
  it('401 → invalidate that token → refresh → one retry that succeeds', async () => {
    auth.reply(tokenReply('tok-http-old1'), tokenReply('tok-http-new1'));
    api.handle((req) =>
      req.headers.authorization === 'Bearer tok-http-new1'
        ? jsonReply({ ok: true, auth: req.headers.authorization })
        : jsonReply({ error: { code: 'invalid_token', message: 'expired' } }, 401),
    );
    const client = createHttpClient({ baseURL: api.url, provider: 'agenticstar', ...provider().toHttpAuth() });
    const body = await client.requestJson<{ ok: boolean; auth: string }>({ path: '/v1/conversations' });
    expect(body).toEqual({ ok: true, auth: 'Bearer tok-http-new1' });
    expect(auth.requests).toHaveLength(2);
    expect(api.requests).toHaveLength(2);
    expect(api.requests.map((r) => r.headers.authorization)).toEqual(['Bearer tok-http-old1', 'Bearer tok-http-new1']);
  });

  it('a second consecutive 401 is not retried again, and the token never shows in the error', async () => {
    auth.reply(tokenReply('tok-http-bad01'), tokenReply('tok-http-bad02'), tokenReply('tok-http-bad03'));
    // The API echoes the token it received in its error body.
    api.handle((req) =>
      jsonReply({ error: 'invalid_token', error_description: `token ${req.headers.authorization} rejected` }, 401),
    );
    const p = provider();
    const client = createHttpClient({ baseURL: api.url, ...p.toHttpAuth() });
    const error = await client
      .requestJson({ path: '/v1/chat/completions', body: { json: {} } })
      .catch((e: unknown) => e);
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).status).toBe(401);
    expect(api.requests).toHaveLength(2);
    expect(auth.requests).toHaveLength(2);
    for (const text of errorTexts(error)) {
      expect(text).not.toContain('tok-http-bad01');
      expect(text).not.toContain('tok-http-bad02');
      expect(text).not.toContain('http-auth-secret');
    }
    // The next call uses the refreshed token; it is not invalidated again by the old 401.
    expect(await p.getToken()).toBe('tok-http-bad02');
  });

  it('concurrent 401s with the same old token cause a single refresh', async () => {
    auth.reply(tokenReply('tok-conc-old1'), tokenReply('tok-conc-new1', 3600, { headersDelayMs: 30 }));
    api.handle((req) =>
      req.headers.authorization === 'Bearer tok-conc-new1'
        ? jsonReply({ ok: true })
        : jsonReply({ error: 'invalid_token' }, 401),
    );
    const p = provider();
    await p.getToken();
    const client = createHttpClient({ baseURL: api.url, ...p.toHttpAuth() });
    const results = await Promise.all(Array.from({ length: 10 }, () => client.requestJson({ path: '/x' })));
    expect(results).toEqual(Array.from({ length: 10 }, () => ({ ok: true })));
    expect(auth.requests).toHaveLength(2);
    expect(api.requests).toHaveLength(20);
  });

  it('onUnauthorized declines when no bearer credentials were sent', async () => {
    const { onUnauthorized } = provider().toHttpAuth();
    const error = new ApiCallError({ url: 'http://x', status: 401 });
    expect(await onUnauthorized(error, {})).toBe(false);
    expect(await onUnauthorized(error, { authorization: 'Bearer abc' })).toBe(true);
  });
});
