import { simulatorEnv } from '@kakehashi/testkit';
import {
  AgentStreamError,
  ApiCallError,
  InvalidArgumentError,
  KakehashiError,
  MissingConfigError,
} from '@kakehashi/sse-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgenticStar, resolveAgenticStarEndpoints, AGENTICSTAR_PRESETS } from '@kakehashi/agenticstar';
import { collect, failure, saasClient, simulator } from './helpers';

function expectInvalid(error: unknown, argument: string): void {
  expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true);
  expect((error as InvalidArgumentError).argument).toBe(argument);
}

describe('bad input is rejected before anything is sent', () => {
  const cases: Array<[string, unknown, string]> = [
    ['empty object', {}, 'input.message'],
    ['empty message', { message: '' }, 'input.message'],
    ['non-string message', { message: 42 }, 'input.message'],
    ['both message and messages', { message: 'a', messages: [{ role: 'user', content: 'b' }] }, 'input.messages'],
    ['no messages', { messages: [] }, 'input.messages'],
    ['bad role', { messages: [{ role: 'bot', content: 'x' }] }, 'input.messages.0.role'],
    ['empty content', { messages: [{ role: 'user', content: '' }] }, 'input.messages.0.content'],
    ['unknown key', { message: 'x', temperature: 0.2 }, 'input'],
    ['bad agentLevel', { message: 'x', agentLevel: 'turbo' }, 'input.agentLevel'],
    ['bad agentMode', { message: 'x', agentMode: 'yes' }, 'input.agentMode'],
    ['file without fileId', { message: 'x', files: [{ name: 'a.pdf' }] }, 'input.files.0'],
    ['empty conversationId', { message: 'x', conversationId: '' }, 'input.conversationId'],
  ];
  for (const [name, input, argument] of cases) {
    it(`streamChat: ${name} -> ${argument}`, async () => {
      const sim = await simulator();
      const agenticstar = saasClient(sim);
      expectInvalid(await failure(() => agenticstar.streamChat(input as never)), argument);
      expectInvalid(await failure(() => agenticstar.ask(input as never)), argument);
      expect(sim.requests).toHaveLength(0);
    });
  }

  it('bad call options name the field', async () => {
    const sim = await simulator();
    const agenticstar = saasClient(sim);
    expectInvalid(await failure(() => agenticstar.ask('x', { maxRetries: -1 })), 'options.maxRetries');
    expectInvalid(await failure(() => agenticstar.ask('x', { timeouts: { idleMs: -5 } })), 'options.timeouts.idleMs');
    expectInvalid(await failure(() => agenticstar.ask('x', { signal: 'stop' as never })), 'options.signal');
    expectInvalid(await failure(() => agenticstar.ask('x', { bogus: true } as never)), 'options');
    expect(sim.requests).toHaveLength(0);
  });

  it('bad list parameters name the field', async () => {
    const sim = await simulator();
    const agenticstar = saasClient(sim);
    expectInvalid(await failure(() => agenticstar.listConversations({ limit: 0 })), 'params.limit');
    expectInvalid(await failure(() => agenticstar.listConversationPages({ order: 'up' as never })), 'params.order');
    expectInvalid(await failure(() => agenticstar.getConversationPage({ cursor: '' })), 'params.cursor');
    expectInvalid(await failure(() => agenticstar.conversation('')), 'conversationId');
    expect(sim.requests).toHaveLength(0);
  });

  it('bad settings name the field', async () => {
    expectInvalid(await failure(() => createAgenticStar({ baseURL: 'ftp://example.com' })), 'settings.baseURL');
    expectInvalid(await failure(() => createAgenticStar({ edition: 'enterprise' as never })), 'settings.edition');
    expectInvalid(await failure(() => createAgenticStar({ preset: 'gen-c' as never })), 'settings.preset');
    expectInvalid(await failure(() => createAgenticStar({ timeouts: { idleMs: -1 } })), 'settings.timeouts.idleMs');
    expectInvalid(await failure(() => createAgenticStar({ tokenProvider: {} as never })), 'settings.tokenProvider');
    expectInvalid(await failure(() => createAgenticStar({ apiKey: 'x' } as never)), 'settings');
  });
});

