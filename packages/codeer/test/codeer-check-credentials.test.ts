import { codeerPlatform } from '@kakehashi/codeer';
import { AbortError, ApiCallError, MissingConfigError } from '@kakehashi/sse-core';
import { type CodeerSimulator, startCodeerSimulator, simulatorEnv } from '@kakehashi/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const KEY = 'sk-check-credentials-key-0001';
let sim: CodeerSimulator;
beforeAll(async () => {
  sim = await startCodeerSimulator({ apiKey: KEY });
});
afterAll(async () => {
  await sim?.close();
});

describe('codeerPlatform.checkCredentials', () => {
  it('lists the published agents with the key from settings.env and names the key masked', async () => {
    const before = sim.requests.length;
    const check = await codeerPlatform.checkCredentials!({
      settings: { env: simulatorEnv({ codeer: sim }) },
    });
    expect(check).toEqual({ detail: 'key sk-…0001, 1 agent(s) visible' });
    const sent = sim.requests.slice(before);
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/chats/published-agents']);
  });

  it('settings win over the environment', async () => {
    const check = await codeerPlatform.checkCredentials!({
      settings: { apiKey: KEY, baseURL: sim.url, env: { CODEER_API_KEY: 'sk-not-this-one-0123456789' } },
    });
    expect(check.detail).toBe('key sk-…0001, 1 agent(s) visible');
  });

  it('a refused key rejects with the API error, without the key', async () => {
    const refused = 'sk-refused-key-0123456789';
    const error = await codeerPlatform.checkCredentials!({
      settings: { env: { CODEER_API_KEY: refused, CODEER_BASE_URL: sim.url } },
    }).catch((e: unknown) => e);
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).status).toBe(401);
    expect(String((error as Error).message)).not.toContain(refused);
  });

  it('no key: MissingConfigError naming CODEER_API_KEY, nothing sent', async () => {
    const before = sim.requests.length;
    const error = await codeerPlatform.checkCredentials!({ settings: { env: { CODEER_BASE_URL: sim.url } } }).catch(
      (e: unknown) => e,
    );
    expect(MissingConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('CODEER_API_KEY');
    expect(sim.requests.length).toBe(before);
  });

  it('an aborted signal rejects with AbortError', async () => {
    const error = await codeerPlatform.checkCredentials!({
      settings: { env: simulatorEnv({ codeer: sim }) },
      signal: AbortSignal.abort(),
    }).catch((e: unknown) => e);
    expect(AbortError.isInstance(error)).toBe(true);
  });
});
