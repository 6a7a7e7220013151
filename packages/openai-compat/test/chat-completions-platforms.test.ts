/**
 * The handler over the real platform SDKs (`defaultPlatforms`), each against its testkit simulator on
 * loopback HTTP, through the official `openai` client: the same code path for every platform, with
 * sessions continued, the upstream request cancelled when the caller leaves, the upstream keep-alive
 * connection reused after each answer, and platform failures given real HTTP statuses.
 */
import {
  MIIBO_REWRITE_DRAFT,
  type AgenticStarSimulator,
  agenticStarDefaultAnswer,
  CODEER_SIM_DEFAULT_ANSWER,
  CODEER_SIM_UNPUBLISHED_AGENT_ID,
  type CodeerSimulator,
  defaultMiiboAnswer,
  type MiiboSimulator,
  startAgenticStarSimulator,
  startCodeerSimulator,
  startMiiboSimulator,
  simulatorEnv,
} from '@kakehashi/testkit';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCompletionsHandlerOptions } from '../src/index';
import { errorOf, eventually, MOUNTS, type Mount, parseSSE, post, type Served, serve } from './harness';

const MIIBO_KEY = 'sim-miibo-key';
const MIIBO_AGENT = 'sim-miibo-agent';

let agenticstar: AgenticStarSimulator;
let codeer: CodeerSimulator;
let miibo: MiiboSimulator;
const served: Served[] = [];

