import { redact, REDACTED } from '@kakehashi/sse-core';
import { describe, expect, it } from 'vitest';
import { apiKeyAuthorizer, authorizationCredential } from '../src/index';

const context = (authorization: string | undefined) => ({
  authorization,
  credential: authorizationCredential(authorization),
  endpoint: 'getRtcAuthToken',
  request: new Request('http://127.0.0.1/api/v2/aiagent/getRtcAuthToken', { method: 'POST' }),
});

describe('the default AppServer check', () => {
  it('accepts a configured key bare or as "Bearer <key>", and nothing else', async () => {
    const authorize = apiKeyAuthorizer(['appserver-key-0001', 'appserver-key-0002']);
    for (const header of ['appserver-key-0001', 'Bearer appserver-key-0002', 'bearer   appserver-key-0001  '])
      expect(await authorize(context(header)), header).toBe(true);
    for (const header of [
      undefined,
      '',
      'Bearer',
      'appserver-key-000',
      'Basic appserver-key-0001',
      'appserver-key-00011',
    ])
      expect(await authorize(context(header)), String(header)).toBe(false);
  });

  it('accepts nobody without keys, ignores blank ones, and registers the keys for redaction', async () => {
    expect(await apiKeyAuthorizer([])(context('anything'))).toBe(false);
    expect(await apiKeyAuthorizer(['', ' '])(context(' '))).toBe(false);
    apiKeyAuthorizer(['appserver-key-0003']);
    expect(redact('appserver-key-0003')).toBe(REDACTED);
  });
});