describe('missing configuration', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (key.startsWith('AGENTICSTAR_')) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('no client id: MissingConfigError naming AGENTICSTAR_CLIENT_ID, nothing sent', async () => {
    const sim = await simulator();
    const error = await failure(() =>
      createAgenticStar({ baseURL: sim.url, tokenUrl: sim.tokenUrl, env: {} }).ask('x'),
    );
    expect(MissingConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ setting: 'clientId', envVar: 'AGENTICSTAR_CLIENT_ID' });
    expect((error as Error).message).toContain('AGENTICSTAR_CLIENT_ID');
    expect(sim.requests).toHaveLength(0);
  });

  it('no client secret: MissingConfigError naming AGENTICSTAR_CLIENT_SECRET', async () => {
    const sim = await simulator();
    const error = await failure(() =>
      createAgenticStar({ baseURL: sim.url, tokenUrl: sim.tokenUrl, env: { AGENTICSTAR_CLIENT_ID: 'id' } }).ask('x'),
    );
    expect(error).toMatchObject({ setting: 'clientSecret', envVar: 'AGENTICSTAR_CLIENT_SECRET' });
    expect(sim.requests).toHaveLength(0);
  });

  it('marketplace without a base URL uses the default host for its JSON token request (design contract)', () => {
    expect(resolveAgenticStarEndpoints({ env: { AGENTICSTAR_EDITION: 'marketplace' } })).toMatchObject({
      edition: 'marketplace',
      baseURL: 'https://api.agenticstar.jp',
      tokenUrl: 'https://api.agenticstar.jp/v1/auth/external-service-token',
    });
  });

  it('a malformed AGENTICSTAR_EDITION or AGENTICSTAR_BASE_URL is named', async () => {
    const edition = await failure(() => createAgenticStar({ env: { AGENTICSTAR_EDITION: 'enterprise' } }).endpoints());
    expectInvalid(edition, 'edition');
    expect((edition as Error).message).toContain('AGENTICSTAR_EDITION');
    const base = await failure(() => createAgenticStar({ env: { AGENTICSTAR_BASE_URL: 'not a url' } }).endpoints());
    expectInvalid(base, 'baseURL');
    expect((base as Error).message).toContain('AGENTICSTAR_BASE_URL');
  });

  it('reads process.env lazily, on the first call', async () => {
    const sim = await simulator();
    const agenticstar = createAgenticStar();
    Object.assign(process.env, simulatorEnv({ agenticstar: sim }));
    const result = await agenticstar.ask('環境変数');
    expect(result.reason).toBe('stop');
  });
});

