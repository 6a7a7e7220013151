/**
 * The agent contract (`startTurn`) and the platform object (`agenticStarPlatform`), through the public
 * API, against the AgenticStar simulator on loopback.
 */
import { simulatorEnv } from '@kakehashi/testkit';
import {
  AbortError,
  AgentStreamError,
  ApiCallError,
  InvalidArgumentError,
  type AgentEvent,
  type AgentTurnInput,
  type ChatAgent,
} from '@kakehashi/sse-core';
import { afterEach, describe, expect, it } from 'vitest';
import { agenticStarPlatform, type AgenticStarSettings } from '@kakehashi/agenticstar';
import { appliedText, failure, saasClient, simulator } from './helpers';

async function readAll(turn: AsyncIterable<AgentEvent>): Promise<AgentEvent[]> {
  const events: AgentEvent[] = [];
  for await (const event of turn) events.push(event);
  return events;
}

function expectInvalid(thrown: () => unknown, argument: string): void {
  let error: unknown;
  try {
    thrown();
  } catch (e) {
    error = e;
  }
  expect(InvalidArgumentError.isInstance(error), `${argument}: ${String(error)}`).toBe(true);
  expect((error as InvalidArgumentError).argument).toBe(argument);
}

/** A script that sends some text and then pauses for a minute (cut short when the connection closes). */
const SLOW = [{ content: '最初の一文。' }, { wait: 60_000 }, { content: '届かない続き。' }];

