import { inspect } from 'node:util';
import {
  AbortError,
  ApiCallError,
  InvalidArgumentError,
  MissingConfigError,
  redact,
  REDACTED,
} from '@kakehashi/sse-core';
import { startScriptedServer, type ScriptedServer } from '@kakehashi/testkit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createClientCredentialsProvider,
  DEFAULT_EXPIRES_IN_MS,
  lazySecret,
  lazySetting,
  type AccessToken,
} from '../src/index';
import { errorTexts, jsonReply, testClock, tokenReply } from './helpers';

let server: ScriptedServer;
let tokenUrl: string;

beforeEach(async () => {
  server = await startScriptedServer();
  tokenUrl = `${server.url}/federation/auth/v1/token`;
});

afterEach(async () => {
  await server.close();
});

describe('token requests', () => {
  it('form style sends grant_type, client_id, client_secret and scope form-encoded', async () => {
    server.reply(tokenReply('tok-form-0001'));
    const provider = createClientCredentialsProvider({
      tokenUrl,
      clientId: 'my-client',
      clientSecret: 'form-secret-0001',
      scope: ['chat:exec', 'mcp:all'],
    });
    expect(await provider.getToken()).toBe('tok-form-0001');
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/federation/auth/v1/token');
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req!.headers.authorization).toBeUndefined();
    expect(req!.body).toBe(
      'grant_type=client_credentials&client_id=my-client&client_secret=form-secret-0001&scope=chat%3Aexec+mcp%3Aall',
    );
  });

  it('json style sends exactly {client_id, client_secret} and reads the Marketplace response', async () => {
    const clock = testClock();
    server.reply(
      jsonReply({
        success: true,
        access_token: 'tok-mp-0001',
        token_type: 'Bearer',
        expires_in: 1800,
        scope: 'openid',
      }),
    );
    const provider = createClientCredentialsProvider({
      tokenUrl: `${server.url}/api/v1/auth/external-service-token`,
      clientId: 'mp-client',
      clientSecret: 'mp-secret-0001',
      style: 'json',
      now: clock.now,
    });
    const token = await provider.getAccessToken();
    expect(token.token).toBe('tok-mp-0001');
    expect(token.tokenType).toBe('Bearer');
    expect(token.scope).toBe('openid');
    expect(token.expiresAt).toBe(clock.now() + 1_800_000);
    expect(token.expiresInFromServer).toBe(true);
    expect(token.raw.success).toBe(true);
    const [req] = server.requests;
    expect(req!.path).toBe('/api/v1/auth/external-service-token');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.body).toBe('{"client_id":"mp-client","client_secret":"mp-secret-0001"}');
  });

  it('extraBody adds fields; buildRequest replaces the request', async () => {
    server.reply(tokenReply('tok-extra-01'), tokenReply('tok-custom-01'));
    const extra = createClientCredentialsProvider({
      tokenUrl,
      clientId: 'c',
      clientSecret: 'extra-secret-01',
      style: 'json',
      extraBody: { audience: 'api', tenant: undefined },
    });
    await extra.getToken();
    expect(server.requests[0]!.json()).toEqual({ client_id: 'c', client_secret: 'extra-secret-01', audience: 'api' });

    const custom = createClientCredentialsProvider({
      tokenUrl,
      clientId: 'c',
      clientSecret: 'custom-secret-01',
      buildRequest: (params, defaults) => {
        expect(defaults.body).toHaveProperty('form');
        return { body: { json: { id: params.clientId, key: params.clientSecret } }, headers: { 'x-tenant': 't1' } };
      },
    });
    await custom.getToken();
    expect(server.requests[1]!.json()).toEqual({ id: 'c', key: 'custom-secret-01' });
    expect(server.requests[1]!.headers['x-tenant']).toBe('t1');
  });

  it('clientAuthentication "basic" sends the credentials in an Authorization: Basic header', async () => {
    server.reply(tokenReply('tok-basic-01'));
    const provider = createClientCredentialsProvider({
      tokenUrl,
      clientId: 'id:1',
      clientSecret: 'basic secret/01',
      clientAuthentication: 'basic',
    });
    await provider.getToken();
    const [req] = server.requests;
    expect(req!.body).toBe('grant_type=client_credentials');
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from('id%3A1:basic+secret%2F01').toString('base64')}`);
  });

  it('reads camelCase and string expiries, and assumes the default lifetime without one', async () => {
    const clock = testClock();
    server.reply(
      jsonReply({ accessToken: 'tok-camel-01', expiresIn: '120', tokenType: 'bearer' }),
      jsonReply({ access_token: 'tok-noexp-01' }),
    );
    const camel = createClientCredentialsProvider({
      tokenUrl,
      clientId: 'c',
      clientSecret: 'camel-secret',
      now: clock.now,
    });
    const a = await camel.getAccessToken();
    expect([a.token, a.tokenType, a.expiresAt - clock.now()]).toEqual(['tok-camel-01', 'Bearer', 120_000]);

    const noExpiry = createClientCredentialsProvider({
      tokenUrl,
      clientId: 'c',
      clientSecret: 'noexp-secret',
      now: clock.now,
    });
    const b = await noExpiry.getAccessToken();
    expect(b.expiresAt - clock.now()).toBe(DEFAULT_EXPIRES_IN_MS);
    expect(b.expiresInFromServer).toBe(false);
  });
});

describe('caching and refresh', () => {
  it('returns the cached token without a request', async () => {
    server.reply(tokenReply('tok-cache-01'));
    const provider = createClientCredentialsProvider({ tokenUrl, clientId: 'c', clientSecret: 'cache-secret' });
    expect(await provider.getToken()).toBe('tok-cache-01');
    expect(await provider.getToken()).toBe('tok-cache-01');
    expect(await provider.authHeaders()).toEqual({ authorization: 'Bearer tok-cache-01' });
    expect(server.requests).toHaveLength(1);
  });

  it('100 concurrent callers cause exactly one token request', async () => {
    server.reply(tokenReply('tok-flight-01', 3600, { headersDelayMs: 50 }));
    const provider = createClientCredentialsProvider({ tokenUrl, clientId: 'c', clientSecret: 'flight-secret' });
    const tokens = await Promise.all(Array.from({ length: 100 }, () => provider.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['tok-flight-01']));
    expect(server.requests.length).toBe(1);
  });

  it('inside the skew window: returns the cached token at once and starts one background refresh', async () => {
    const clock = testClock();
    server.reply(tokenReply('tok-old-0001', 3600), tokenReply('tok-new-0001', 3600, { headersDelayMs: 100 }));
    const provider = createClientCredentialsProvider({
      tokenUrl,
      clientId: 'c',
      clientSecret: 'skew-secret',
      now: clock.now,
    });
    const first = await provider.getAccessToken();
    expect(first.token).toBe('tok-old-0001');

    clock.advance(3_600_000 - 30_000); // 30 s before expiry, inside the 60 s skew
    const during = await Promise.all(Array.from({ length: 10 }, () => provider.getToken()));
    expect(new Set(during)).toEqual(new Set(['tok-old-0001']));
    await server.waitForRequests(2);
    await vi.waitFor(async () => expect(await provider.getToken()).toBe('tok-new-0001'));
    expect(server.requests).toHaveLength(2);
    const second = await provider.getAccessToken();
    expect(second.generation).toBeGreaterThan(first.generation);
    expect(second.expiresAt).toBe(clock.now() + 3_600_000);
  });

  it('before the skew window: no refresh; after expiry: callers wait for one shared refresh', async () => {
    const clock = testClock();
    server.reply(tokenReply('tok-exp-0001', 3600), tokenReply('tok-exp-0002', 3600, { headersDelayMs: 30 }));
    const provider = createClientCredentialsProvider({
      tokenUrl,
      clientId: 'c',
      clientSecret: 'expiry-secret',
      now: clock.now,
    });
    await provider.getToken();
    clock.advance(3_600_000 - 61_000);
    expect(await provider.getToken()).toBe('tok-exp-0001');
    expect(server.requests).toHaveLength(1);
    clock.advance(61_000); // exactly at expiry: no longer valid
    const tokens = await Promise.all(Array.from({ length: 20 }, () => provider.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['tok-exp-0002']));
    expect(server.requests).toHaveLength(2);
  });

  it('caps the skew at half the lifetime of short-lived tokens', async () => {
    const clock = testClock();
    server.reply(tokenReply('tok-short-01', 30), tokenReply('tok-short-02', 30));
    const provider = createClientCredentialsProvider({
      tokenUrl,
      clientId: 'c',
      clientSecret: 'short-secret',
      now: clock.now,
    });
    await provider.getToken();
    clock.advance(14_000);
    expect(await provider.getToken()).toBe('tok-short-01');
    expect(server.requests).toHaveLength(1);
    clock.advance(2_000); // past half the 30 s lifetime: background refresh
    expect(await provider.getToken()).toBe('tok-short-01');
    await server.waitForRequests(2);
  });

  it('a stale refresh never overwrites a newer token (generation counter)', async () => {
    server.reply(tokenReply('tok-stale-01', 3600, { headersDelayMs: 300 }), tokenReply('tok-fresh-01', 3600));
    const provider = createClientCredentialsProvider({ tokenUrl, clientId: 'c', clientSecret: 'gen-secret' });
    const slow = provider.getAccessToken();
    await server.waitForRequests(1);
    expect(provider.invalidate()).toBe(true); // detaches the refresh in flight
    const fast = await provider.getAccessToken();
    expect(fast.token).toBe('tok-fresh-01');
    // The stale refresh finishes last: its callers get the newest token, and the cache keeps it.
    expect((await slow).token).toBe('tok-fresh-01');
    expect(await provider.getToken()).toBe('tok-fresh-01');
    expect((await provider.getAccessToken()).generation).toBe(fast.generation);
    expect(server.requests).toHaveLength(2);
  });

  it('a stale refresh finishing first joins the newer refresh instead of caching its token', async () => {
    server.reply(
      tokenReply('tok-stale-02', 3600, { headersDelayMs: 100 }),
      tokenReply('tok-fresh-02', 3600, { headersDelayMs: 250 }),
    );
    const provider = createClientCredentialsProvider({ tokenUrl, clientId: 'c', clientSecret: 'gen-secret' });
    const slow = provider.getToken();
    await server.waitForRequests(1);
    provider.invalidate();
    const newer = provider.getToken();
    expect(await slow).toBe('tok-fresh-02');
    expect(await newer).toBe('tok-fresh-02');
    expect(await provider.getToken()).toBe('tok-fresh-02');
    expect(server.requests).toHaveLength(2);
  });

  it('invalidate(token) drops the cache only while it still holds that token', async () => {
    server.reply(tokenReply('tok-inv-0001'), tokenReply('tok-inv-0002'));
    const provider = createClientCredentialsProvider({ tokenUrl, clientId: 'c', clientSecret: 'inv-secret' });
    await provider.getToken();
    expect(provider.invalidate('some-other-token')).toBe(false);
    expect(await provider.getToken()).toBe('tok-inv-0001');
    expect(provider.invalidate('tok-inv-0001')).toBe(true);
    expect(await provider.getToken()).toBe('tok-inv-0002');
    expect(provider.invalidate('tok-inv-0001')).toBe(false); // a second 401 with the old token: no new refresh
    expect(await provider.getToken()).toBe('tok-inv-0002');
    expect(server.requests).toHaveLength(2);
  });

  it('a failed refresh rejects every waiter with the same error, and the next call tries again', async () => {
    server.reply(
      jsonReply({ error: 'temporarily_unavailable', error_description: 'try later' }, 400, { headersDelayMs: 30 }),
      tokenReply('tok-retry-01'),
    );
    const provider = createClientCredentialsProvider({ tokenUrl, clientId: 'c', clientSecret: 'fail-secret' });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => provider.getToken()));
    expect(server.requests).toHaveLength(1);
    const reasons = new Set(results.map((r) => (r.status === 'rejected' ? r.reason : r.value)));
    expect(reasons.size).toBe(1);
    const [error] = [...reasons];
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).code).toBe('temporarily_unavailable');
    expect(await provider.getToken()).toBe('tok-retry-01');
    expect(server.requests).toHaveLength(2);
  });

  it('a failed background refresh keeps serving the valid token', async () => {
    const clock = testClock();
    server.reply(
      tokenReply('tok-bg-00001', 3600),
      jsonReply({ error: 'server_error' }, 400),
      tokenReply('tok-bg-00002', 3600),
    );
    const provider = createClientCredentialsProvider({
      tokenUrl,
      clientId: 'c',
      clientSecret: 'bg-secret',
      now: clock.now,
    });
    await provider.getToken();
    clock.advance(3_600_000 - 10_000);
    expect(await provider.getToken()).toBe('tok-bg-00001');
    const [, failed] = await server.waitForRequests(2);
    await failed!.closed;
    await new Promise((r) => setTimeout(r, 50)); // let the client record the failure
    expect(await provider.getToken()).toBe('tok-bg-00001'); // within the back-off: no new request
    expect(server.requests).toHaveLength(2);
    clock.advance(5_000);
    expect(await provider.getToken()).toBe('tok-bg-00001');
    await server.waitForRequests(3);
    await vi.waitFor(async () => expect(await provider.getToken()).toBe('tok-bg-00002'));
  });

  it('5xx from the token endpoint is retried, 400/401 are not', async () => {
    server.reply(jsonReply({ error: 'oops' }, 503), tokenReply('tok-5xx-0001'));
    const retrying = createClientCredentialsProvider({
      tokenUrl,
      clientId: 'c',
      clientSecret: 'r-secret',
      retry: { initialDelayMs: 1, maxDelayMs: 1 },
    });
    expect(await retrying.getToken()).toBe('tok-5xx-0001');
    expect(server.requests).toHaveLength(2);

    server.reply(jsonReply({ error: 'invalid_client' }, 401));
    const refused = createClientCredentialsProvider({
      tokenUrl,
      clientId: 'c',
      clientSecret: 'r-secret',
      retry: { initialDelayMs: 1, maxDelayMs: 1 },
    });
    await expect(refused.getToken()).rejects.toMatchObject({ status: 401, code: 'invalid_client' });
    expect(server.requests).toHaveLength(3);
  });

  it('a caller abort stops that caller only; the shared refresh continues', async () => {
    server.reply(tokenReply('tok-abort-01', 3600, { headersDelayMs: 100 }));
    const provider = createClientCredentialsProvider({ tokenUrl, clientId: 'c', clientSecret: 'abort-secret' });
    const controller = new AbortController();
    const aborted = provider.getToken({ signal: controller.signal });
    const other = provider.getToken();
    controller.abort();
    await expect(aborted).rejects.toSatisfy((e) => AbortError.isInstance(e));
    expect(await other).toBe('tok-abort-01');
    await expect(provider.getToken({ signal: AbortSignal.abort() })).rejects.toSatisfy((e) => AbortError.isInstance(e));
    expect(server.requests).toHaveLength(1);
  });
});

describe('errors and secrets', () => {
  it('an OAuth error body becomes ApiCallError with the OAuth code and description', async () => {
    server.reply(jsonReply({ error: 'invalid_client', error_description: 'Client authentication failed' }, 401));
    const provider = createClientCredentialsProvider({
      tokenUrl,
      clientId: 'c',
      clientSecret: 'oauth-err-secret-1',
      provider: 'agenticstar',
    });
    const error = await provider.getToken().catch((e: unknown) => e);
    expect(ApiCallError.isInstance(error)).toBe(true);
    const e = error as ApiCallError;
    expect(e.code).toBe('invalid_client');
    expect(e.status).toBe(401);
    expect(e.provider).toBe('agenticstar');
    expect(e.retryable).toBe(false);
    expect(e.url).toBe(tokenUrl);
    expect(e.message).toContain('Client authentication failed');
    for (const text of errorTexts(error)) expect(text).not.toContain('oauth-err-secret-1');
  });

  it('a server that echoes the client secret back never leaks it', async () => {
    const secret = 'echoed-Secret-Value-42';
    server.handle((req) =>
      jsonReply(
        {
          error: 'invalid_client',
          error_description: `bad secret ${req.form().get('client_secret')} for client`,
          received: req.body,
          note: `raw ${req.form().get('client_secret')}`,
        },
        400,
      ),
    );
    const provider = createClientCredentialsProvider({ tokenUrl, clientId: 'c', clientSecret: () => secret });
    const error = await provider.getToken().catch((e: unknown) => e);
    expect((error as ApiCallError).code).toBe('invalid_client');
    expect((error as ApiCallError).message).toContain('bad secret');
    expect((error as ApiCallError).bodyExcerpt).toContain(REDACTED);
    for (const text of errorTexts(error)) expect(text).not.toContain(secret);
  });

  it('a 200 without an access token (Marketplace {success:false}) is an ApiCallError', async () => {
    server.reply(jsonReply({ success: false, message: 'service account disabled', code: 'SA_DISABLED' }));
    const provider = createClientCredentialsProvider({
      tokenUrl,
      clientId: 'c',
      clientSecret: 'mp-fail-secret',
      style: 'json',
    });
    const error = await provider.getToken().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 200, code: 'SA_DISABLED', retryable: false });
    expect(String(error)).toContain('service account disabled');
  });

  it('a malformed token response is a ResponseDecodeError without the token', async () => {
    server.reply({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"access_token":"tok-broken-001",',
    });
    const provider = createClientCredentialsProvider({ tokenUrl, clientId: 'c', clientSecret: 'broken-secret' });
    const error = await provider.getToken().catch((e: unknown) => e);
    expect((error as { kind: string }).kind).toBe('response-decode');
    for (const text of errorTexts(error)) expect(text).not.toContain('tok-broken-001');
  });

  it('tokens and secrets are registered for redaction and never printed', async () => {
    server.reply(tokenReply('tok-print-0001'));
    const provider = createClientCredentialsProvider({ tokenUrl, clientId: 'c', clientSecret: 'print-secret-01' });
    expect(redact('x print-secret-01 y')).toBe(`x ${REDACTED} y`);
    const token: AccessToken = await provider.getAccessToken();
    expect(redact('tok-print-0001')).toBe(REDACTED);
    for (const text of [
      String(token),
      JSON.stringify(token),
      inspect(token),
      String(provider),
      inspect(provider),
      JSON.stringify({ ...token }),
    ]) {
      expect(text).not.toContain('tok-print-0001');
      expect(text).not.toContain('print-secret-01');
    }
    expect(token.authorization).toBe('Bearer tok-print-0001');
  });

  it('lazy settings are read on the first token request; a missing variable is named', async () => {
    const env: Record<string, string | undefined> = {};
    server.reply(tokenReply('tok-lazy-0001'));
    const provider = createClientCredentialsProvider({
      tokenUrl: lazySetting({ env: 'T_TOKEN_URL', setting: 'tokenUrl', kind: 'url', source: env }),
      clientId: lazySetting({ env: 'T_CLIENT_ID', setting: 'clientId', source: env }),
      clientSecret: lazySecret({ env: 'T_CLIENT_SECRET', setting: 'clientSecret', source: env }),
    });
    env.T_TOKEN_URL = tokenUrl;
    env.T_CLIENT_ID = 'lazy-client';
    const error = await provider.getToken().catch((e: unknown) => e);
    expect(MissingConfigError.isInstance(error)).toBe(true);
    expect((error as MissingConfigError).envVar).toBe('T_CLIENT_SECRET');
    expect((error as Error).message).toContain('T_CLIENT_SECRET');
    expect(server.requests).toHaveLength(0);
    env.T_CLIENT_SECRET = 'lazy-secret-001';
    expect(await provider.getToken()).toBe('tok-lazy-0001');
    expect(server.requests[0]!.form().get('client_secret')).toBe('lazy-secret-001');
    expect(redact('lazy-secret-001')).toBe(REDACTED);
  });

  it('rejects bad options naming the field', () => {
    const base = { tokenUrl: 'https://auth.example/token', clientId: 'c', clientSecret: 'opt-secret' };
    const field = (patch: Record<string, unknown>) => {
      try {
        createClientCredentialsProvider({ ...base, ...patch } as never);
      } catch (error) {
        expect(InvalidArgumentError.isInstance(error)).toBe(true);
        return (error as InvalidArgumentError).argument;
      }
      return undefined;
    };
    expect(field({ tokenUrl: 'not a url' })).toBe('tokenUrl');
    expect(field({ tokenUrl: 'ftp://x/y' })).toBe('tokenUrl');
    expect(field({ clientSecret: undefined })).toBe('clientSecret');
    expect(field({ clientId: '' })).toBe('clientId');
    expect(field({ clientId: 42 })).toBe('clientId');
    expect(field({ style: 'xml' })).toBe('style');
    expect(field({ scope: [1] })).toBe('scope');
    expect(field({ refreshSkewMs: -1 })).toBe('refreshSkewMs');
    expect(field({ extraBody: { a: {} } })).toBe('extraBody.a');
    expect(field({ clientSecrett: 'typo' })).toBe('options.clientSecrett');
    expect(field({})).toBeUndefined();
  });
});