describe('endpoint resolution', () => {
  it('defaults to the quickstart hosts', () => {
    expect(resolveAgenticStarEndpoints({ env: {} })).toEqual({
      edition: 'saas',
      baseURL: 'https://api.agenticstar.jp',
      tokenUrl: 'https://auth.agenticstar.jp/federation/auth/v1/token',
      agentId: undefined,
    });
  });

  it('offers the newer documented hosts as the softbank-fd preset', () => {
    expect(resolveAgenticStarEndpoints({ preset: 'softbank-fd', env: {} })).toMatchObject({
      baseURL: 'https://api.fd.agenticstar.tm.softbank.jp/api',
      tokenUrl: 'https://auth.fd.agenticstar.tm.softbank.jp/federation/auth/v1/token',
    });
    expect(AGENTICSTAR_PRESETS['softbank-fd'].authBaseURL).toBe('https://auth.fd.agenticstar.tm.softbank.jp');
  });

  it('options win over the environment, which wins over the defaults', () => {
    const env = {
      AGENTICSTAR_BASE_URL: 'https://env.example.com/',
      AGENTICSTAR_TOKEN_URL: 'https://auth.env.example.com/token',
      AGENTICSTAR_AGENT_ID: 'env-agent',
    };
    expect(resolveAgenticStarEndpoints({ env })).toEqual({
      edition: 'saas',
      baseURL: 'https://env.example.com',
      tokenUrl: 'https://auth.env.example.com/token',
      agentId: 'env-agent',
    });
    expect(
      resolveAgenticStarEndpoints({
        env,
        baseURL: 'https://opt.example.com',
        tokenUrl: 'https://auth.opt.example.com/t',
        agentId: 'a',
      }),
    ).toEqual({
      edition: 'saas',
      baseURL: 'https://opt.example.com',
      tokenUrl: 'https://auth.opt.example.com/t',
      agentId: 'a',
    });
  });

  it('marketplace: the token endpoint follows the base URL unless AGENTICSTAR_TOKEN_URL is set', () => {
    expect(
      resolveAgenticStarEndpoints({
        env: { AGENTICSTAR_EDITION: 'marketplace', AGENTICSTAR_BASE_URL: 'https://mp.example.com/api' },
      }),
    ).toMatchObject({
      edition: 'marketplace',
      tokenUrl: 'https://mp.example.com/api/v1/auth/external-service-token',
    });
    expect(
      resolveAgenticStarEndpoints({
        edition: 'marketplace',
        baseURL: 'https://mp.example.com',
        env: { AGENTICSTAR_TOKEN_URL: 'https://mp.example.com/custom-token' },
      }),
    ).toMatchObject({ tokenUrl: 'https://mp.example.com/custom-token' });
  });

  it('authBaseURL builds the SaaS token endpoint', () => {
    expect(resolveAgenticStarEndpoints({ authBaseURL: 'https://auth.example.com/', env: {} }).tokenUrl).toBe(
      'https://auth.example.com/federation/auth/v1/token',
    );
  });
});

describe('no secret in any error', () => {
  it('client secret and access tokens never appear in errors', async () => {
    const sim = await simulator({ clientSecret: 'sim-very-secret-value-9876' });
    const errors: unknown[] = [];

    // Wrong secret (token endpoint 401): the secret we sent must not be echoed.
    errors.push(await failure(() => saasClient(sim, { clientSecret: 'my-wrong-secret-abc123' }).ask('x')));
    // A refused token (401 twice).
    errors.push(
      await failure(() =>
        saasClient(sim, {
          tokenProvider: { getToken: () => 'eyJrefused.token.value', invalidate: () => undefined },
        }).ask('x'),
      ),
    );
    // 5xx after retries, with a valid token cached.
    const good = saasClient(sim, { maxRetries: 0 });
    await good.ask('準備');
    sim.fail(1);
    errors.push(await failure(() => good.ask('x')));
    // A mid-stream failure, as an AgentStreamError.
    sim.cut({ afterEvents: 2 });
    errors.push(await failure(() => good.ask('x')));

    const secrets = [
      'sim-very-secret-value-9876',
      'my-wrong-secret-abc123',
      'eyJrefused.token.value',
      ...sim.issuedTokens.map((t) => t.token),
    ];
    expect(ApiCallError.isInstance(errors[0])).toBe(true);
    expect(ApiCallError.isInstance(errors[1])).toBe(true);
    expect(ApiCallError.isInstance(errors[2])).toBe(true);
    expect(AgentStreamError.isInstance(errors[3])).toBe(true);
    for (const error of errors) {
      expect(KakehashiError.isInstance(error)).toBe(true);
      const e = error as KakehashiError & { bodyExcerpt?: string };
      const rendered = [
        e.message,
        String(e),
        JSON.stringify(e),
        e.stack ?? '',
        e.bodyExcerpt ?? '',
        String(e.cause ?? ''),
      ].join('\n');
      for (const secret of secrets) expect(rendered).not.toContain(secret);
    }
  });
});

describe('list iterators validate eagerly', () => {
  it('does not fetch until iterated', async () => {
    const sim = await simulator({ seedConversations: 2 });
    const it = saasClient(sim).listConversations();
    expect(sim.requests).toHaveLength(0);
    expect(await collect(it)).toHaveLength(2);
  });
});