describe('startTurn: a streamed turn', () => {
  it('reads as AgentEvents whose text deltas make finish.text (Japanese, 3-byte writes)', async () => {
    const sim = await simulator({ answer: '東京は晴れ、気温は二十度です。🍣' });
    sim.split(3); // splits every multibyte character
    const turn = saasClient(sim).startTurn({
      messages: [
        { role: 'system', content: '丁寧に答えてください。' },
        { role: 'user', content: '' },
        { role: 'user', content: '東京の天気は?' },
      ],
    });
    expect(turn.provider).toBe('agenticstar');
    expect(turn.session()).toBeUndefined();
    expect(sim.requests).toHaveLength(0); // nothing sent before the first read

    const events = await readAll(turn);
    expect(events[0]).toMatchObject({ type: 'start', provider: 'agenticstar', conversationId: 'conv-000001' });
    const finish = events.at(-1);
    expect(finish).toEqual({ type: 'finish', text: '東京は晴れ、気温は二十度です。🍣', reason: 'stop' });
    expect(appliedText(events)).toBe('東京は晴れ、気温は二十度です。🍣');
    expect(events.filter((e) => e.type === 'text-delta').length).toBeGreaterThan(1);
    expect(events.some((e) => e.type === 'step-start')).toBe(true);
    expect(turn.session()).toBe('conv-000001');

    // system kept as system, the empty message left out, no conversationId for a new session
    expect(sim.chatRequests[0]!.json()).toEqual({
      model: 'AGENTIC STAR',
      stream: true,
      messages: [
        { role: 'system', content: '丁寧に答えてください。' },
        { role: 'user', content: '東京の天気は?' },
      ],
    });
  });

  it('collect() returns the whole answer with the session', async () => {
    const sim = await simulator({ answer: 'こんにちは、お手伝いします。' });
    const answer = await saasClient(sim)
      .startTurn({ messages: [{ role: 'user', content: 'こんにちは' }] })
      .collect();
    expect(answer).toMatchObject({ text: 'こんにちは、お手伝いします。', reason: 'stop', session: 'conv-000001' });
    expect(answer.start).toMatchObject({ conversationId: 'conv-000001', messageId: 'msg-000001' });
    expect(answer.steps.length).toBeGreaterThan(0);
    expect(answer.events.at(-1)?.type).toBe('finish');
  });

  it('a second turn with the first turn’s session continues the same conversation and sends only what is new', async () => {
    const sim = await simulator();
    const agent: ChatAgent = saasClient(sim);
    const first = await agent.startTurn({ messages: [{ role: 'user', content: '一つ目の質問' }] }).collect();
    expect(first.session).toBe('conv-000001');

    const history: AgentTurnInput['messages'] = [
      { role: 'system', content: '指示' },
      { role: 'user', content: '一つ目の質問' },
      { role: 'assistant', content: first.text },
      { role: 'user', content: '二つ目の質問' },
    ];
    const second = agent.startTurn({ messages: history, session: first.session });
    expect(second.session()).toBe('conv-000001'); // known before the first event
    const answer = await second.collect();
    expect(answer.session).toBe('conv-000001');

    expect(sim.chatRequests).toHaveLength(2);
    expect(sim.chatRequests[1]!.json()).toMatchObject({
      conversationId: 'conv-000001',
      messages: [{ role: 'user', content: '二つ目の質問' }],
    });
    expect(sim.conversations).toHaveLength(1);
    expect(sim.conversations[0]).toMatchObject({ conversationId: 'conv-000001', messageCount: 4 });
  });

  it('a finished turn hands its connection back to the pool (keep-alive)', async () => {
    const sim = await simulator();
    const agent = saasClient(sim);
    for (let i = 0; i < 3; i++) await agent.startTurn({ messages: [{ role: 'user', content: `質問${i}` }] }).collect();
    expect(sim.requests).toHaveLength(4); // one token request, three chats
    expect(sim.acceptedConnections).toBeLessThanOrEqual(2); // the token request's, and one the three chats share
  });

  it('sends agentId from the input, headers from the options; userId is accepted and not sent', async () => {
    const sim = await simulator();
    await saasClient(sim)
      .startTurn(
        { messages: [{ role: 'user', content: '質問' }], agentId: 'agent-ai-bot', userId: 'user-42' },
        { headers: { 'x-trace': 'trace-1', 'x-unset': undefined } },
      )
      .collect();
    const request = sim.chatRequests[0]!;
    expect(request.json()).toMatchObject({ agentId: 'agent-ai-bot' });
    expect(request.body).not.toContain('user-42');
    expect(request.headers['x-trace']).toBe('trace-1');
    expect(request.headers).not.toHaveProperty('x-unset');
  });

  it('an in-stream error is an error event; collect() rejects with AgentStreamError keeping the text', async () => {
    const script = [
      { content: '途中まで' },
      { data: '{"error":{"code":"agent_failed","message":"失敗しました"}}' },
      { stall: true as const },
    ];
    const sim = await simulator({ script });
    const events = await readAll(saasClient(sim).startTurn({ messages: [{ role: 'user', content: 'x' }] }));
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'agent_failed', retryable: false });

    const error = await failure(() =>
      saasClient(sim)
        .startTurn({ messages: [{ role: 'user', content: 'x' }] })
        .collect(),
    );
    expect(AgentStreamError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ partialText: '途中まで' });
  });

  it('a stream that ends without [DONE] ends with a stream-cut error event', async () => {
    const sim = await simulator({ script: [{ content: '途中' }, { end: true }] });
    const events = await readAll(saasClient(sim).startTurn({ messages: [{ role: 'user', content: 'x' }] }));
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'stream-cut', retryable: true });
    expect(events.some((e) => e.type === 'finish')).toBe(false);
  });
});

describe('startTurn: failures before the first event reject the first read', () => {
  it('a 401 rejects the first read with ApiCallError (status 401), no event', async () => {
    const sim = await simulator();
    const agent = saasClient(sim, { tokenProvider: { getToken: () => 'refused-token' } });
    const turn = agent.startTurn({ messages: [{ role: 'user', content: 'x' }] });
    const error = await failure(() => turn.next());
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 401, provider: 'agenticstar' });
    expect(turn.session()).toBeUndefined();
    expect(sim.chatRequests).toHaveLength(1);
  });

  it('maxRetries: 0 from the options turns retries off', async () => {
    const sim = await simulator();
    sim.fail(1);
    const turn = saasClient(sim).startTurn({ messages: [{ role: 'user', content: 'x' }] }, { maxRetries: 0 });
    expect(await failure(() => turn.collect())).toMatchObject({ status: 503 });
    expect(sim.chatRequests).toHaveLength(1);
  });
});

