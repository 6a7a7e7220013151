import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MIIBO_GREETING, startMiiboSimulator, type MiiboSimulator, simulatorEnv } from '@kakehashi/testkit';
import {
  AbortError,
  ApiCallError,
  InvalidArgumentError,
  type AgentEvent,
  type AgentTurn,
  type AgentTurnInput,
} from '@kakehashi/sse-core';
import { createMiibo, miiboPlatform, type MiiboSettings } from '@kakehashi/miibo';
import { AGENT_ID, API_KEY, appliedText, collect, rejectionOf } from './helpers';

const ANSWER = 'いらっしゃいませ。架け橋🌉ストアでは、本日「抹茶ラテ」が二割引です。ご注文はお決まりですか?';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let sim: MiiboSimulator;
beforeEach(async () => {
  sim = await startMiiboSimulator({ apiKey: API_KEY, agentId: AGENT_ID, answer: ANSWER });
});
afterEach(() => sim.close());

const agent = (settings: MiiboSettings = {}) =>
  miiboPlatform.createAgent({ baseURL: sim.url, apiKey: API_KEY, agentId: AGENT_ID, env: {}, ...settings });

const ask = (content: string, more: Partial<AgentTurnInput> = {}): AgentTurnInput => ({
  messages: [{ role: 'user', content }],
  ...more,
});

type Body = { utterance: string; uid?: string; agent_id: string; stream?: boolean };
const bodies = () => sim.requests.map((r) => r.json<Body>());

/** Reads the turn up to its first text event, then leaves a read pending. */
async function readToFirstText(turn: AgentTurn): Promise<{ seen: AgentEvent[]; pending: Promise<unknown> }> {
  const seen: AgentEvent[] = [];
  for (;;) {
    const r = await turn.next();
    if (r.done) throw new Error('the turn ended before its first text event');
    seen.push(r.value);
    if (r.value.type === 'text-delta') break;
  }
  const pending = turn.next();
  pending.catch(() => {});
  return { seen, pending };
}

describe('miibo startTurn: batches()', () => {
  it('hands over the events of each network read at once: the same events as the per-event read, byte by byte too', async () => {
    const events = await collect(agent().startTurn(ask('おすすめは?', { session: 'shop_user_001' })));
    const batches = await collect(
      agent()
        .startTurn(ask('おすすめは?', { session: 'shop_user_001' }))
        .batches(),
    );
    expect(batches.every((b) => b.length > 0)).toBe(true);
    expect(batches.flat()).toEqual(events);
    sim.configure({ dataPrefix: true }).split(1);
    const split = await collect(
      agent()
        .startTurn(ask('おすすめは?', { session: 'shop_user_001' }))
        .batches(),
    );
    expect(split.flat()).toEqual(events);
  });

  it('cancel() while a batch read waits rejects it with AbortError and closes the connection', async () => {
    sim.configure({ eventDelayMs: 200 });
    const turn = agent().startTurn(ask('ゆっくり'));
    const batches = turn.batches();
    while (!(await batches.next()).value?.some((e) => e.type === 'text-delta'));
    const pending = batches.next();
    turn.cancel();
    expect(AbortError.isInstance(await rejectionOf(pending))).toBe(true);
    await expect(sim.requests[0]!.closed).resolves.toEqual({ byClient: true });
  });
});