beforeAll(async () => {
  [agenticstar, codeer, miibo] = await Promise.all([
    startAgenticStarSimulator(),
    startCodeerSimulator(),
    startMiiboSimulator(),
  ]);
});
afterEach(async () => {
  agenticstar.clearFaults();
  codeer.clearFaults();
  miibo.resetKnobs();
  await Promise.all(served.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await Promise.all([agenticstar?.close(), codeer?.close(), miibo?.close()]);
});

function env(): Record<string, string> {
  return { ...simulatorEnv({ agenticstar, codeer, miibo }), MIIBO_API_KEY: MIIBO_KEY, MIIBO_AGENT_ID: MIIBO_AGENT };
}

async function start(options: Partial<ChatCompletionsHandlerOptions> = {}, mount: Mount = 'node'): Promise<Served> {
  const s = await serve({ env: env(), heartbeatMs: 0, maxRetries: 0, ...options }, mount);
  served.push(s);
  return s;
}

const client = (s: Served) => new OpenAI({ baseURL: s.baseURL, apiKey: 'x', maxRetries: 0 });
type Extension = { kakehashi?: Record<string, unknown> };
const QUESTION = '営業時間を教えてください';

const platforms = [
  { model: 'agenticstar', expected: () => agenticStarDefaultAnswer(QUESTION) },
  { model: 'codeer', expected: () => CODEER_SIM_DEFAULT_ANSWER },
  {
    model: 'miibo',
    expected: () => defaultMiiboAnswer({ utterance: QUESTION, uid: 'user-1', agentId: MIIBO_AGENT, body: {} }),
  },
] as const;

describe.each(MOUNTS)('every platform through one code path (%s mount)', (mount) => {
  it.each(platforms)(
    '$model: streamed and whole answers, with the session in the kakehashi field',
    async ({ model, expected }) => {
      const s = await start({}, mount);
      const openai = client(s);
      const stream = await openai.chat.completions.create({
        model,
        stream: true,
        user: 'user-1',
        messages: [
          { role: 'system', content: 'あなたは丁寧なアシスタントです。' },
          { role: 'user', content: QUESTION },
        ],
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(expected());
      expect((chunks[0] as Extension).kakehashi?.provider).toBe(model);
      expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('stop');
      const { data, response } = await openai.chat.completions
        .create({ model, user: 'user-1', messages: [{ role: 'user', content: QUESTION }] })
        .withResponse();
      expect(data.choices[0]!.message.content).toBe(expected());
      expect(response.headers.get('x-kakehashi-provider')).toBe(model);
      const session = (data as Extension).kakehashi?.session;
      expect(session).toMatch(/\S/);
      expect(response.headers.get('x-kakehashi-session')).toBe(encodeURIComponent(session as string));
    },
  );
});

describe('sessions continue on every platform the same way', () => {
  it.each(platforms)(
    '$model: the session sent back as conversation_id continues the conversation',
    async ({ model }) => {
      const s = await start();
      const openai = client(s);
      const first = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: '一つ目' }] });
      const session = (first as Extension).kakehashi?.session as string;
      const second = await openai.chat.completions.create({
        model,
        messages: [
          { role: 'user', content: '一つ目' },
          { role: 'assistant', content: first.choices[0]!.message.content! },
          { role: 'user', content: '二つ目' },
        ],
        // @ts-expect-error kakehashi extension field
        conversation_id: session,
      });
      expect((second as Extension).kakehashi?.session).toBe(session);
    },
  );

  it('AgenticStar gets only the new messages of a continued conversation; Codeer reuses its chat', async () => {
    const s = await start();
    const openai = client(s);
    const first = await openai.chat.completions.create({
      model: 'agenticstar',
      messages: [{ role: 'user', content: '一つ目の質問' }],
    });
    const conversationId = (first as Extension).kakehashi?.session as string;
    await openai.chat.completions.create({
      model: 'agenticstar',
      messages: [
        { role: 'user', content: '一つ目の質問' },
        { role: 'assistant', content: first.choices[0]!.message.content! },
        { role: 'user', content: '二つ目の質問' },
      ],
      metadata: { conversation_id: conversationId },
    });
    const body = agenticstar.chatRequests.at(-1)!.json<Record<string, unknown>>();
    expect(body.conversationId).toBe(conversationId);
    expect(body.messages).toEqual([{ role: 'user', content: '二つ目の質問' }]);

    const chat = await openai.chat.completions.create({ model: 'codeer', messages: [{ role: 'user', content: 'a' }] });
    const chatId = (chat as Extension).kakehashi?.chat_id as string;
    expect((chat as Extension).kakehashi?.session).toBe(chatId);
    const chats = () => codeer.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chats')).length;
    const before = chats();
    await openai.chat.completions.create({
      model: 'codeer',
      messages: [{ role: 'user', content: 'b' }],
      // @ts-expect-error kakehashi extension field
      chat_id: Number(chatId),
    });
    expect(chats()).toBe(before);
    expect(codeer.requests.at(-1)!.path).toContain(`/chats/${chatId}/messages`);
  });

  it('`user` reaches miibo as uid and Codeer as external_user_id; the agent comes from the model', async () => {
    const s = await start();
    const openai = client(s);
    await openai.chat.completions.create({
      model: `miibo/${MIIBO_AGENT}`,
      user: 'shop_user_42',
      messages: [{ role: 'user', content: 'こんにちは' }],
    });
    expect(miibo.requests.at(-1)!.json<Record<string, unknown>>()).toMatchObject({
      uid: 'shop_user_42',
      agent_id: MIIBO_AGENT,
      utterance: 'こんにちは',
    });
    await openai.chat.completions.create({
      model: `codeer/${codeer.agentId}`,
      user: 'shop_user_42',
      messages: [{ role: 'user', content: 'こんにちは' }],
    });
    const created = codeer.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chats')).at(-1)!;
    expect(created.json()).toMatchObject({ agent_id: codeer.agentId, external_user_id: 'shop_user_42' });
  });
});

