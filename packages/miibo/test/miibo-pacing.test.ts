import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMiiboSimulator, type MiiboSimulator } from '@kakehashi/testkit';
import { AbortError } from '@kakehashi/sse-core';
import { createMiibo } from '@kakehashi/miibo';
import { AGENT_ID, API_KEY, rejectionOf } from './helpers';

let sim: MiiboSimulator;
beforeEach(async () => {
  sim = await startMiiboSimulator({ answer: 'はい。' });
});
afterEach(() => sim.close());

describe('miibo client-side pacing (minIntervalMs)', () => {
  it('spaces request starts and sends queued callers in order', async () => {
    const miibo = createMiibo({ baseURL: sim.url, apiKey: API_KEY, agentId: AGENT_ID, env: {}, minIntervalMs: 150 });
    const calls = [1, 2, 3].map((i) => miibo.askWithoutStreaming({ utterance: `質問${i}` }));
    // The first goes out at once; the others wait their turn (the queue is joined synchronously).
    expect(miibo.queuedRequests).toBe(2);
    await Promise.all(calls);
    expect(sim.requests.map((r) => r.json<{ utterance: string }>().utterance)).toEqual(['質問1', '質問2', '質問3']);
    expect(miibo.queuedRequests).toBe(0);
  });

  it('paces streams too, and a caller aborted while queued leaves the queue without sending', async () => {
    const miibo = createMiibo({ baseURL: sim.url, apiKey: API_KEY, agentId: AGENT_ID, env: {}, minIntervalMs: 150 });
    const controller = new AbortController();
    const first = miibo.ask({ utterance: '一' });
    const second = miibo.askWithoutStreaming({ utterance: '二' }, { signal: controller.signal });
    const third = miibo.askWithoutStreaming({ utterance: '三' });
    expect(miibo.queuedRequests).toBe(2);
    controller.abort();
    expect(miibo.queuedRequests).toBe(1);
    expect(AbortError.isInstance(await rejectionOf(second))).toBe(true);
    await Promise.all([first, third]);
    expect(sim.requests.map((r) => r.json<{ utterance: string }>().utterance)).toEqual(['一', '三']);
  });

  it('each client paces only its own calls; without minIntervalMs nothing is queued', async () => {
    const a = createMiibo({ baseURL: sim.url, apiKey: API_KEY, agentId: AGENT_ID, env: {}, minIntervalMs: 10_000 });
    const b = createMiibo({ baseURL: sim.url, apiKey: API_KEY, agentId: AGENT_ID, env: {} });
    await a.askWithoutStreaming({ utterance: 'a1' });
    const controller = new AbortController();
    const queued = a.askWithoutStreaming(
      { utterance: 'a2' },
      { signal: [new AbortController().signal, controller.signal] },
    );
    await Promise.all([b.askWithoutStreaming({ utterance: 'b1' }), b.askWithoutStreaming({ utterance: 'b2' })]);
    expect(b.queuedRequests).toBe(0);
    expect(a.queuedRequests).toBe(1);
    controller.abort();
    await rejectionOf(queued);
    expect(sim.requests.map((r) => r.json<{ utterance: string }>().utterance).sort()).toEqual(['a1', 'b1', 'b2']);
  });
});
