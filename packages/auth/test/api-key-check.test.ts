import { describe, expect, it } from 'vitest';
import { createApiKeyCheck, InvalidArgumentError, redact, REDACTED } from '../src/index';

describe('createApiKeyCheck', () => {
  it('accepts exactly the configured keys, trimmed, and refuses everything else', () => {
    const check = createApiKeyCheck(['server-key-0001', '  server-key-0002  ', '']);
    expect(check('server-key-0001')).toBe(true);
    expect(check('server-key-0002')).toBe(true);
    for (const wrong of [
      'server-key-000',
      'server-key-00011',
      'SERVER-KEY-0001',
      ' server-key-0001',
      '',
      undefined,
      null,
    ])
      expect(check(wrong)).toBe(false);
  });

  it('compares Japanese and other non-ASCII keys as UTF-8', () => {
    const check = createApiKeyCheck(['鍵-キー-0001']);
    expect(check('鍵-キー-0001')).toBe(true);
    expect(check('鍵-キー-0002')).toBe(false);
  });

  it('accepts nobody without keys (blank entries do not count)', () => {
    expect(createApiKeyCheck([])('anything')).toBe(false);
    expect(createApiKeyCheck(['', '   '])('')).toBe(false);
    expect(createApiKeyCheck(['', '   '])('   ')).toBe(false);
  });

  it('registers the keys for redaction', () => {
    createApiKeyCheck(['redacted-server-key-0003']);
    expect(redact('key redacted-server-key-0003 leaked')).toBe(`key ${REDACTED} leaked`);
  });

  it('refuses keys that are not strings, naming the entry and never echoing a key', () => {
    expect(() => createApiKeyCheck('server-key-0004' as never)).toThrow(InvalidArgumentError);
    let error: unknown;
    try {
      createApiKeyCheck(['server-key-0005', 42 as never]);
    } catch (e) {
      error = e;
    }
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as InvalidArgumentError).argument).toBe('keys[1]');
    expect((error as Error).message).not.toContain('server-key-0005');
  });
});