describe('startTurn: cancel and abort', () => {
  it('cancel() before the first read sends nothing; the read rejects with AbortError', async () => {
    const sim = await simulator();
    const turn = saasClient(sim).startTurn({ messages: [{ role: 'user', content: 'x' }] });
    turn.cancel();
    turn.cancel(); // safe twice
    expect(AbortError.isInstance(await failure(() => turn.next()))).toBe(true);
    expect(sim.requests).toHaveLength(0);
  });

  it('cancel() mid-stream rejects the pending read with AbortError and closes the connection', async () => {
    const sim = await simulator({ script: SLOW });
    const turn = saasClient(sim).startTurn({ messages: [{ role: 'user', content: 'ゆっくり' }] });
    let event: AgentEvent | undefined;
    do event = (await turn.next()).value as AgentEvent;
    while (event.type !== 'text-delta');
    expect(event).toEqual({ type: 'text-delta', delta: '最初の一文。' });

    const pending = turn.next();
    turn.cancel();
    expect(AbortError.isInstance(await failure(() => pending))).toBe(true);
    await expect(sim.chatRequests[0]!.closed).resolves.toEqual({ byClient: true });
    expect(turn.session()).toBe('conv-000001');
  });

  it('the caller’s signal aborting mid-stream does the same (signals given as a list)', async () => {
    const sim = await simulator({ script: SLOW });
    const controller = new AbortController();
    const idle = new AbortController();
    const turn = saasClient(sim).startTurn(
      { messages: [{ role: 'user', content: 'ゆっくり' }] },
      { signal: [idle.signal, controller.signal] },
    );
    const error = await failure(async () => {
      for await (const event of turn) if (event.type === 'text-delta') controller.abort();
    });
    expect(AbortError.isInstance(error)).toBe(true);
    await expect(sim.chatRequests[0]!.closed).resolves.toEqual({ byClient: true });
  });

  it('an already aborted signal sends nothing', async () => {
    const sim = await simulator();
    const turn = saasClient(sim).startTurn(
      { messages: [{ role: 'user', content: 'x' }] },
      { signal: AbortSignal.abort() },
    );
    expect(AbortError.isInstance(await failure(() => turn.collect()))).toBe(true);
    expect(sim.requests).toHaveLength(0);
  });

  it('breaking out of the loop closes the connection', async () => {
    const sim = await simulator({ script: SLOW });
    const turn = saasClient(sim).startTurn({ messages: [{ role: 'user', content: 'x' }] });
    for await (const event of turn) if (event.type === 'text-delta') break;
    await expect(sim.chatRequests[0]!.closed).resolves.toEqual({ byClient: true });
  });
});

describe('startTurn: batches()', () => {
  it('hands over the events of each network read at once: the same events as the per-event read (3-byte writes)', async () => {
    const sim = await simulator({ answer: '東京は晴れ、気温は二十度です。🍣' });
    const messages: AgentTurnInput['messages'] = [{ role: 'user', content: '東京の天気は?' }];
    const events = await readAll(saasClient(sim).startTurn({ messages }));
    sim.split(3);
    const turn = saasClient(sim).startTurn({ messages });
    const batches: (readonly AgentEvent[])[] = [];
    for await (const batch of turn.batches()) batches.push(batch);
    expect(batches.every((b) => b.length > 0)).toBe(true);
    expect(batches.flat().map((e) => e.type)).toEqual(events.map((e) => e.type));
    expect(appliedText(batches.flat())).toBe('東京は晴れ、気温は二十度です。🍣');
    expect(turn.session()).toBe('conv-000002');
  });

  it('cancel() while a batch read waits rejects it with AbortError and closes the connection', async () => {
    const sim = await simulator({ script: SLOW });
    const turn = saasClient(sim).startTurn({ messages: [{ role: 'user', content: 'ゆっくり' }] });
    const batches = turn.batches();
    while (!(await batches.next()).value?.some((e) => e.type === 'text-delta'));
    const pending = batches.next();
    turn.cancel();
    expect(AbortError.isInstance(await failure(() => pending))).toBe(true);
    await expect(sim.chatRequests[0]!.closed).resolves.toEqual({ byClient: true });
  });
});

