import { CodeerApiError, codeerPlatform, createCodeer } from '@kakehashi/codeer';
import {
  AbortError,
  AgentStreamError,
  InvalidArgumentError,
  MissingConfigError,
  applyAgentEvent,
  type AgentCallOptions,
  type AgentEvent,
  type AgentTurn,
  type AgentTurnInput,
} from '@kakehashi/sse-core';
import {
  CODEER_SIM_DEFAULT_ANSWER,
  CODEER_SIM_UNPUBLISHED_AGENT_ID,
  startCodeerSimulator,
  simulatorEnv,
} from '@kakehashi/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collect, rejection, setup, type Setup } from './helpers';

let s: Setup | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await s?.sim.close();
  s = undefined;
});

const QUESTION = '営業時間を教えてください';

/** A conversation as a door hands it over: instructions, an earlier exchange, the new question. */
const conversation: AgentTurnInput['messages'] = [
  { role: 'system', content: '丁寧に答えてください' },
  { role: 'user', content: 'こんにちは' },
  { role: 'assistant', content: 'こんにちは。ご用件をどうぞ。' },
  { role: 'user', content: QUESTION },
];

function textOf(events: AgentEvent[]): string {
  return events.reduce(applyAgentEvent, '');
}

/** The requests that created a chat, and those that sent a message (with the chat id in their path). */
function traffic(sim: Setup['sim']) {
  const created = sim.requests.filter((r) => r.method === 'POST' && /\/chats$/.test(r.path));
  const sent = sim.requests.filter((r) => r.method === 'POST' && /\/chats\/\d+\/messages$/.test(r.path));
  return { created, sent, chatIds: sent.map((r) => Number(r.path.split('/').at(-2))) };
}

/** What the user and the agent said in a chat, as the simulator stored it. */
function said(sim: Setup['sim'], chatId: number): string[] {
  return sim.state
    .chatMessages(chatId)
    .filter((m) => m.role === 'user' || m.role === 'assistant')
    .map((m) => m.content);
}

/** Reads a turn until its first text delta; returns what was read and the iterator, left open. */
async function readToFirstDelta(turn: AgentTurn): Promise<AgentEvent[]> {
  const seen: AgentEvent[] = [];
  for (;;) {
    const r = await turn.next();
    if (r.done) throw new Error('the turn ended before its first text delta');
    seen.push(r.value);
    if (r.value.type === 'text-delta') return seen;
  }
}

