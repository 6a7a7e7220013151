/**
 * Validation, configuration and upstream failures of the gateway: OpenAI-style error bodies with the
 * right status, naming the field or the missing variable; and `GET /v1/models`.
 */
import { CODEER_SIM_UNPUBLISHED_AGENT_ID } from '@kakehashi/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatCompletionsHandler } from '@kakehashi/openai-compat';
import {
  MIIBO_TEST_AGENT,
  simulatorEnv,
  startGateway,
  startSimulators,
  type Gateway,
  type Simulators,
} from './chat-completions-harness';

let sims: Simulators;
let gw: Gateway;

beforeAll(async () => {
  sims = await startSimulators();
  gw = await startGateway({ env: simulatorEnv(sims) });
});
afterAll(async () => {
  await gw?.close();
  await sims?.close();
});

async function post(body: unknown, base = gw.baseURL, init: RequestInit = {}) {
  const res = await fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    json: JSON.parse(text) as { error: { message: string; type: string; param: string | null; code: string | null } },
  };
}

const user = (content: unknown) => [{ role: 'user', content }];

describe('request validation (400, OpenAI error naming the field)', () => {
  it.each([
    ['missing messages', { model: 'codeer' }, 'messages', 'missing_required_parameter'],
    ['missing model', { messages: user('hi') }, 'model', 'missing_required_parameter'],
    ['model of the wrong type', { model: 42, messages: user('hi') }, 'model', 'invalid_type'],
    ['empty messages', { model: 'codeer', messages: [] }, 'messages', 'invalid_value'],
    [
      'a bad role',
      { model: 'codeer', messages: [{ role: 'robot', content: 'hi' }] },
      'messages[0].role',
      'invalid_value',
    ],
    [
      'content of the wrong type',
      { model: 'codeer', messages: [{ role: 'user', content: 5 }] },
      'messages[0].content',
      'invalid_type',
    ],
    [
      'an image part',
      { model: 'codeer', messages: user([{ type: 'image_url', image_url: { url: 'data:,' } }]) },
      'messages[0].content[0].type',
      'unsupported_value',
    ],
    ['n > 1', { model: 'codeer', n: 2, messages: user('hi') }, 'n', 'unsupported_value'],
    ['stream not a boolean', { model: 'codeer', stream: 'yes', messages: user('hi') }, 'stream', 'invalid_type'],
    ['an empty user', { model: 'miibo', user: '', messages: user('hi') }, 'user', 'invalid_value'],
    [
      'no user text for Codeer',
      { model: 'codeer', messages: [{ role: 'system', content: 'be nice' }] },
      'messages',
      'invalid_value',
    ],
    [
      'a chat_id Codeer cannot use',
      { model: 'codeer', chat_id: 'abc', messages: user('hi') },
      'chat_id',
      'invalid_value',
    ],
  ])('%s', async (_name, body, param, code) => {
    const r = await post(body);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ type: 'invalid_request_error', param, code });
    expect(r.json.error.message).toContain(param);
  });

  it('a body that is not JSON', async () => {
    const r = await post('{"model": "codeer",');
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
  });

  it('a body over the limit is refused with 413', async () => {
    const small = await startGateway({ env: simulatorEnv(sims), maxBodyBytes: 1000 });
    try {
      const r = await post({ model: 'codeer', messages: user('あ'.repeat(2000)) }, small.baseURL);
      expect(r.status).toBe(413);
      expect(r.json.error.code).toBe('request_too_large');
    } finally {
      await small.close();
    }
  });

  it('the official client sees a BadRequestError with param', async () => {
    const openai = new OpenAI({ baseURL: gw.baseURL, apiKey: 'x', maxRetries: 0 });
    await expect(
      openai.chat.completions.create({ model: 'codeer', messages: [{ role: 'user', content: '' }] }),
    ).rejects.toMatchObject({
      status: 400,
      param: 'messages',
    });
  });

  it('other methods get 405', async () => {
    const res = await fetch(`${gw.baseURL}/chat/completions`, { method: 'GET' }).catch(() => undefined);
    // Hono answers 404 for an unrouted GET; the handler itself answers 405:
    const direct = await gw.handler.completions(new Request('http://x/v1/chat/completions', { method: 'GET' }));
    expect(direct.status).toBe(405);
    expect(direct.headers.get('allow')).toBe('POST');
    expect(res?.status).toBe(404);
  });
});