describe('startTurn: bad input names the field, synchronously, before anything is sent', () => {
  const user = { role: 'user', content: 'x' } as const;
  const cases: Array<[string, unknown, unknown, string]> = [
    ['no input', undefined, undefined, 'input'],
    ['no messages', {}, undefined, 'input.messages'],
    ['messages not an array', { messages: 'x' }, undefined, 'input.messages'],
    ['empty messages', { messages: [] }, undefined, 'input.messages'],
    ['bad role', { messages: [{ role: 'developer', content: 'x' }] }, undefined, 'input.messages.0.role'],
    ['content not a string', { messages: [{ role: 'user', content: 7 }] }, undefined, 'input.messages.0.content'],
    ['only a system message', { messages: [{ role: 'system', content: 'x' }] }, undefined, 'input.messages'],
    ['only blank user text', { messages: [{ role: 'user', content: '  ' }] }, undefined, 'input.messages'],
    [
      'nothing new after the last assistant message of a session',
      { messages: [user, { role: 'assistant', content: 'a' }], session: 'conv-1' },
      undefined,
      'input.messages',
    ],
    ['empty session', { messages: [user], session: '' }, undefined, 'input.session'],
    ['session not a string', { messages: [user], session: 42 }, undefined, 'input.session'],
    ['empty agentId', { messages: [user], agentId: '' }, undefined, 'input.agentId'],
    ['userId not a string', { messages: [user], userId: 42 }, undefined, 'input.userId'],
    ['unknown input key', { messages: [user], temperature: 1 }, undefined, 'input'],
    ['negative maxRetries', { messages: [user] }, { maxRetries: -1 }, 'options.maxRetries'],
    ['bad timeout', { messages: [user] }, { timeouts: { idleMs: -1 } }, 'options.timeouts.idleMs'],
    ['bad signal', { messages: [user] }, { signal: 'stop' }, 'options.signal'],
    ['bad signal in a list', { messages: [user] }, { signal: [AbortSignal.abort(), 'x'] }, 'options.signal'],
    ['bad header', { messages: [user] }, { headers: { 'x-a': 1 } }, 'options.headers.x-a'],
    ['unknown option', { messages: [user] }, { onComment: () => {} }, 'options'],
  ];

  it.each(cases)('%s -> %s', async (_name, input, options, argument) => {
    const sim = await simulator();
    const agent = saasClient(sim);
    expectInvalid(() => agent.startTurn(input as never, options as never), argument);
    expect(sim.requests).toHaveLength(0);
  });

  it('the reason says what is wrong', () => {
    const agent = agenticStarPlatform.createAgent({ env: {} });
    try {
      agent.startTurn({ messages: [{ role: 'system', content: 'x' }] });
    } catch (error) {
      expect((error as Error).message).toContain('input.messages');
      expect((error as Error).message).toContain('user message');
    }
    expect.assertions(2);
  });
});

