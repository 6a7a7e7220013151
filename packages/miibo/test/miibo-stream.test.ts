import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMiiboSimulator, MIIBO_REWRITE_DRAFT, type MiiboSimulator } from '@kakehashi/testkit';
import { AbortError, AgentStreamError, ApiCallError, type AgentEvent } from '@kakehashi/sse-core';
import { createMiibo, type MiiboSettings, type MiiboStreamEvent } from '@kakehashi/miibo';
import { AGENT_ID, API_KEY, appliedText, collect, rejectionOf } from './helpers';

const ANSWER = '本日はご来店ありがとうございます。架け橋🌉ストアのおすすめは、季節限定の抹茶ラテです。';

let sim: MiiboSimulator;
beforeEach(async () => {
  sim = await startMiiboSimulator({ apiKey: API_KEY, agentId: AGENT_ID, answer: ANSWER });
});
afterEach(() => sim.close());

const client = (settings: MiiboSettings = {}) =>
  createMiibo({ baseURL: sim.url, apiKey: API_KEY, agentId: AGENT_ID, env: {}, ...settings });

async function agentEvents(settings: MiiboSettings = {}): Promise<AgentEvent[]> {
  const stream = await client(settings).streamChat({ utterance: 'おすすめは?', uid: 'shop_user_001' });
  return collect(stream.agentEvents());
}

function expectComplete(events: AgentEvent[], text = ANSWER): void {
  expect(events[0]).toEqual({ type: 'start', provider: 'miibo', uid: 'shop_user_001' });
  const finish = events.at(-1);
  expect(finish).toEqual({ type: 'finish', text, reason: 'stop' });
  expect(appliedText(events)).toBe(text);
}

describe('miibo streaming', () => {
  it('sends stream: true and turns cumulative snapshots into text-deltas and a finish', async () => {
    const events = await agentEvents();
    expectComplete(events);
    expect(events.filter((e) => e.type === 'text-delta').length).toBeGreaterThan(5);
    expect(events.some((e) => e.type === 'text-replace')).toBe(false);
    expect(sim.requests[0]!.json()).toMatchObject({
      api_key: API_KEY,
      agent_id: AGENT_ID,
      utterance: 'おすすめは?',
      stream: true,
    });
  });

  it('reads the typed events: snapshots with cumulative text, then final with the whole response', async () => {
    const stream = await client().streamChat({ utterance: 'おすすめは?' });
    const events: MiiboStreamEvent[] = await collect(stream);
    const snapshots = events.filter((e) => e.type === 'snapshot');
    expect(snapshots.length).toBeGreaterThan(5);
    for (let i = 1; i < snapshots.length; i++) expect(snapshots[i]!.text.startsWith(snapshots[i - 1]!.text)).toBe(true);
    const final = events.at(-1)!;
    expect(final.type).toBe('final');
    if (final.type !== 'final') return;
    expect(final.text).toBe(ANSWER);
    expect(final.response.utterance).toBe('おすすめは?');
    expect(stream.contentType).toBe('text/plain');
  });

  it('gives the same AgentEvents with data: prefixes, several objects per write, and 1-byte writes', async () => {
    const plain = await agentEvents();
    sim.configure({ dataPrefix: true, objectsPerWrite: 3 });
    expect(await agentEvents()).toEqual(plain);
    sim.configure({ dataPrefix: undefined, objectsPerWrite: undefined }).split(1);
    expect(await agentEvents()).toEqual(plain);
  });

  it('emits text-replace when a snapshot rewrites the text', async () => {
    sim.configure({ rewrite: true });
    const events = await agentEvents();
    const replace = events.findIndex((e) => e.type === 'text-replace');
    expect(replace).toBeGreaterThan(0);
    expect(appliedText(events.slice(0, replace))).toBe(MIIBO_REWRITE_DRAFT);
    expectComplete(events);
  });

  it('handles an agent with streaming off: one plain JSON body', async () => {
    sim.configure({ streaming: false });
    const stream = await client().streamChat({ utterance: 'おすすめは?', uid: 'shop_user_001' });
    expect(stream.contentType).toBe('application/json');
    const events = await collect(stream.agentEvents());
    expect(events).toEqual([
      { type: 'start', provider: 'miibo', uid: 'shop_user_001' },
      { type: 'text-delta', delta: ANSWER },
      { type: 'finish', text: ANSWER, reason: 'stop' },
    ]);
  });

  it('collects the whole answer with the final response object', async () => {
    const answer = await client().ask({ utterance: 'おすすめは?', state: { 会員: 'ゴールド' }, uid: 'u-1' });
    expect(answer.text).toBe(ANSWER);
    expect(answer.reason).toBe('stop');
    expect(answer.uid).toBe('u-1');
    expect(answer.start).toEqual({ type: 'start', provider: 'miibo', uid: 'u-1' });
    expect(answer.response.userState).toEqual({ 会員: 'ゴールド' });
  });

  it('ends with an error event (stream-cut) when the stream ends without its final object', async () => {
    sim.configure({ endWithoutFinal: true });
    const events = await agentEvents();
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'stream-cut', retryable: true });
    expect(events.some((e) => e.type === 'finish')).toBe(false);
    const error = await rejectionOf(client().ask({ utterance: 'x' }));
    expect(AgentStreamError.isInstance(error)).toBe(true);
    expect((error as AgentStreamError).partialText).toBe(ANSWER);
  });
});