describe('models', () => {
  it('an unknown model is 404 model_not_found', async () => {
    const r = await post({ model: 'gpt-4o', messages: user('hi') });
    expect(r.status).toBe(404);
    expect(r.json.error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'model_not_found' });
    const openai = new OpenAI({ baseURL: gw.baseURL, apiKey: 'x', maxRetries: 0 });
    await expect(
      openai.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('an empty agent id is 400', async () => {
    const r = await post({ model: 'miibo/', messages: user('hi') });
    expect(r.status).toBe(400);
    expect(r.json.error.param).toBe('model');
  });

  it('GET /v1/models lists the configured platforms and their default agents', async () => {
    const openai = new OpenAI({ baseURL: gw.baseURL, apiKey: 'x', maxRetries: 0 });
    const list = [];
    for await (const m of openai.models.list()) list.push(m);
    expect(list.map((m) => m.id)).toEqual([
      'agenticstar',
      'codeer',
      `codeer/${sims.codeer.agentId}`,
      'miibo',
      `miibo/${MIIBO_TEST_AGENT}`,
    ]);
    expect(list[0]).toMatchObject({ object: 'model', owned_by: 'agenticstar' });
    expect(typeof list[0]!.created).toBe('number');
  });

  it('lists extra agents, leaves out unconfigured platforms, and the bare name only with a default agent', async () => {
    const env = { CODEER_API_KEY: 'k', MIIBO_API_KEY: 'k', AGENTICSTAR_AGENT_ID: 'a1' };
    const handler = createChatCompletionsHandler({ env, models: { codeer: ['c-1', 'c-2'], agenticstar: ['a2'] } });
    const body = (await (await handler.models(new Request('http://x/v1/models'))).json()) as {
      object: string;
      data: Array<{ id: string }>;
    };
    expect(body.object).toBe('list');
    // AgenticStar has no credentials: not listed even with agents; miibo has no agent: nothing to list.
    expect(body.data.map((m) => m.id)).toEqual(['codeer/c-1', 'codeer/c-2']);
  });

  it('a platform switched off is not listed and its models are 404', async () => {
    const off = await startGateway({ env: simulatorEnv(sims), miibo: false });
    try {
      const body = (await (await fetch(`${off.baseURL}/models`)).json()) as { data: Array<{ id: string }> };
      expect(body.data.some((m) => m.id.startsWith('miibo'))).toBe(false);
      const r = await post({ model: 'miibo', messages: user('hi') }, off.baseURL);
      expect(r.status).toBe(404);
      expect(r.json.error.code).toBe('model_not_found');
    } finally {
      await off.close();
    }
  });
});

describe('configuration', () => {
  it.each([
    ['agenticstar', 'AGENTICSTAR_CLIENT_ID'],
    ['codeer/x', 'CODEER_API_KEY'],
    ['miibo/x', 'MIIBO_API_KEY'],
  ])('%s without credentials: 400 naming %s, nothing sent', async (model, envVar) => {
    const bare = await startGateway({ env: {} });
    try {
      const before = sims.agenticstar.requests.length + sims.codeer.requests.length + sims.miibo.requests.length;
      const r = await post({ model, messages: user('hi') }, bare.baseURL);
      expect(r.status).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'provider_not_configured', param: 'model' });
      expect(r.json.error.message).toContain(envVar);
      expect(sims.agenticstar.requests.length + sims.codeer.requests.length + sims.miibo.requests.length).toBe(before);
      const models = (await (await fetch(`${bare.baseURL}/models`)).json()) as { data: unknown[] };
      expect(models.data).toEqual([]);
    } finally {
      await bare.close();
    }
  });

  it('a bare miibo model without MIIBO_AGENT_ID names that variable', async () => {
    const { MIIBO_AGENT_ID: _agentId, ...withoutAgent } = simulatorEnv({ miibo: sims.miibo });
    const noAgent = await startGateway({ env: withoutAgent });
    try {
      const r = await post({ model: 'miibo', messages: user('hi') }, noAgent.baseURL);
      expect(r.status).toBe(400);
      expect(r.json.error.message).toContain('MIIBO_AGENT_ID');
    } finally {
      await noAgent.close();
    }
  });

  it('bad handler options fail fast, naming the option', () => {
    expect(() => createChatCompletionsHandler({ heartbeatMs: -1 })).toThrow(/options\.heartbeatMs/);
    expect(() => createChatCompletionsHandler({ bogus: true } as never)).toThrow(/bogus/);
  });
});

describe('upstream failures before the answer starts get a real HTTP status', () => {
  let strict: Gateway;
  beforeAll(async () => {
    strict = await startGateway({
      env: simulatorEnv(sims),
      agenticstar: { maxRetries: 0 },
      codeer: { maxRetries: 0 },
      miibo: { maxRetries: 0 },
    });
  });
  afterAll(() => strict?.close());

  it.each([true, false])('a platform 5xx is 502 (stream: %s)', async (stream) => {
    sims.miibo.fail(1, { status: 500 });
    const r = await post({ model: 'miibo', stream, messages: user('hi') }, strict.baseURL);
    expect(r.status).toBe(502);
    expect(r.json.error).toMatchObject({ type: 'server_error' });
    expect(r.headers.get('content-type')).toContain('application/json');
  });

  it('a platform 429 is 429 with Retry-After', async () => {
    sims.agenticstar.rateLimit(1, { target: 'chat', retryAfterSeconds: 3 });
    const r = await post({ model: 'agenticstar', stream: true, messages: user('hi') }, strict.baseURL);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('3');
    expect(r.json.error.type).toBe('rate_limit_error');
  });

  it('an unpublished Codeer agent is 404', async () => {
    const r = await post(
      { model: `codeer/${CODEER_SIM_UNPUBLISHED_AGENT_ID}`, stream: true, messages: user('hi') },
      strict.baseURL,
    );
    expect(r.status).toBe(404);
    expect(r.json.error.message).toMatch(/not found/i);
  });

  it('credentials the platform refuses are 502, and the secret never shows', async () => {
    const wrong = await startGateway({
      env: { ...simulatorEnv({ agenticstar: sims.agenticstar }), AGENTICSTAR_CLIENT_SECRET: 'wrong-secret-value-123' },
      agenticstar: { maxRetries: 0 },
    });
    try {
      const r = await post({ model: 'agenticstar', stream: true, messages: user('hi') }, wrong.baseURL);
      expect(r.status).toBe(502);
      expect(JSON.stringify(r.json)).not.toContain('wrong-secret-value-123');
    } finally {
      await wrong.close();
    }
  });

  it('an unreachable platform is 502 without its address', async () => {
    const down = await startGateway({
      codeer: { baseURL: 'http://127.0.0.1:9/api/v1', apiKey: 'k', agentId: 'a', maxRetries: 0 },
    });
    try {
      const r = await post({ model: 'codeer', messages: user('hi') }, down.baseURL);
      expect(r.status).toBe(502);
      expect(r.json.error.code).toBe('upstream_unreachable');
      expect(r.json.error.message).not.toContain('127.0.0.1:9');
    } finally {
      await down.close();
    }
  });
});
