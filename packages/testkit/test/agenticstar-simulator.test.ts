import { afterEach, describe, expect, it } from 'vitest';
import { startAgenticStarSimulator, type AgenticStarSimulator } from '../src/index';

let sim: AgenticStarSimulator;
afterEach(() => sim?.close());

async function saasToken(s: AgenticStarSimulator): Promise<string> {
  const res = await fetch(s.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: s.clientId,
      client_secret: s.clientSecret,
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

function chat(s: AgenticStarSimulator, token: string | undefined, body: unknown): Promise<Response> {
  return fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

const hello = { model: 'AGENTIC STAR', stream: true, messages: [{ role: 'user', content: 'こんにちは' }] };

function dataEvents(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice(6))
    .map((d) => (d === '[DONE]' ? d : JSON.parse(d)));
}

describe('startAgenticStarSimulator', () => {
  it('issues SaaS tokens (form body) and Marketplace tokens (JSON body) as documented', async () => {
    sim = await startAgenticStarSimulator({ tokenLifetimeSeconds: 120 });
    const saas = await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sim.clientId,
        client_secret: sim.clientSecret,
      }),
    });
    expect(await saas.json()).toEqual({
      access_token: expect.stringMatching(/^eyJ/),
      token_type: 'Bearer',
      expires_in: 120,
    });
    const mp = await fetch(sim.marketplaceTokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: sim.clientId, client_secret: sim.clientSecret }),
    });
    expect(await mp.json()).toEqual({
      success: true,
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 1800,
      scope: 'openid',
    });
    const wrong = await fetch(sim.marketplaceTokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"client_id":"x","client_secret":"y"}',
    });
    expect(wrong.status).toBe(401);
    const formToMp = await fetch(sim.marketplaceTokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=b',
    });
    expect(formToMp.status).toBe(400);
    expect(sim.tokenRequests).toHaveLength(4);
    expect(sim.issuedTokens.map((t) => t.edition)).toEqual(['saas', 'marketplace']);
  });

  it('configure({ key: undefined }) restores the option as started: the scripted answer goes back to the default', async () => {
    sim = await startAgenticStarSimulator({ answer: '最初の答え' });
    const token = await saasToken(sim);
    const contents = async () =>
      dataEvents(await (await chat(sim, token, hello)).text())
        .map((e) =>
          e === '[DONE]'
            ? ''
            : ((e as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? ''),
        )
        .join('');
    sim.configure({ script: [{ content: '台本の答え' }], finishReason: 'length' });
    expect(await contents()).toBe('台本の答え');
    sim.configure({ script: undefined, finishReason: undefined });
    expect(await contents()).toBe('最初の答え');
    expect(sim.chatRequests).toHaveLength(2);
  });

  it('streams the documented SSE wire format', async () => {
    sim = await startAgenticStarSimulator({ answer: '晴れです。' });
    const res = await chat(sim, await saasToken(sim), hello);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const text = await res.text();
    expect(text.startsWith(': connected\n\n')).toBe(true);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = dataEvents(text) as Array<{
      createdAt: string;
      model: string;
      choices: Array<{ index: number; delta: Record<string, unknown>; finishReason?: string }>;
    }>;
    expect(events[0]).toEqual({
      createdAt: expect.stringMatching(/^2026-03-14T/),
      model: 'AGENTIC STAR',
      choices: [
        {
          index: 0,
          delta: { role: 'assistant', messageInfo: { conversationId: 'conv-000001', messageId: 'msg-000001' } },
        },
      ],
    });
    const content = events
      .slice(0, -1)
      .map((e) => e.choices[0]!.delta.content ?? '')
      .join('');
    expect(content).toBe('晴れです。');
    const final = events.at(-2)!;
    expect(final.choices[0]).toEqual({ index: 0, delta: {}, finishReason: 'stop' });
    const tasks = events.flatMap((e) => (e.choices?.[0]?.delta.tasks as Array<Record<string, unknown>>) ?? []);
    expect(tasks[0]).toEqual({
      messageId: 'msg-000001',
      conversationId: 'conv-000001',
      actionType: 'execute',
      callId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: '情報収集',
      status: 'running',
      timestamp: expect.any(Number),
    });
  });

  it('refuses missing, unknown and revoked tokens with 401', async () => {
    sim = await startAgenticStarSimulator();
    expect((await chat(sim, undefined, hello)).status).toBe(401);
    expect((await chat(sim, 'bogus', hello)).status).toBe(401);
    const token = await saasToken(sim);
    expect((await chat(sim, token, hello)).status).toBe(200);
    expect(sim.rotateTokens()).toBe(1);
    expect((await chat(sim, token, hello)).status).toBe(401);
    expect((await chat(sim, await saasToken(sim), hello)).status).toBe(200);
  });

  it('requires agentId with a Marketplace token', async () => {
    sim = await startAgenticStarSimulator();
    const res = await fetch(sim.marketplaceTokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: sim.clientId, client_secret: sim.clientSecret }),
    });
    const { access_token: token } = (await res.json()) as { access_token: string };
    expect((await chat(sim, token, hello)).status).toBe(400);
    expect((await chat(sim, token, { ...hello, agentId: 'agent-ai-bot' })).status).toBe(200);
  });

  it('sends heartbeats during idle steps, and splits writes on request (same bytes)', async () => {
    const options = { heartbeatIntervalMs: 10, script: [{ wait: 35 }, { content: 'あいう' }] };
    sim = await startAgenticStarSimulator(options);
    const text = await (await chat(sim, await saasToken(sim), hello)).text();
    expect(text.match(/: heartbeat\n\n/g)).toHaveLength(3);
    await sim.close();
    sim = await startAgenticStarSimulator(options);
    sim.split(1);
    const res = await chat(sim, await saasToken(sim), hello);
    const decoder = new TextDecoder();
    let reads = 0;
    let split = '';
    const reader = res.body!.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      reads++;
      split += decoder.decode(r.value, { stream: true });
    }
    expect(split + decoder.decode()).toBe(text);
    expect(reads).toBeGreaterThan(1);
  });

  it('pages conversations by cursor', async () => {
    sim = await startAgenticStarSimulator({ seedConversations: 3 });
    const token = await saasToken(sim);
    const get = async (q: string) =>
      (
        await fetch(`${sim.url}/v1/conversations${q}`, { headers: { authorization: `Bearer ${token}` } })
      ).json() as Promise<Record<string, unknown>>;
    const first = await get('?limit=2');
    expect(first).toMatchObject({ hasMore: true, cursor: '2026-03-14T10:30:01.000Z' });
    expect((first.conversations as unknown[]).length).toBe(2);
    const second = await get(`?limit=2&cursor=${encodeURIComponent(first.cursor as string)}`);
    expect(second).toMatchObject({
      hasMore: false,
      cursor: null,
      conversations: [{ conversationId: 'conv-seed-0001' }],
    });
  });

  it('applies rate-limit and failure knobs to the next requests only', async () => {
    sim = await startAgenticStarSimulator();
    const token = await saasToken(sim);
    sim.rateLimit(1, { retryAfterSeconds: 2 }).fail(1, { status: 502 });
    const limited = await chat(sim, token, hello);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await chat(sim, token, hello)).status).toBe(502);
    expect((await chat(sim, token, hello)).status).toBe(200);
  });

  it('rejects unknown options and non-loopback hosts', async () => {
    await expect(startAgenticStarSimulator({ bogus: 1 } as never)).rejects.toThrow(/unknown option "bogus"/);
    await expect(startAgenticStarSimulator({ host: '0.0.0.0' })).rejects.toThrow(/not a loopback address/);
  });
});