describe('miibo startTurn (the agent contract)', () => {
  it('streams a turn as AgentEvents whose text deltas apply to finish.text (Japanese, byte by byte, data: lines)', async () => {
    const plain = await collect(agent().startTurn(ask('おすすめは?', { session: 'shop_user_001' })));
    expect(plain[0]).toEqual({ type: 'start', provider: 'miibo', uid: 'shop_user_001' });
    expect(plain.at(-1)).toEqual({ type: 'finish', text: ANSWER, reason: 'stop' });
    expect(plain.filter((e) => e.type === 'text-delta').length).toBeGreaterThan(5);
    expect(appliedText(plain)).toBe(ANSWER);
    sim.configure({ dataPrefix: true }).split(1);
    expect(await collect(agent().startTurn(ask('おすすめは?', { session: 'shop_user_001' })))).toEqual(plain);
    expect(bodies()[0]).toEqual({
      api_key: API_KEY,
      agent_id: AGENT_ID,
      utterance: 'おすすめは?',
      uid: 'shop_user_001',
      stream: true,
    });
  });

  it('sends the last user message as the utterance; system messages and the history stay out', async () => {
    const turn = agent({ agentId: 'not-this-agent' }).startTurn({
      messages: [
        { role: 'system', content: '丁寧に答えてください' },
        { role: 'user', content: '営業時間は?' },
        { role: 'assistant', content: '10時から19時です。' },
        { role: 'user', content: '定休日は?' },
      ],
      agentId: AGENT_ID,
    });
    await turn.collect();
    const [request] = sim.requests;
    expect(request!.json<Body>()).toMatchObject({ utterance: '定休日は?', agent_id: AGENT_ID });
    expect(request!.body).not.toContain('丁寧に');
    expect(request!.body).not.toContain('営業時間');
  });

  it('an empty last user message starts a conversation and gets the greeting', async () => {
    const answer = await agent().startTurn(ask('')).collect();
    expect(answer.text).toBe(DEFAULT_MIIBO_GREETING);
    expect(bodies()[0]!.utterance).toBe('');
  });

  it('collect() gives the whole answer with the session', async () => {
    const answer = await agent()
      .startTurn(ask('おすすめは?', { userId: 'shop_user_9' }))
      .collect();
    expect(answer.text).toBe(ANSWER);
    expect(answer.reason).toBe('stop');
    expect(answer.session).toBe('shop_user_9');
    expect(answer.start).toEqual({ type: 'start', provider: 'miibo', uid: 'shop_user_9' });
  });

  it('the session is a uid known before the first read, and the next turn continues the same uid', async () => {
    const miibo = agent();
    const first = miibo.startTurn(ask('こんにちは'));
    const session = first.session();
    expect(session).toMatch(UUID);
    await first.collect();
    const second = miibo.startTurn(ask('続きです', { session: session! }));
    expect(second.session()).toBe(session);
    await second.collect();
    expect(bodies().map((b) => b.uid)).toEqual([session, session]);
    // Without a session the end user's id is the uid; a session wins over it.
    await miibo.startTurn(ask('a', { userId: 'user-7' })).collect();
    await miibo.startTurn(ask('b', { userId: 'user-7', session: 'kept-uid' })).collect();
    expect(
      bodies()
        .map((b) => b.uid)
        .slice(2),
    ).toEqual(['user-7', 'kept-uid']);
    // A new turn without either gets a new uid.
    const third = miibo.startTurn(ask('はじめまして'));
    expect(third.session()).toMatch(UUID);
    expect(third.session()).not.toBe(session);
    third.cancel();
  });

  it('cancel() before the first read sends nothing, and the read rejects with AbortError', async () => {
    const miibo = agent();
    const turn = miibo.startTurn(ask('送られない'));
    turn.cancel();
    turn.cancel();
    expect(AbortError.isInstance(await rejectionOf(turn.next()))).toBe(true);
    expect(await turn.next()).toEqual({ done: true, value: undefined });
    await miibo.startTurn(ask('送られる')).collect();
    expect(bodies().map((b) => b.utterance)).toEqual(['送られる']);
  });

  it('cancel() mid-stream rejects the pending read with AbortError and closes the connection', async () => {
    sim.configure({ eventDelayMs: 200 });
    const turn = agent().startTurn(ask('ゆっくり'));
    const { seen, pending } = await readToFirstText(turn);
    expect(seen[0]!.type).toBe('start');
    turn.cancel();
    expect(AbortError.isInstance(await rejectionOf(pending))).toBe(true);
    await expect(sim.requests[0]!.closed).resolves.toEqual({ byClient: true });
    expect(await turn.next()).toEqual({ done: true, value: undefined });
  });

  it("the caller's signal aborting mid-stream does the same (one signal or a list)", async () => {
    sim.configure({ eventDelayMs: 200 });
    for (const [index, list] of [false, true].entries()) {
      const controller = new AbortController();
      const signal = list ? [new AbortController().signal, controller.signal] : controller.signal;
      const turn = agent().startTurn(ask('ゆっくり'), { signal });
      const { pending } = await readToFirstText(turn);
      controller.abort();
      expect(AbortError.isInstance(await rejectionOf(pending))).toBe(true);
      await expect(sim.requests[index]!.closed).resolves.toEqual({ byClient: true });
    }
  });

  it('a signal aborted before the first read, or a cancel while queued for pacing, sends nothing', async () => {
    const aborted = agent().startTurn(ask('x'), { signal: AbortSignal.abort() });
    expect(AbortError.isInstance(await rejectionOf(aborted.next()))).toBe(true);
    const paced = agent({ minIntervalMs: 60_000 });
    await paced.startTurn(ask('一')).collect();
    const queued = paced.startTurn(ask('二'));
    const read = queued.next();
    read.catch(() => {});
    while (paced.queuedRequests === 0) await new Promise((resolve) => setImmediate(resolve));
    queued.cancel();
    expect(AbortError.isInstance(await rejectionOf(read))).toBe(true);
    expect(paced.queuedRequests).toBe(0);
    expect(bodies().map((b) => b.utterance)).toEqual(['一']);
  });

  it('call options mean what they mean in the SDK: headers, maxRetries, timeouts', async () => {
    await agent()
      .startTurn(ask('x'), { headers: { 'x-trace-id': 'trace-1' } })
      .collect();
    expect(sim.requests[0]!.headers['x-trace-id']).toBe('trace-1');
    sim.fail(); // the next request gets a 5xx
    const failed = await rejectionOf(agent().startTurn(ask('x'), { maxRetries: 0 }).next());
    expect(ApiCallError.isInstance(failed) && failed.status >= 500).toBe(true);
    expect(sim.requests).toHaveLength(2);
    sim.stall(); // the next stream stops writing after some text and stays open
    const events = await collect(agent().startTurn(ask('x'), { timeouts: { idleMs: 150 } }));
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'timeout', retryable: true });
    await expect(sim.requests[2]!.closed).resolves.toEqual({ byClient: true });
  });

  it('a 401 before the first event rejects from the first read, without the key in the error', async () => {
    const wrongKey = 'wrong-agent-key-5a4b3c2d1e';
    const turn = agent({ apiKey: wrongKey }).startTurn(ask('x'));
    const error = await rejectionOf(turn.next());
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).status).toBe(401);
    expect(`${String(error)} ${(error as ApiCallError).bodyExcerpt}`).not.toContain(wrongKey);
    const collected = await rejectionOf(agent({ apiKey: wrongKey }).startTurn(ask('x')).collect());
    expect((collected as ApiCallError).status).toBe(401);
  });

  it('bad input throws InvalidArgumentError synchronously, naming the field, and sends nothing', () => {
    const miibo = agent();
    const user = [{ role: 'user', content: 'x' }];
    const cases: Array<[unknown, unknown, string]> = [
      [undefined, undefined, 'input'],
      [{}, undefined, 'input.messages'],
      [{ messages: 'こんにちは' }, undefined, 'input.messages'],
      [{ messages: [] }, undefined, 'input.messages'],
      [{ messages: [{ role: 'assistant', content: 'x' }] }, undefined, 'input.messages'],
      [{ messages: [{ role: 'tool', content: 'x' }] }, undefined, 'input.messages.0.role'],
      [{ messages: [{ role: 'user', content: 1 }] }, undefined, 'input.messages.0.content'],
      [{ messages: user, session: '' }, undefined, 'input.session'],
      [{ messages: user, session: 42 }, undefined, 'input.session'],
      [{ messages: user, agentId: '' }, undefined, 'input.agentId'],
      [{ messages: user, userId: '' }, undefined, 'input.userId'],
      [{ messages: user, uid: 'u' }, undefined, 'input.uid'],
      [{ messages: user }, { signal: 'stop' }, 'options.signal'],
      [{ messages: user }, { timeouts: { idleMs: -1 } }, 'options.timeouts.idleMs'],
      [{ messages: user }, { maxRetries: -1 }, 'options.maxRetries'],
      [{ messages: user }, { headers: { 'bad header': 'v' } }, 'options.headers.bad header'],
      [{ messages: user }, { retries: 1 }, 'options.retries'],
    ];
    for (const [input, options, field] of cases) {
      let thrown: unknown;
      try {
        miibo.startTurn(input as never, options as never);
      } catch (error) {
        thrown = error;
      }
      expect(InvalidArgumentError.isInstance(thrown), `${field}: ${String(thrown)}`).toBe(true);
      expect((thrown as InvalidArgumentError).argument).toBe(field);
    }
    expect(() => miibo.startTurn({ messages: [{ role: 'assistant', content: 'x' }] })).toThrow(/user message/);
    expect(sim.requests).toHaveLength(0);
  });
});