describe('startTurn: the agent contract', () => {
  it('streams a turn as AgentEvents whose text deltas add up to finish.text, sending only the last user message', async () => {
    s = await setup();
    const turn = s.codeer.startTurn({ messages: conversation });
    expect(turn.provider).toBe('codeer');
    expect(turn.session()).toBeUndefined();
    const events = await collect(turn);

    expect(events[0]).toMatchObject({ type: 'start', provider: 'codeer' });
    const finish = events.at(-1);
    expect(finish).toMatchObject({ type: 'finish', reason: 'stop', text: CODEER_SIM_DEFAULT_ANSWER });
    expect(textOf(events)).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(events.filter((e) => e.type === 'text-delta').length).toBeGreaterThan(1);
    expect(events.map((e) => e.type)).toContain('step-start');

    const { created, sent, chatIds } = traffic(s.sim);
    expect(created).toHaveLength(1);
    expect(created[0]!.json()).toEqual({ name: '', agent_id: s.sim.agentId });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.json()).toEqual({ message: QUESTION, stream: true, agent_id: s.sim.agentId });
    expect(turn.session()).toBe(String(chatIds[0]));
    expect((events[0] as { chatId?: string }).chatId).toBe(turn.session());
    // System messages and the earlier exchange are not sent: the chat keeps its own history.
    expect(said(s.sim, chatIds[0]!)).toEqual([QUESTION, CODEER_SIM_DEFAULT_ANSWER]);
  });

  it('gives the same answer when every byte arrives in its own write', async () => {
    s = await setup();
    const whole = await collect(s.codeer.startTurn({ messages: conversation }));
    s.sim.split(1);
    const split = await collect(s.codeer.startTurn({ messages: conversation }));
    expect(split.map((e) => e.type)).toEqual(whole.map((e) => e.type));
    expect(split.filter((e) => e.type === 'text-delta')).toEqual(whole.filter((e) => e.type === 'text-delta'));
    expect(textOf(split)).toBe(CODEER_SIM_DEFAULT_ANSWER);
  });

  it('collect() gives the whole answer and its session', async () => {
    s = await setup();
    const answer = await s.codeer.startTurn({ messages: [{ role: 'user', content: QUESTION }] }).collect();
    expect(answer.text).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(answer.reason).toBe('stop');
    expect(answer.title).toBe(`${QUESTION}についての質問`);
    expect(answer.usage?.totalTokens).toBeGreaterThan(0);
    expect(answer.steps.length).toBeGreaterThan(0);
    expect(answer.session).toBe(String(traffic(s.sim).chatIds[0]));
  });

  it("a second turn with the first turn's session continues the same chat", async () => {
    s = await setup();
    const first = s.codeer.startTurn({ messages: [{ role: 'user', content: 'こんにちは' }], userId: 'user-42' });
    await first.collect();
    const session = first.session();
    expect(session).toMatch(/^\d+$/);

    const second = s.codeer.startTurn({
      messages: [
        { role: 'user', content: 'こんにちは' },
        { role: 'assistant', content: CODEER_SIM_DEFAULT_ANSWER },
        { role: 'user', content: QUESTION },
      ],
      session,
      userId: 'user-42',
    });
    expect(second.session()).toBe(session); // known before the first read
    const answer = await second.collect();
    expect(answer.session).toBe(session);

    const { created, sent, chatIds } = traffic(s.sim);
    expect(created).toHaveLength(1);
    expect(created[0]!.json()).toMatchObject({ external_user_id: 'user-42' });
    expect(chatIds).toEqual([Number(session), Number(session)]);
    expect(sent[1]!.json()).toEqual({
      message: QUESTION,
      stream: true,
      agent_id: s.sim.agentId,
      external_user_id: 'user-42',
    });
    expect(said(s.sim, Number(session))).toEqual([
      'こんにちは',
      CODEER_SIM_DEFAULT_ANSWER,
      QUESTION,
      CODEER_SIM_DEFAULT_ANSWER,
    ]);
  });

  it('takes the agent from the input, and knows the session once the chat exists even when the send fails', async () => {
    s = await setup();
    const turn = s.codeer.startTurn({
      messages: [{ role: 'user', content: QUESTION }],
      agentId: CODEER_SIM_UNPUBLISHED_AGENT_ID,
    });
    const error = await rejection(turn.next());
    expect(CodeerApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 404, platformMessage: 'Agent version not found' });
    const { created, chatIds } = traffic(s.sim);
    expect(created[0]!.json()).toMatchObject({ agent_id: CODEER_SIM_UNPUBLISHED_AGENT_ID });
    expect(turn.session()).toBe(String(chatIds[0]));
  });

  it('a 401 before the first event rejects from the first read, without the key in the error', async () => {
    const key = 'ck-wrong-SECRET-0123456789';
    s = await setup({}, { apiKey: key });
    const turn = s.codeer.startTurn({ messages: [{ role: 'user', content: QUESTION }] });
    expect(s.sim.requests).toHaveLength(0); // nothing is sent before the first read
    const error = await rejection(turn.next());
    expect(CodeerApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 401, code: 10001, reason: 'permission-denied' });
    expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain(key);
    expect(turn.session()).toBeUndefined();
  });

  it('a missing agent rejects from the first read naming CODEER_AGENT_ID, with nothing sent', async () => {
    vi.stubEnv('CODEER_AGENT_ID', '');
    const sim = await startCodeerSimulator();
    s = { sim, codeer: createCodeer({ apiKey: sim.apiKey, baseURL: sim.url }) };
    const turn = s.codeer.startTurn({ messages: [{ role: 'user', content: QUESTION }] });
    const error = await rejection(turn.collect());
    expect(MissingConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ envVar: 'CODEER_AGENT_ID' });
    expect(sim.requests).toHaveLength(0);
  });

  it('a connection cut mid-turn ends with an error event; collect() keeps the partial text', async () => {
    s = await setup();
    s.sim.stall();
    const turn = s.codeer.startTurn({ messages: [{ role: 'user', content: QUESTION }] });
    const seen = await readToFirstDelta(turn);
    const closing = s.sim.close();
    const rest = await collect(turn);
    await closing;
    expect(rest).toHaveLength(1);
    expect(rest[0]).toMatchObject({ type: 'error', retryable: true });
    expect(textOf(seen)).toBe(CODEER_SIM_DEFAULT_ANSWER.slice(0, textOf(seen).length));

    const sim = await startCodeerSimulator();
    s = { sim, codeer: createCodeer({ apiKey: sim.apiKey, baseURL: sim.url, agentId: sim.agentId }) };
    sim.stall();
    const cut = s.codeer.startTurn({ messages: [{ role: 'user', content: QUESTION }] }, { timeouts: { idleMs: 50 } });
    const error = await rejection(cut.collect());
    expect(AgentStreamError.isInstance(error)).toBe(true);
    expect((error as AgentStreamError).partialText.length).toBeGreaterThan(0);
    expect(CODEER_SIM_DEFAULT_ANSWER.startsWith((error as AgentStreamError).partialText)).toBe(true);
    await expect(sim.requests.at(-1)!.closed).resolves.toEqual({ byClient: true });
  });
});