describe('agenticStarPlatform', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (key.startsWith('AGENTICSTAR_')) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('names the platform and the variables it reads', () => {
    expect(agenticStarPlatform.name).toBe('agenticstar');
    expect(agenticStarPlatform.title).toBe('AgenticStar');
    expect(agenticStarPlatform.envVars).toEqual([
      'AGENTICSTAR_CLIENT_ID',
      'AGENTICSTAR_CLIENT_SECRET',
      'AGENTICSTAR_BASE_URL',
      'AGENTICSTAR_TOKEN_URL',
      'AGENTICSTAR_EDITION',
      'AGENTICSTAR_AGENT_ID',
    ]);
  });

  it('status() without the variables names the missing one', () => {
    expect(agenticStarPlatform.status({ env: {} })).toEqual({ ready: false, missing: 'AGENTICSTAR_CLIENT_ID' });
    expect(
      agenticStarPlatform.status({ env: { AGENTICSTAR_CLIENT_ID: 'id', AGENTICSTAR_CLIENT_SECRET: ' ' } }),
    ).toEqual({
      ready: false,
      missing: 'AGENTICSTAR_CLIENT_SECRET',
    });
    expect(agenticStarPlatform.status({ clientId: 'id', env: {} })).toEqual({
      ready: false,
      missing: 'AGENTICSTAR_CLIENT_SECRET',
    });
  });

  it('status() with the variables: ready, the default agent, whether the agent may be omitted', () => {
    const credentials = { AGENTICSTAR_CLIENT_ID: 'id', AGENTICSTAR_CLIENT_SECRET: 'secret' };
    expect(agenticStarPlatform.status({ env: credentials })).toEqual({
      ready: true,
      defaultAgentId: undefined,
      agentOptional: true,
    });
    expect(agenticStarPlatform.status({ env: { ...credentials, AGENTICSTAR_EDITION: 'Marketplace' } })).toEqual({
      ready: true,
      defaultAgentId: undefined,
      agentOptional: false,
    });
    expect(
      agenticStarPlatform.status({
        env: { ...credentials, AGENTICSTAR_EDITION: 'marketplace', AGENTICSTAR_AGENT_ID: 'agent-env' },
      }),
    ).toEqual({ ready: true, defaultAgentId: 'agent-env', agentOptional: true });
    expect(
      agenticStarPlatform.status({
        edition: 'marketplace',
        agentId: 'agent-setting',
        env: { ...credentials, AGENTICSTAR_AGENT_ID: 'agent-env' },
      }),
    ).toEqual({ ready: true, defaultAgentId: 'agent-setting', agentOptional: true });
    expect(agenticStarPlatform.status({ clientId: 'id', clientSecret: 'secret', env: {} })).toMatchObject({
      ready: true,
    });
    expect(agenticStarPlatform.status({ tokenProvider: { getToken: () => 't' }, env: {} })).toMatchObject({
      ready: true,
    });
  });

  it('status() reads process.env when no env is given', () => {
    for (const key of Object.keys(process.env)) if (key.startsWith('AGENTICSTAR_')) delete process.env[key];
    expect(agenticStarPlatform.status()).toEqual({ ready: false, missing: 'AGENTICSTAR_CLIENT_ID' });
    process.env.AGENTICSTAR_CLIENT_ID = 'id';
    process.env.AGENTICSTAR_CLIENT_SECRET = 'secret';
    process.env.AGENTICSTAR_AGENT_ID = 'agent-1';
    expect(agenticStarPlatform.status()).toEqual({ ready: true, defaultAgentId: 'agent-1', agentOptional: true });
  });

  it('createAgent(settings) makes a ChatAgent; bad settings name the field', async () => {
    const sim = await simulator();
    const settings: AgenticStarSettings = {
      env: simulatorEnv({ agenticstar: sim }),
    };
    expect(agenticStarPlatform.status(settings)).toMatchObject({ ready: true });
    const agent = agenticStarPlatform.createAgent(settings);
    expect(agent.provider).toBe('agenticstar');
    const answer = await agent.startTurn({ messages: [{ role: 'user', content: 'こんにちは' }] }).collect();
    expect(answer.reason).toBe('stop');
    expect(answer.session).toBe('conv-000001');

    expectInvalid(() => agenticStarPlatform.createAgent({ maxRetries: -1 }), 'settings.maxRetries');
  });
});
