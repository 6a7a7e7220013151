import { AbortError, AgentStreamError, ApiCallError } from '@kakehashi/sse-core';
import { describe, expect, it } from 'vitest';
import { appliedText, collect, failure, saasClient, simulator } from './helpers';

describe('fault knobs', () => {
  it('split: 1-byte writes give the same AgentEvents as whole events', async () => {
    const sim = await simulator();
    const whole = await collect((await saasClient(sim).streamChat('分割テスト')).agentEvents());
    const sim2 = await simulator();
    sim2.split(1);
    const split = await collect((await saasClient(sim2).streamChat('分割テスト')).agentEvents());
    expect(split).toEqual(whole);
    expect(appliedText(split)).toBe((split.at(-1) as { text: string }).text);
  });

  it('stall mid-stream: the idle timeout ends the stream with an error event', async () => {
    const sim = await simulator();
    sim.stall({ afterEvents: 3 });
    const stream = await saasClient(sim, { timeouts: { idleMs: 200 } }).streamChat('止まる');
    const events = await collect(stream.agentEvents());
    expect(events[0]?.type).toBe('start');
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'timeout', retryable: true });
    await expect(sim.chatRequests[0]!.closed).resolves.toEqual({ byClient: true });
  });

  it('the idle timeout can be set per call', async () => {
    const sim = await simulator();
    sim.stall({ afterEvents: 1 });
    const error = await failure(() => saasClient(sim).ask('止まる', { timeouts: { idleMs: 150 } }));
    expect(AgentStreamError.isInstance(error)).toBe(true);
    expect((error as AgentStreamError).code).toBe('timeout');
  });

  it('reset mid-stream: an error event after the text received so far', async () => {
    const sim = await simulator({ answer: 'あいうえおかきくけこさしすせそ' });
    sim.cut({ afterEvents: 3 });
    const events = await collect((await saasClient(sim).streamChat('切断')).agentEvents());
    expect(events.map((e) => e.type)).toEqual(['start', 'step-start', 'text-delta', 'error']);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'connection', retryable: true });
    expect(sim.chatRequests).toHaveLength(1); // never retried after the first byte
  });

  it('reset before the headers is retried', async () => {
    const sim = await simulator();
    sim.cut({ beforeHeaders: true });
    const result = await saasClient(sim).ask('再接続');
    expect(result.reason).toBe('stop');
    expect(sim.chatRequests).toHaveLength(2);
  });

  it('429 with Retry-After is retried', async () => {
    const sim = await simulator();
    sim.rateLimit(2, { retryAfterSeconds: 0 });
    const result = await saasClient(sim).ask('混雑');
    expect(result.reason).toBe('stop');
    expect(sim.chatRequests).toHaveLength(3);
  });

  it('429 carries retryAfterMs when retries are exhausted', async () => {
    const sim = await simulator();
    sim.rateLimit(1, { retryAfterSeconds: 7 });
    const error = await failure(() => saasClient(sim, { maxRetries: 0 }).ask('混雑'));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 7000, retryable: true, code: 'rate_limited' });
  });

  it('5xx is retried', async () => {
    const sim = await simulator();
    sim.fail(2);
    const result = await saasClient(sim).ask('不調');
    expect(result.reason).toBe('stop');
    expect(sim.chatRequests).toHaveLength(3);
  });

  it('5xx after the last retry rejects streamChat, before any event', async () => {
    const sim = await simulator();
    sim.fail(3, { status: 502 });
    const error = await failure(() => saasClient(sim, { maxRetries: 2 }).streamChat('不調'));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 502, provider: 'agenticstar' });
    expect(sim.chatRequests).toHaveLength(3);
  });

  it('a token endpoint failure is retried too', async () => {
    const sim = await simulator();
    sim.fail(1, { target: 'token' });
    await saasClient(sim).ask('トークン');
    expect(sim.tokenRequests).toHaveLength(2);
  });

  it('a stream cut before its finish signal ends with an error event', async () => {
    const sim = await simulator({ script: [{ content: '途中' }, { finish: 'stop' }, { end: true }] });
    const events = await collect((await saasClient(sim).streamChat('途切れ')).agentEvents());
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'stream-cut', retryable: true });
    expect(events.some((e) => e.type === 'finish')).toBe(false);

    const error = await failure(() => saasClient(sim).ask('途切れ'));
    expect(AgentStreamError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'stream-cut', partialText: '途中' });
  });

  it('heartbeats keep a slow agent within the idle timeout', async () => {
    const sim = await simulator({ thinkMs: 600, heartbeatIntervalMs: 50 });
    const comments: string[] = [];
    const result = await saasClient(sim, { timeouts: { idleMs: 300 } }).ask('ゆっくり', {
      onComment: (c) => comments.push(c),
    });
    expect(result.reason).toBe('stop');
    expect(comments[0]).toBe('connected');
    expect(comments.filter((c) => c === 'heartbeat').length).toBeGreaterThan(1);
  });

  it('without heartbeats the same pause trips the idle timeout (control)', async () => {
    const sim = await simulator({ thinkMs: 600, heartbeatIntervalMs: 0 });
    const stream = await saasClient(sim, { timeouts: { idleMs: 300 } }).streamChat('ゆっくり');
    const events = await collect(stream.agentEvents());
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'timeout' });
  });
});