describe('miibo stream faults', () => {
  it('stall: the idle timeout ends the stream with an error event and closes the connection', async () => {
    sim.stall({ afterEvents: 3 });
    const events = await agentEvents({ timeouts: { idleMs: 150 } });
    expect(events.filter((e) => e.type === 'text-delta')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'timeout', retryable: true });
    await expect(sim.requests[0]!.closed).resolves.toEqual({ byClient: true });
  });

  it('reset mid-stream: an error event after the text so far', async () => {
    sim.cut({ afterEvents: 4 });
    const events = await agentEvents();
    expect(events.filter((e) => e.type === 'text-delta')).toHaveLength(4);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'connection', retryable: true });
    expect(sim.requests).toHaveLength(1);
  });

  it('429 with Retry-After is retried', async () => {
    sim.rateLimit(1, { retryAfterSeconds: 0 });
    expectComplete(await agentEvents());
    expect(sim.requests).toHaveLength(2);
    sim.rateLimit(1, { retryAfterSeconds: 7 });
    const error = await rejectionOf(client({ maxRetries: 0 }).askWithoutStreaming({ utterance: 'x' }));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).status).toBe(429);
    expect((error as ApiCallError).retryAfterMs).toBe(7000);
  });

  it('5xx is retried; without retries it is thrown before any event', async () => {
    sim.fail(1, { status: 503 });
    expectComplete(await agentEvents());
    expect(sim.requests).toHaveLength(2);
    sim.fail(1, { status: 500 });
    const error = await rejectionOf(client().streamChat({ utterance: 'x' }, { maxRetries: 0 }));
    expect((error as ApiCallError).status).toBe(500);
  });

  it('abort closes the connection and throws AbortError', async () => {
    sim.stall({ afterEvents: 2 });
    const controller = new AbortController();
    const seen: AgentEvent[] = [];
    const error = await rejectionOf(
      (async () => {
        const stream = await client().streamChat({ utterance: 'x' }, { signal: controller.signal });
        for await (const event of stream.agentEvents()) {
          seen.push(event);
          if (event.type === 'text-delta') controller.abort();
        }
      })(),
    );
    expect(AbortError.isInstance(error)).toBe(true);
    expect(seen[0]!.type).toBe('start');
    expect(seen.some((e) => e.type === 'finish' || e.type === 'error')).toBe(false);
    await expect(sim.requests[0]!.closed).resolves.toEqual({ byClient: true });
  });

  it('leaving a for await early closes the connection (AgentEvents and typed events)', async () => {
    sim.stall(3, { afterEvents: 2 });
    for await (const event of (await client().streamChat({ utterance: 'x' })).agentEvents())
      if (event.type === 'text-delta') break;
    await expect(sim.requests[0]!.closed).resolves.toEqual({ byClient: true });
    const stream = await client().streamChat({ utterance: 'x' });
    for await (const event of stream) if (event.type === 'snapshot') break;
    await expect(sim.requests[1]!.closed).resolves.toEqual({ byClient: true });
    const cancelled = await client().streamChat({ utterance: 'x' });
    await cancelled.cancel();
    await expect(sim.requests[2]!.closed).resolves.toEqual({ byClient: true });
  });
});
