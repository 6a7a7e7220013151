import { agenticStarPlatform } from '@kakehashi/agenticstar';
import { createClientCredentialsProvider } from '@kakehashi/auth';
import { AbortError, MissingConfigError } from '@kakehashi/sse-core';
import { type AgenticStarSimulator, startAgenticStarSimulator, simulatorEnv } from '@kakehashi/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let sim: AgenticStarSimulator;
beforeAll(async () => {
  sim = await startAgenticStarSimulator({ clientId: 'check-client-id-0001', clientSecret: 'check-client-secret-0001' });
});
afterAll(async () => {
  await sim?.close();
});

const env = (extra: Record<string, string> = {}) => ({ ...simulatorEnv({ agenticstar: sim }), ...extra });

describe('agenticStarPlatform.checkCredentials', () => {
  it('obtains a token and reads one page of conversations; names the client id masked and the base URL', async () => {
    const before = sim.conversationRequests.length;
    const check = await agenticStarPlatform.checkCredentials!({ settings: { env: env() } });
    expect(check).toEqual({ detail: `client …0001 at ${sim.url}` });
    expect(check.detail).not.toContain(sim.clientSecret);
    expect(sim.conversationRequests.length).toBe(before + 1);
  });

  it('a token provider in place of the client credentials is named as such', async () => {
    const check = await agenticStarPlatform.checkCredentials!({
      settings: {
        env: { AGENTICSTAR_BASE_URL: sim.url },
        tokenProvider: createClientCredentialsProvider({
          tokenUrl: sim.tokenUrl,
          clientId: sim.clientId,
          clientSecret: sim.clientSecret,
        }),
      },
    });
    expect(check.detail).toBe(`token provider at ${sim.url}`);
  });

  it('a refused secret rejects, without the secret', async () => {
    const refused = 'refused-client-secret-0123456789';
    const error = await agenticStarPlatform.checkCredentials!({
      settings: { env: env({ AGENTICSTAR_CLIENT_SECRET: refused }) },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).not.toContain(refused);
  });

  it('no client secret: MissingConfigError naming AGENTICSTAR_CLIENT_SECRET', async () => {
    const { AGENTICSTAR_CLIENT_SECRET: _, ...rest } = env();
    const error = await agenticStarPlatform.checkCredentials!({ settings: { env: rest } }).catch((e: unknown) => e);
    expect(MissingConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('AGENTICSTAR_CLIENT_SECRET');
  });

  it('an aborted signal rejects with AbortError', async () => {
    const error = await agenticStarPlatform.checkCredentials!({
      settings: { env: env() },
      signal: AbortSignal.abort(),
    }).catch((e: unknown) => e);
    expect(AbortError.isInstance(error)).toBe(true);
  });
});