describe('abort and early exit close the connection', () => {
  it('an AbortSignal aborts the stream and closes the connection', async () => {
    const sim = await simulator({ script: [{ content: '始まり' }, { stall: true }] });
    const controller = new AbortController();
    const stream = await saasClient(sim).streamChat('中断', { signal: controller.signal });
    const error = await failure(async () => {
      for await (const event of stream.agentEvents()) if (event.type === 'text-delta') controller.abort();
    });
    expect(AbortError.isInstance(error)).toBe(true);
    await expect(sim.chatRequests[0]!.closed).resolves.toEqual({ byClient: true });
  });

  it('breaking out of the AgentEvent loop closes the connection', async () => {
    const sim = await simulator({ script: [{ content: '始まり' }, { stall: true }] });
    for await (const event of (await saasClient(sim).streamChat('中断')).agentEvents())
      if (event.type === 'text-delta') break;
    await expect(sim.chatRequests[0]!.closed).resolves.toEqual({ byClient: true });
  });

  it('breaking out of the typed loop closes the connection', async () => {
    const sim = await simulator({ script: [{ content: '始まり' }, { stall: true }] });
    const stream = await saasClient(sim).streamChat('中断');
    for await (const event of stream) if (event.type === 'chunk' && event.content) break;
    expect(stream.text).toBe('始まり');
    await expect(sim.chatRequests[0]!.closed).resolves.toEqual({ byClient: true });
  });

  it('cancel() closes a stream being read: the pending read rejects with AbortError', async () => {
    const sim = await simulator({ script: [{ content: '始まり' }, { stall: true }] });
    const stream = await saasClient(sim).streamChat('中断');
    const events = stream.agentEvents();
    expect((await events.next()).value).toMatchObject({ type: 'start' });
    expect((await events.next()).value).toMatchObject({ type: 'text-delta', delta: '始まり' });
    const pending = events.next();
    await stream.cancel();
    expect(AbortError.isInstance(await failure(() => pending))).toBe(true);
    await expect(sim.chatRequests[0]!.closed).resolves.toEqual({ byClient: true });
    await stream.cancel(); // a second call is harmless
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it('cancel() before reading closes the connection, and a later read rejects with AbortError', async () => {
    const sim = await simulator({ script: [{ content: '始まり' }, { stall: true }] });
    const stream = await saasClient(sim).streamChat('中断');
    await stream.cancel();
    await expect(sim.chatRequests[0]!.closed).resolves.toEqual({ byClient: true });
    expect(AbortError.isInstance(await failure(() => stream.collect()))).toBe(true);
  });

  it('an already aborted signal sends nothing', async () => {
    const sim = await simulator();
    const error = await failure(() => saasClient(sim).ask('中断', { signal: AbortSignal.abort() }));
    expect(AbortError.isInstance(error)).toBe(true);
    expect(sim.chatRequests).toHaveLength(0);
  });

  it('streamChat resolves once the answer has started; its stream can be read once', async () => {
    const sim = await simulator();
    const stream = await saasClient(sim).streamChat('一度だけ');
    expect(sim.chatRequests).toHaveLength(1);
    await collect(stream);
    expect(() => stream.agentEvents().next()).toThrow(/only once/);
  });
});