describe('connections', () => {
  it('finished answers give the upstream connection back to the keep-alive pool', async () => {
    const sim = await startAgenticStarSimulator();
    try {
      const s = await start({
        agenticstar: {
          baseURL: sim.url,
          tokenUrl: sim.tokenUrl,
          clientId: sim.clientId,
          clientSecret: sim.clientSecret,
        },
      });
      const openai = client(s);
      await openai.chat.completions.create({ model: 'agenticstar', messages: [{ role: 'user', content: 'warm-up' }] });
      const before = sim.acceptedConnections;
      for (let i = 0; i < 4; i++) {
        for await (const _ of await openai.chat.completions.create({
          model: 'agenticstar',
          stream: true,
          messages: [{ role: 'user', content: `質問 ${i}` }],
        }))
          void _;
        await openai.chat.completions.create({
          model: 'agenticstar',
          messages: [{ role: 'user', content: `質問 ${i}` }],
        });
      }
      expect(sim.acceptedConnections).toBe(before);
    } finally {
      await sim.close();
    }
  });

  it.each(MOUNTS)('a caller that leaves mid-answer closes the upstream request at once (%s mount)', async (mount) => {
    const s = await start({}, mount);
    agenticstar.stall({ afterEvents: 3 });
    const controller = new AbortController();
    const stream = await client(s).chat.completions.create(
      { model: 'agenticstar', stream: true, messages: [{ role: 'user', content: '長い作業をお願いします' }] },
      { signal: controller.signal },
    );
    let text = '';
    try {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (text !== '') controller.abort();
      }
    } catch {
      // the client may end the loop quietly or throw its abort error
    }
    expect(text).not.toBe('');
    let closed = false;
    void agenticstar.chatRequests.at(-1)!.closed.then(() => (closed = true));
    await eventually(() => closed, 1000, 'the upstream request to close');
    await expect(agenticstar.chatRequests.at(-1)!.closed).resolves.toEqual({ byClient: true });
  });
});

