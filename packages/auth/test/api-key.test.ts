import { ApiCallError, createHttpClient } from '@kakehashi/sse-core';
import { startScriptedServer } from '@kakehashi/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  apiKeyAuth,
  apiKeyHeader,
  bearerHeader,
  InvalidArgumentError,
  lazySecret,
  maskSecret,
  MIIBO_ADMIN_API_KEY_HEADER,
  MissingConfigError,
  redact,
  REDACTED,
  withBodyApiKey,
} from '../src/index';
import { errorTexts, jsonReply } from './helpers';

const VAR = 'KAKEHASHI_AUTH_TEST_CODEER_KEY';
afterEach(() => {
  delete process.env[VAR];
});

describe('API key helpers', () => {
  it('header, bearer and body keys', () => {
    expect(apiKeyHeader('codeer-key-0001')).toEqual({ 'x-api-key': 'codeer-key-0001' });
    expect(apiKeyHeader('miibo-admin-0001', MIIBO_ADMIN_API_KEY_HEADER)).toEqual({ 'X-API-Key': 'miibo-admin-0001' });
    expect(bearerHeader('bearer-key-0001')).toEqual({ authorization: 'Bearer bearer-key-0001' });
    expect(withBodyApiKey({ agent_id: 'a', utterance: 'hi' }, 'miibo-key-0001')).toEqual({
      agent_id: 'a',
      utterance: 'hi',
      api_key: 'miibo-key-0001',
    });
    for (const key of ['codeer-key-0001', 'miibo-admin-0001', 'bearer-key-0001', 'miibo-key-0001'])
      expect(redact(key)).toBe(REDACTED);
  });

  it('rejects empty keys, header injection and bad header names without echoing the key', () => {
    expect(() => apiKeyHeader('')).toThrow(InvalidArgumentError);
    expect(() => apiKeyHeader('inject-key-01\r\nx: y')).toThrow(/line breaks/);
    try {
      apiKeyHeader('inject-key-02\nx');
    } catch (e) {
      expect((e as Error).message).not.toContain('inject-key-02');
    }
    expect(() => apiKeyHeader('good-key-0001', 'bad header')).toThrow(/"header"/);
    expect(() => withBodyApiKey([] as never, 'k')).toThrow(/"body"/);
  });

  it('maskSecret shows at most a type prefix and the last 4 characters', () => {
    expect(maskSecret('sk-proj-abcdefghijklmnopwxyz')).toBe('sk-…wxyz');
    expect(maskSecret('abcdefghijklmnopqrstwxyz')).toBe('…wxyz');
    expect(maskSecret('short-key-12')).toBe('…');
    expect(maskSecret('')).toBe('');
    expect(maskSecret(undefined)).toBe('');
  });
});

describe('apiKeyAuth with sse-core createHttpClient', () => {
  it('sends the lazily read key in x-api-key; a 401 is not retried and never shows the key', async () => {
    const api = await startScriptedServer((req) =>
      req.headers['x-api-key'] === 'codeer-env-key-0001'
        ? jsonReply({ ok: true })
        : jsonReply({ message: `bad key ${req.headers['x-api-key']}` }, 401),
    );
    try {
      const auth = apiKeyAuth({ key: lazySecret({ env: VAR, setting: 'apiKey' }) });
      const client = createHttpClient({ baseURL: api.url, ...auth });
      await expect(client.requestJson({ path: '/chats' })).rejects.toSatisfy(
        (e) => MissingConfigError.isInstance(e) && String(e).includes(VAR),
      );
      expect(api.requests).toHaveLength(0);

      process.env[VAR] = 'codeer-env-key-0001';
      expect(await client.requestJson({ path: '/chats' })).toEqual({ ok: true });
      expect(api.requests[0]!.headers['x-api-key']).toBe('codeer-env-key-0001');

      const wrong = createHttpClient({
        baseURL: api.url,
        ...apiKeyAuth({ key: 'wrong-key-value-01', scheme: 'bearer' }),
      });
      const error = await wrong.requestJson({ path: '/chats' }).catch((e: unknown) => e);
      expect(ApiCallError.isInstance(error)).toBe(true);
      expect(api.requests).toHaveLength(2);
      expect(api.requests[1]!.headers.authorization).toBe('Bearer wrong-key-value-01');
      for (const text of errorTexts(error)) expect(text).not.toContain('wrong-key-value-01');
    } finally {
      await api.close();
    }
  });

  it('validates options', () => {
    expect(() => apiKeyAuth({ key: '' })).toThrow(/"apiKey"/);
    expect(() => apiKeyAuth({ key: 'k', scheme: 'bearer', header: 'x' })).toThrow(/"header"/);
    expect(() => apiKeyAuth({ key: 'k', scheme: 'query' as never })).toThrow(/"scheme"/);
    expect(() => apiKeyAuth({ key: 'k', extra: 1 } as never)).toThrow(/unknown option/);
  });
});