describe('startTurn: batches()', () => {
  it('hands over the events of each network read at once: the same events as the per-event read, byte by byte too', async () => {
    s = await setup();
    const events = await collect(s.codeer.startTurn({ messages: conversation }));
    const batches = await collect(s.codeer.startTurn({ messages: conversation }).batches());
    expect(batches.every((b) => b.length > 0)).toBe(true);
    expect(batches.flat().map((e) => e.type)).toEqual(events.map((e) => e.type));
    expect(textOf(batches.flat())).toBe(CODEER_SIM_DEFAULT_ANSWER);
    s.sim.split(1);
    const split = await collect(s.codeer.startTurn({ messages: conversation }).batches());
    expect(textOf(split.flat())).toBe(CODEER_SIM_DEFAULT_ANSWER);
  });

  it('cancel() while a batch read waits rejects it with AbortError and closes the connection', async () => {
    s = await setup();
    s.sim.stall();
    const turn = s.codeer.startTurn({ messages: [{ role: 'user', content: QUESTION }] });
    const batches = turn.batches();
    while (!(await batches.next()).value?.some((e) => e.type === 'text-delta'));
    const pending = batches.next();
    turn.cancel();
    expect(AbortError.isInstance(await rejection(pending))).toBe(true);
    await expect(s.sim.requests.at(-1)!.closed).resolves.toEqual({ byClient: true });
  });
});