describe('miiboPlatform', () => {
  it('names the platform and its variables, and makes a miibo agent', () => {
    expect(miiboPlatform.name).toBe('miibo');
    expect(miiboPlatform.title).toBe('miibo');
    expect(miiboPlatform.envVars).toEqual(['MIIBO_API_KEY', 'MIIBO_AGENT_ID', 'MIIBO_BASE_URL', 'MIIBO_ADMIN_API_KEY']);
    const created = miiboPlatform.createAgent({ env: {} });
    expect(created.provider).toBe('miibo');
    expect(created.rewritesText).toBe(true);
    expect(() => miiboPlatform.createAgent({ baseUrl: 'http://x' } as never)).toThrow(InvalidArgumentError);
  });

  it('status() reads the variables (or settings) and sends nothing', () => {
    expect(miiboPlatform.status({ env: {} })).toEqual({ ready: false, missing: 'MIIBO_API_KEY' });
    expect(miiboPlatform.status({ env: { MIIBO_API_KEY: '  ', MIIBO_AGENT_ID: AGENT_ID } })).toEqual({
      ready: false,
      missing: 'MIIBO_API_KEY',
    });
    expect(miiboPlatform.status({ env: { MIIBO_API_KEY: API_KEY } })).toEqual({
      ready: true,
      defaultAgentId: undefined,
      agentOptional: false,
    });
    expect(miiboPlatform.status({ env: { MIIBO_API_KEY: API_KEY, MIIBO_AGENT_ID: ` ${AGENT_ID} ` } })).toEqual({
      ready: true,
      defaultAgentId: AGENT_ID,
      agentOptional: true,
    });
    expect(miiboPlatform.status({ apiKey: API_KEY, agentId: 'from-settings', env: { MIIBO_AGENT_ID: 'env' } })).toEqual(
      { ready: true, defaultAgentId: 'from-settings', agentOptional: true },
    );
    expect(sim.requests).toHaveLength(0);
  });

  it('status() without settings reads process.env', () => {
    const saved = { key: process.env.MIIBO_API_KEY, agent: process.env.MIIBO_AGENT_ID };
    try {
      delete process.env.MIIBO_API_KEY;
      delete process.env.MIIBO_AGENT_ID;
      expect(miiboPlatform.status()).toEqual({ ready: false, missing: 'MIIBO_API_KEY' });
      process.env.MIIBO_API_KEY = API_KEY;
      process.env.MIIBO_AGENT_ID = AGENT_ID;
      expect(miiboPlatform.status()).toEqual({ ready: true, defaultAgentId: AGENT_ID, agentOptional: true });
    } finally {
      for (const [name, value] of [
        ['MIIBO_API_KEY', saved.key],
        ['MIIBO_AGENT_ID', saved.agent],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('createAgent reads the variables from settings.env on first use', async () => {
    const miibo = miiboPlatform.createAgent({
      env: simulatorEnv({ miibo: sim }),
    });
    expect((await miibo.startTurn(ask('環境から')).collect()).text).toBe(ANSWER);
  });
});

describe('MiiboChatStream.cancel()', () => {
  it('closes the connection in the middle of a read, which rejects with AbortError', async () => {
    sim.configure({ eventDelayMs: 200 });
    const stream = await createMiibo({ baseURL: sim.url, apiKey: API_KEY, agentId: AGENT_ID, env: {} }).streamChat({
      utterance: 'ゆっくり',
    });
    const events = stream.agentEvents();
    let first = await events.next();
    while (!first.done && first.value.type !== 'text-delta') first = await events.next();
    const pending = events.next();
    pending.catch(() => {});
    await stream.cancel();
    expect(AbortError.isInstance(await rejectionOf(pending))).toBe(true);
    await expect(sim.requests[0]!.closed).resolves.toEqual({ byClient: true });
  });
});
