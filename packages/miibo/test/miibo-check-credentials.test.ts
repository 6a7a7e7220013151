import { miiboPlatform } from '@kakehashi/miibo';
import { AbortError, MissingConfigError } from '@kakehashi/sse-core';
import { type MiiboSimulator, startMiiboSimulator } from '@kakehashi/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const KEY = 'miibo-check-credentials-key-0001';
let sim: MiiboSimulator;
beforeAll(async () => {
  sim = await startMiiboSimulator({ apiKey: KEY, agentId: 'check-agent' });
});
afterAll(async () => {
  await sim?.close();
});

const env = (extra: Record<string, string> = {}) => ({
  MIIBO_BASE_URL: sim.url,
  MIIBO_AGENT_ID: 'check-agent',
  ...extra,
});

describe('miiboPlatform.checkCredentials', () => {
  it('starts a conversation for the configured agent and names the key masked and the agent', async () => {
    const before = sim.requests.length;
    const check = await miiboPlatform.checkCredentials!({ settings: { env: env({ MIIBO_API_KEY: KEY }) } });
    expect(check).toEqual({ detail: 'key …0001, agent check-agent' });
    expect(check.detail).not.toContain(KEY);
    const sent = sim.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toBe('/api');
  });

  it('a refused key rejects, without the key', async () => {
    const refused = 'miibo-refused-key-0123456789';
    const error = await miiboPlatform.checkCredentials!({ settings: { env: env({ MIIBO_API_KEY: refused }) } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).not.toContain(refused);
  });

  it('no key: MissingConfigError naming MIIBO_API_KEY, nothing sent', async () => {
    const before = sim.requests.length;
    const error = await miiboPlatform.checkCredentials!({ settings: { env: env() } }).catch((e: unknown) => e);
    expect(MissingConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('MIIBO_API_KEY');
    expect(sim.requests.length).toBe(before);
  });

  it('an aborted signal rejects with AbortError', async () => {
    const error = await miiboPlatform.checkCredentials!({
      settings: { env: env({ MIIBO_API_KEY: KEY }) },
      signal: AbortSignal.abort(),
    }).catch((e: unknown) => e);
    expect(AbortError.isInstance(error)).toBe(true);
  });
});