describe('startTurn: cancellation', () => {
  it('cancel() before the first read sends nothing', async () => {
    s = await setup();
    const turn = s.codeer.startTurn({ messages: [{ role: 'user', content: QUESTION }] });
    turn.cancel();
    turn.cancel(); // safe twice
    const error = await rejection(turn.next());
    expect(AbortError.isInstance(error)).toBe(true);
    expect(await turn.next()).toEqual({ done: true, value: undefined });
    const other = s.codeer.startTurn({ messages: [{ role: 'user', content: QUESTION }] });
    other.cancel();
    expect(AbortError.isInstance(await rejection(other.collect()))).toBe(true);
    expect(s.sim.requests).toHaveLength(0);
  });

  it('an already aborted signal sends nothing', async () => {
    s = await setup();
    const turn = s.codeer.startTurn(
      { messages: [{ role: 'user', content: QUESTION }] },
      { signal: AbortSignal.abort() },
    );
    expect(AbortError.isInstance(await rejection(turn.next()))).toBe(true);
    expect(s.sim.requests).toHaveLength(0);
  });

  it('cancel() mid-stream rejects the pending read with AbortError and closes the connection', async () => {
    s = await setup();
    // The stream stops after its first text delta and stays open: the next read is certainly pending.
    s.sim.stall();
    const turn = s.codeer.startTurn({ messages: [{ role: 'user', content: QUESTION }] });
    const seen = await readToFirstDelta(turn);
    expect(seen[0]).toMatchObject({ type: 'start' });
    const pending = turn.next();
    turn.cancel();
    expect(AbortError.isInstance(await rejection(pending))).toBe(true);
    await expect(s.sim.requests.at(-1)!.closed).resolves.toEqual({ byClient: true });
    expect(await turn.next()).toEqual({ done: true, value: undefined });
  });

  it("a caller's signal aborting mid-stream does the same (one signal or a list)", async () => {
    s = await setup();
    for (const list of [false, true]) {
      s.sim.stall();
      const controller = new AbortController();
      const signal: AgentCallOptions['signal'] = list
        ? [new AbortController().signal, controller.signal]
        : controller.signal;
      const turn = s.codeer.startTurn({ messages: [{ role: 'user', content: QUESTION }] }, { signal });
      await readToFirstDelta(turn);
      const pending = turn.next();
      controller.abort();
      expect(AbortError.isInstance(await rejection(pending))).toBe(true);
      await expect(s.sim.requests.at(-1)!.closed).resolves.toEqual({ byClient: true });
    }
  });

  it('cancel() while the chat is being created aborts it and sends no message', async () => {
    s = await setup();
    const turn = s.codeer.startTurn({ messages: [{ role: 'user', content: QUESTION }] });
    const first = turn.next();
    turn.cancel();
    expect(AbortError.isInstance(await rejection(first))).toBe(true);
    expect(traffic(s.sim).sent).toHaveLength(0);
  });

  it('stream.cancel() on a streamChat stream rejects the pending read and closes the connection', async () => {
    s = await setup();
    s.sim.stall();
    const stream = await s.codeer.streamChat({ message: QUESTION });
    const events = stream.agentEvents();
    for (;;) {
      const r = await events.next();
      if (r.done || r.value.type === 'text-delta') break;
    }
    const pending = events.next();
    void stream.cancel();
    expect(AbortError.isInstance(await rejection(pending))).toBe(true);
    await expect(s.sim.requests.at(-1)!.closed).resolves.toEqual({ byClient: true });
  });
});

describe('startTurn: bad input', () => {
  it('throws InvalidArgumentError at once, naming the field, with nothing sent', async () => {
    s = await setup();
    const user = { role: 'user', content: QUESTION } as const;
    const cases: Array<[AgentTurnInput, AgentCallOptions | undefined, string]> = [
      [{} as AgentTurnInput, undefined, 'input.messages'],
      [{ messages: [] }, undefined, 'input.messages'],
      [{ messages: [{ role: 'system', content: 'x' }] }, undefined, 'input.messages'],
      [
        { messages: [user, { role: 'assistant', content: 'a' }, { role: 'user', content: '  ' }] },
        undefined,
        'input.messages.2.content',
      ],
      [{ messages: [{ role: 'tool', content: 'x' } as never] }, undefined, 'input.messages.0.role'],
      [{ messages: [{ role: 'user', content: 42 } as never] }, undefined, 'input.messages.0.content'],
      [{ messages: [user], session: 'chat-1' }, undefined, 'input.session'],
      [{ messages: [user], session: '0' }, undefined, 'input.session'],
      [{ messages: [user], session: 12 as never }, undefined, 'input.session'],
      [{ messages: [user], agentId: 'a/b' }, undefined, 'input.agentId'],
      [{ messages: [user], userId: '' }, undefined, 'input.userId'],
      [{ messages: [user], chatId: 1 } as never, undefined, 'input'],
      [{ messages: [user] }, { maxRetries: -1 }, 'options.maxRetries'],
      [{ messages: [user] }, { signal: 'stop' as never }, 'options.signal'],
      [{ messages: [user] }, { timeouts: { idleMs: -5 } }, 'options.timeouts.idleMs'],
      [{ messages: [user] }, { headers: { 'bad header': 'x' } }, 'options.headers.bad header'],
      [{ messages: [user] }, { headers: { 'x-ok': 'a\r\nb' } }, 'options.headers.x-ok'],
      [{ messages: [user] }, { retries: 1 } as never, 'options'],
    ];
    for (const [input, options, field] of cases) {
      let error: unknown;
      try {
        s.codeer.startTurn(input, options);
      } catch (e) {
        error = e;
      }
      expect(InvalidArgumentError.isInstance(error), `${field}: ${String(error)}`).toBe(true);
      expect((error as InvalidArgumentError).argument, String(error)).toBe(field);
    }
    expect(s.sim.requests).toHaveLength(0);
  });
});

