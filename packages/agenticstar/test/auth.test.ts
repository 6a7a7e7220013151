import { ApiCallError, MissingConfigError } from '@kakehashi/sse-core';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createAgenticStar } from '@kakehashi/agenticstar';
import { collect, failure, marketplaceClient, saasClient, simulator } from './helpers';

describe('SaaS client credentials (form body)', () => {
  it('requests a token from the OIDC token endpoint with the documented form body', async () => {
    const sim = await simulator();
    await saasClient(sim).ask('こんにちは');
    expect(sim.tokenRequests).toHaveLength(1);
    const [token] = sim.tokenRequests;
    expect(token?.path).toBe('/federation/auth/v1/token');
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(token!.form())).toEqual({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
    });
  });

  it('derives the token endpoint from authBaseURL', async () => {
    const sim = await simulator();
    await saasClient(sim, { tokenUrl: undefined, authBaseURL: sim.origin }).ask('こんにちは');
    expect(sim.tokenRequests[0]?.path).toBe('/federation/auth/v1/token');
  });

  it('100 concurrent streams share ONE token request', async () => {
    const sim = await simulator();
    const agenticstar = saasClient(sim);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => agenticstar.ask(`質問 ${i}`)));
    expect(results.every((r) => r.reason === 'stop')).toBe(true);
    expect(sim.tokenRequests).toHaveLength(1);
    expect(sim.chatRequests).toHaveLength(100);
    expect(new Set(sim.chatRequests.map((r) => r.headers.authorization)).size).toBe(1);
  });

  it('reuses the cached token across calls', async () => {
    const sim = await simulator();
    const agenticstar = saasClient(sim);
    await agenticstar.ask('一');
    await agenticstar.ask('二');
    await collect(agenticstar.listConversations());
    expect(sim.tokenRequests).toHaveLength(1);
  });

  it('token rotation: 401 -> one refresh -> one retry succeeds', async () => {
    const sim = await simulator();
    const agenticstar = saasClient(sim);
    await agenticstar.ask('一');
    expect(sim.rotateTokens()).toBe(1);
    const second = await agenticstar.ask('二');
    expect(second.text).toContain('二');
    expect(sim.tokenRequests).toHaveLength(2);
    expect(sim.chatRequests).toHaveLength(3); // ok, 401, retried ok
    const [first, refused, retried] = sim.chatRequests;
    expect(refused!.headers.authorization).toBe(first!.headers.authorization);
    expect(retried!.headers.authorization).toBe(`Bearer ${sim.issuedTokens[1]!.token}`);
  });

  it('after revocation, 20 concurrent streams trigger a single refresh', async () => {
    const sim = await simulator();
    const agenticstar = saasClient(sim);
    await agenticstar.ask('準備');
    sim.revokeTokens();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => agenticstar.ask(`質問 ${i}`)));
    expect(results).toHaveLength(20);
    expect(sim.tokenRequests).toHaveLength(2);
  });

  it('a 401 that persists after the one retry is thrown', async () => {
    const sim = await simulator();
    let invalidated = 0;
    const agenticstar = saasClient(sim, {
      tokenProvider: { getToken: () => 'not-a-valid-token-123', invalidate: () => invalidated++ },
    });
    const error = await failure(() => agenticstar.ask('こんにちは'));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).status).toBe(401);
    expect((error as ApiCallError).code).toBe('unauthorized');
    expect(invalidated).toBe(1);
    expect(sim.chatRequests).toHaveLength(2);
    expect(sim.tokenRequests).toHaveLength(0);
  });

  it('refreshes a short-lived token once it expires', async () => {
    const sim = await simulator({ tokenLifetimeSeconds: 1 });
    const agenticstar = saasClient(sim);
    await agenticstar.ask('一');
    await sleep(1100);
    await agenticstar.ask('二');
    expect(sim.tokenRequests).toHaveLength(2);
    expect(sim.chatRequests).toHaveLength(2); // refreshed ahead of time: no 401
  });

  it('wrong client credentials fail with the token endpoint error, without the secret', async () => {
    const sim = await simulator();
    const agenticstar = saasClient(sim, { clientSecret: 'wrong-secret-value-42' });
    const error = await failure(() => agenticstar.ask('こんにちは'));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 401, code: 'invalid_client' });
    expect(JSON.stringify(error)).not.toContain('wrong-secret-value-42');
    expect(String(error)).not.toContain('wrong-secret-value-42');
    expect(sim.chatRequests).toHaveLength(0);
  });
});

describe('Marketplace (JSON external-service-token)', () => {
  it('requests the token with the documented JSON body and sends agentId on chat', async () => {
    const sim = await simulator();
    const result = await marketplaceClient(sim).ask('こんにちは');
    expect(result.reason).toBe('stop');
    const [token] = sim.tokenRequests;
    expect(token?.path).toBe('/v1/auth/external-service-token');
    expect(token?.headers['content-type']).toBe('application/json');
    expect(token?.json()).toEqual({ client_id: sim.clientId, client_secret: sim.clientSecret });
    expect(sim.chatRequests[0]!.json()).toMatchObject({ agentId: 'agent-ai-bot' });
    expect(sim.issuedTokens[0]?.edition).toBe('marketplace');
  });

  it('is configured from the AGENTICSTAR_* environment', async () => {
    const sim = await simulator({ basePath: '/api' });
    const agenticstar = createAgenticStar({
      env: {
        AGENTICSTAR_EDITION: 'marketplace',
        AGENTICSTAR_BASE_URL: sim.url,
        AGENTICSTAR_CLIENT_ID: sim.clientId,
        AGENTICSTAR_CLIENT_SECRET: sim.clientSecret,
        AGENTICSTAR_AGENT_ID: 'agent-from-env',
      },
    });
    expect(agenticstar.endpoints()).toEqual({
      edition: 'marketplace',
      baseURL: sim.url,
      tokenUrl: `${sim.url}/v1/auth/external-service-token`,
      agentId: 'agent-from-env',
    });
    await agenticstar.ask('こんにちは');
    expect(sim.tokenRequests[0]?.path).toBe('/api/v1/auth/external-service-token');
    expect(sim.chatRequests[0]?.path).toBe('/api/v1/chat/completions');
    expect(sim.chatRequests[0]!.json()).toMatchObject({ agentId: 'agent-from-env' });
  });

  it('a call may name another agent', async () => {
    const sim = await simulator();
    await marketplaceClient(sim).ask({ message: 'こんにちは', agentId: 'other-agent' });
    expect(sim.chatRequests[0]!.json()).toMatchObject({ agentId: 'other-agent' });
  });

  it('without an agent id: MissingConfigError naming AGENTICSTAR_AGENT_ID, nothing sent', async () => {
    const sim = await simulator();
    const error = await failure(() => marketplaceClient(sim, { agentId: undefined }).ask('こんにちは'));
    expect(MissingConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ setting: 'agentId', envVar: 'AGENTICSTAR_AGENT_ID' });
    expect(sim.requests).toHaveLength(0);
  });

  it('token rotation works the same way', async () => {
    const sim = await simulator();
    const agenticstar = marketplaceClient(sim);
    await agenticstar.ask('一');
    sim.rotateTokens();
    await agenticstar.ask('二');
    expect(sim.tokenRequests).toHaveLength(2);
    expect(sim.chatRequests.map((r) => r.index)).toHaveLength(3);
  });
});
