import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  lazySecret,
  lazySetting,
  MissingConfigError,
  readSetting,
  redact,
  REDACTED,
} from '../src/index';

const VAR = 'KAKEHASHI_AUTH_TEST_API_KEY';

afterEach(() => {
  delete process.env[VAR];
});

describe('lazySecret', () => {
  it('reads the environment on first use, not on creation', () => {
    const key = lazySecret({ env: VAR, setting: 'apiKey' });
    process.env[VAR] = '  env-api-key-0001 \n';
    expect(key()).toBe('env-api-key-0001');
    expect(redact('key=env-api-key-0001 ok')).not.toContain('env-api-key-0001');
    delete process.env[VAR];
    expect(key()).toBe('env-api-key-0001'); // read once, then kept
  });

  it('throws MissingConfigError naming the variable when it is missing or blank, and retries later', () => {
    const key = lazySecret({ env: VAR, setting: 'apiKey' });
    for (const value of [undefined, '', '   ']) {
      if (value === undefined) delete process.env[VAR];
      else process.env[VAR] = value;
      let error: unknown;
      try {
        key();
      } catch (e) {
        error = e;
      }
      expect(MissingConfigError.isInstance(error)).toBe(true);
      expect((error as MissingConfigError).setting).toBe('apiKey');
      expect((error as MissingConfigError).envVar).toBe(VAR);
      expect((error as Error).message).toContain(VAR);
      expect((error as Error).message).toContain('apiKey');
    }
    process.env[VAR] = 'late-api-key-0001';
    expect(key()).toBe('late-api-key-0001');
  });

  it('an explicit value wins and is registered at once', () => {
    process.env[VAR] = 'env-loses-0001';
    const key = lazySecret({ value: 'explicit-key-0001', env: VAR, setting: 'apiKey' });
    expect(redact('explicit-key-0001')).toBe(REDACTED);
    expect(key()).toBe('explicit-key-0001');
  });

  it('without env, names only the option', () => {
    expect(() => lazySecret({ setting: 'appKey' })()).toThrow(/Missing appKey: pass the "appKey" option$/);
  });

  it('rejects bad options', () => {
    expect(() => lazySecret({ env: 'BAD-NAME', setting: 'x' })).toThrow(InvalidArgumentError);
    expect(() => lazySecret({ env: VAR } as never)).toThrow(/"lazySecret.setting"/);
    expect(() => lazySecret({ setting: 'x', envVar: VAR } as never)).toThrow(/unknown option/);
  });
});

describe('readSetting / lazySetting', () => {
  it('value, else environment, else default', () => {
    const source = { BASE: 'https://env.example/api/' };
    expect(readSetting({ value: 'https://opt.example', env: 'BASE', setting: 'baseURL', source })).toBe(
      'https://opt.example',
    );
    expect(readSetting({ env: 'BASE', setting: 'baseURL', kind: 'url', source })).toBe('https://env.example/api');
    expect(readSetting({ env: 'NONE', setting: 'baseURL', default: 'https://api.codeer.ai/api/v1', source })).toBe(
      'https://api.codeer.ai/api/v1',
    );
  });

  it('missing without default → MissingConfigError naming the variable; bad URL → InvalidArgumentError', () => {
    expect(() => readSetting({ env: 'CODEER_AGENT_ID', setting: 'agentId', source: {} })).toThrow(/CODEER_AGENT_ID/);
    expect(() => readSetting({ env: 'X', setting: 'baseURL', kind: 'url', source: { X: 'api.example' } })).toThrow(
      InvalidArgumentError,
    );
  });

  it('lazySetting reads on first use', () => {
    const source: Record<string, string | undefined> = {};
    const agent = lazySetting({ env: 'AGENT', setting: 'agentId', source });
    source.AGENT = 'agent-1';
    expect(agent()).toBe('agent-1');
  });
});