describe('codeerPlatform', () => {
  it('names the platform and its variables', () => {
    expect(codeerPlatform.name).toBe('codeer');
    expect(codeerPlatform.title).toBe('Codeer');
    expect(codeerPlatform.envVars).toEqual(['CODEER_API_KEY', 'CODEER_BASE_URL', 'CODEER_AGENT_ID']);
  });

  it('status() reads the settings or the environment, and sends nothing', () => {
    expect(codeerPlatform.status({ env: {} })).toEqual({ ready: false, missing: 'CODEER_API_KEY' });
    expect(codeerPlatform.status({ env: { CODEER_API_KEY: '  ', CODEER_AGENT_ID: 'a' } })).toEqual({
      ready: false,
      missing: 'CODEER_API_KEY',
    });
    expect(codeerPlatform.status({ env: { CODEER_API_KEY: 'k' } })).toEqual({
      ready: true,
      defaultAgentId: undefined,
      agentOptional: false,
    });
    expect(codeerPlatform.status({ env: { CODEER_API_KEY: 'k', CODEER_AGENT_ID: ' agent-1 ' } })).toEqual({
      ready: true,
      defaultAgentId: 'agent-1',
      agentOptional: true,
    });
    expect(codeerPlatform.status({ apiKey: 'k', agentId: 'agent-2', env: { CODEER_AGENT_ID: 'agent-1' } })).toEqual({
      ready: true,
      defaultAgentId: 'agent-2',
      agentOptional: true,
    });

    vi.stubEnv('CODEER_API_KEY', '');
    vi.stubEnv('CODEER_AGENT_ID', '');
    expect(codeerPlatform.status()).toEqual({ ready: false, missing: 'CODEER_API_KEY' });
    vi.stubEnv('CODEER_API_KEY', 'from-process-env');
    vi.stubEnv('CODEER_AGENT_ID', 'agent-3');
    expect(codeerPlatform.status()).toEqual({ ready: true, defaultAgentId: 'agent-3', agentOptional: true });
    expect(codeerPlatform.status({})).toEqual({ ready: true, defaultAgentId: 'agent-3', agentOptional: true });
  });

  it('createAgent() makes an agent that reads its env record on first use', async () => {
    const sim = await startCodeerSimulator();
    s = { sim, codeer: createCodeer() };
    const env: Record<string, string | undefined> = {};
    const agent = codeerPlatform.createAgent({ env });
    expect(agent.provider).toBe('codeer');
    Object.assign(env, simulatorEnv({ codeer: sim }));
    const answer = await agent.startTurn({ messages: [{ role: 'user', content: QUESTION }] }).collect();
    expect(answer.text).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(sim.requests[0]!.headers['x-api-key']).toBe(sim.apiKey);
    expect(traffic(sim).created[0]!.json()).toMatchObject({ agent_id: sim.agentId });
  });

  it('createAgent() checks its settings at once', () => {
    expect(() => codeerPlatform.createAgent({ env: 'CODEER_API_KEY=x' as never })).toThrow(/settings\.env/);
    expect(() => codeerPlatform.createAgent({ env: { CODEER_API_KEY: 1 } as never })).toThrow(/settings\.env/);
    expect(() => codeerPlatform.createAgent({ baseURL: 'not a url' })).toThrow(/settings\.baseURL/);
  });
});