describe('platform failures before the answer get a real HTTP status', () => {
  it.each([true, false])('a platform 5xx is 502 (stream: %s)', async (stream) => {
    const s = await start();
    miibo.fail(1);
    const r = await post(s.url, { model: 'miibo', stream, messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(502);
    expect(errorOf(r.text).type).toBe('server_error');
  });

  it('a platform 429 is 429 with Retry-After', async () => {
    const s = await start();
    agenticstar.rateLimit(1, { target: 'chat', retryAfterSeconds: 3 });
    const r = await post(s.url, { model: 'agenticstar', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('3');
    expect(errorOf(r.text).type).toBe('rate_limit_error');
  });

  it('an unpublished Codeer agent is 404; an unreachable platform 502 without its address', async () => {
    const s = await start();
    const r = await post(s.url, {
      model: `codeer/${CODEER_SIM_UNPUBLISHED_AGENT_ID}`,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(r.status).toBe(404);
    const down = await start({ codeer: { baseURL: 'http://127.0.0.1:9/api/v1', apiKey: 'k', agentId: 'a' } });
    const d = await post(down.url, { model: 'codeer', messages: [{ role: 'user', content: 'hi' }] });
    expect(d.status).toBe(502);
    expect(errorOf(d.text).code).toBe('upstream_unreachable');
    expect(errorOf(d.text).message).not.toContain('127.0.0.1:9');
  });

  it('credentials the platform refuses are 502, and the secret never shows', async () => {
    const s = await start({
      agenticstar: {
        baseURL: agenticstar.url,
        tokenUrl: agenticstar.tokenUrl,
        clientId: agenticstar.clientId,
        clientSecret: 'wrong-secret-value-123',
      },
    });
    const r = await post(s.url, { model: 'agenticstar', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(502);
    expect(r.text).not.toContain('wrong-secret-value-123');
  });

  it.each([
    ['agenticstar', 'AGENTICSTAR_CLIENT_ID'],
    ['codeer/x', 'CODEER_API_KEY'],
    ['miibo/x', 'MIIBO_API_KEY'],
  ])('%s without credentials: 400 naming %s, nothing sent', async (model, variable) => {
    const s = await start({ env: {} });
    const before = agenticstar.requests.length + codeer.requests.length + miibo.requests.length;
    const r = await post(s.url, { model, messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(400);
    expect(errorOf(r.text)).toMatchObject({ code: 'provider_not_configured', param: 'model' });
    expect(errorOf(r.text).message).toContain(variable);
    expect(agenticstar.requests.length + codeer.requests.length + miibo.requests.length).toBe(before);
  });
});

describe('what the SDKs refuse, named in the request', () => {
  it('a bare model without a default agent names the variable; an empty Codeer message and a bad chat_id are 400s', async () => {
    const s = await start({ env: { ...env(), MIIBO_AGENT_ID: '', CODEER_AGENT_ID: '' } });
    for (const stream of [false, true]) {
      const bare = await post(s.url, { model: 'miibo', stream, messages: [{ role: 'user', content: 'hi' }] });
      expect(bare.status).toBe(400);
      expect(errorOf(bare.text)).toMatchObject({ code: 'provider_not_configured', param: 'model' });
      expect(errorOf(bare.text).message).toContain('MIIBO_AGENT_ID');
      const empty = await post(s.url, {
        model: `codeer/${codeer.agentId}`,
        stream,
        messages: [{ role: 'user', content: '' }],
      });
      expect(empty.status).toBe(400);
      expect(errorOf(empty.text).param).toBe('messages');
      const chat = await post(s.url, {
        model: `codeer/${codeer.agentId}`,
        stream,
        chat_id: 'abc',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(chat.status).toBe(400);
      expect(errorOf(chat.text)).toMatchObject({ param: 'chat_id', code: 'invalid_value' });
    }
  });
});

describe('streams as the platforms send them', () => {
  it('a miibo rewrite carries the whole text with kakehashi.text_replace; applying it gives the final answer', async () => {
    const s = await start();
    miibo.configure({ rewrite: true });
    const r = await post(s.url, {
      model: 'miibo',
      stream: true,
      user: 'u-rw',
      messages: [{ role: 'user', content: '調べてください' }],
    });
    const chunks = parseSSE(r.text)
      .data.filter((d) => d !== '[DONE]')
      .map(
        (d) =>
          JSON.parse(d) as {
            choices: Array<{ delta: { content?: string } }>;
            kakehashi?: { text_replace?: boolean; text?: string };
          },
      );
    const expected = defaultMiiboAnswer({ utterance: '調べてください', uid: 'u-rw', agentId: MIIBO_AGENT, body: {} });
    let aware = '';
    let plain = '';
    for (const c of chunks) {
      const piece = c.choices[0]?.delta.content ?? '';
      plain += piece;
      aware = c.kakehashi?.text_replace ? piece : aware + piece;
    }
    expect(aware).toBe(expected);
    expect(plain).toBe(MIIBO_REWRITE_DRAFT + expected);
    expect(chunks.at(-1)!.kakehashi?.text).toBe(expected);
    const whole = await client(s).chat.completions.create({
      model: 'miibo',
      user: 'u-rw',
      messages: [{ role: 'user', content: '調べてください' }],
    });
    expect(whole.choices[0]!.message.content).toBe(expected);
  });

  it('a cut miibo stream is an error streamed (stream-cut) and a 502 whole', async () => {
    const s = await start();
    miibo.configure({ endWithoutFinal: true });
    const r = await post(s.url, { model: 'miibo', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(JSON.parse(parseSSE(r.text).data.at(-1)!).error.code).toBe('stream-cut');
    const whole = await post(s.url, { model: 'miibo', messages: [{ role: 'user', content: 'hi' }] });
    expect(whole.status).toBe(502);
    expect(errorOf(whole.text).code).toBe('stream-cut');
  });

  it('an AgenticStar connection reset mid-answer is an error event without the upstream address', async () => {
    const s = await start();
    agenticstar.reset({ afterEvents: 4 });
    const r = await post(s.url, { model: 'agenticstar', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const last = JSON.parse(parseSSE(r.text).data.at(-1)!) as { error: { message: string } };
    expect(last.error.message).toContain('connection');
    expect(last.error.message).not.toContain('127.0.0.1');
  });
});
