/**
 * Graceful shutdown as a load balancer and a streaming caller see it: `/healthz` answers 503 during
 * the drain while requests are still served; streams still open at the deadline end with their
 * protocol's final error event (Chat Completions: an `error` chunk; Responses: `response.failed`)
 * instead of a cut connection.
 */
import { simulatorEnv, startAgenticStarSimulator, type AgenticStarSimulator } from '@kakehashi/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverConfigFromEnv, type KakehashiServerConfig } from '../src/index';
import { postJson, startInProcess } from './server-harness';

let sim: AgenticStarSimulator;

beforeAll(async () => {
  // A slow answer: the first words, then a long silence the deadline falls into.
  sim = await startAgenticStarSimulator({
    script: [{ content: '前半' }, { wait: 30_000 }, { content: '後半' }],
    heartbeatIntervalMs: 0,
  });
});
afterAll(async () => {
  await sim?.close();
});

async function server(config: KakehashiServerConfig = {}) {
  return startInProcess({
    env: simulatorEnv({ agenticstar: sim }),
    chat: { codeer: false, miibo: false },
    ...config,
  });
}

const messages = [{ role: 'user' as const, content: 'こんにちは' }];

describe('shutdown', () => {
  it('flips /healthz to 503 first and keeps serving through the drain', async () => {
    const { url, server: s } = await server({ shutdownDrainMs: 400 });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const closing = s.close(0);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'shutting-down' });
    expect(health.headers.get('connection')).toBe('close');
    // Other requests are still answered during the drain.
    expect((await fetch(`${url}/openapi.json`)).status).toBe(200);
    await closing;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('a chat stream open at the deadline ends with a final error event (the official client throws it)', async () => {
    const { url, server: s } = await server();
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
    const stream = await openai.chat.completions.create({ model: 'agenticstar', messages, stream: true });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta?.content ?? '');
    })().catch((e: unknown) => e);
    await new Promise<void>((resolve) => {
      const check = () => (seen.join('').includes('前半') ? resolve() : setTimeout(check, 10));
      check();
    });
    await s.close(100);
    const error = await reading;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toMatch(/shutting down/);
    expect(seen.join('')).toBe('前半');
  });

  it('a chat stream read raw: it ends with the error chunk, as any in-stream error does', async () => {
    const { url, server: s } = await server();
    const res = await postJson(`${url}/v1/chat/completions`, { model: 'agenticstar', messages, stream: true });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('前半')) text += (await reader.read()).value ?? '';
    const closing = s.close(100);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
    await closing;
    const last = text.trimEnd().split('\n').at(-1)!;
    expect(last.startsWith('data: ')).toBe(true);
    expect(JSON.parse(last.slice(6))).toMatchObject({
      error: { type: 'server_error', code: 'server_shutting_down' },
    });
    expect(text).not.toContain('[DONE]');
  });

  it('a Responses stream open at the deadline ends with response.failed', async () => {
    const { url, server: s } = await server();
    const res = await postJson(`${url}/v1/responses`, { model: 'agenticstar', input: 'こんにちは', stream: true });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('前半')) text += (await reader.read()).value ?? '';
    const closing = s.close(100);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
    await closing;
    const events = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as { type: string; response?: { status: string; error?: { code: string } } });
    const last = events.at(-1)!;
    expect(last.type).toBe('response.failed');
    expect(last.response?.status).toBe('failed');
    expect(last.response?.error?.code).toBe('server_shutting_down');
  });

  it('a whole answer still waiting at the deadline is 503', async () => {
    const { url, server: s } = await server();
    const before = sim.requests.length;
    const answer = postJson(`${url}/v1/chat/completions`, { model: 'agenticstar', messages });
    await new Promise<void>((resolve) => {
      const sent = () => sim.requests.slice(before).some((r) => r.path.includes('chat'));
      const check = () => (sent() ? resolve() : setTimeout(check, 10));
      check();
    });
    await s.close(100);
    const res = await answer;
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('server_shutting_down');
  });

  it('KAKEHASHI_SHUTDOWN_DRAIN_MS sets the drain; the binary drains 3 s by default', () => {
    expect(serverConfigFromEnv({ KAKEHASHI_SHUTDOWN_DRAIN_MS: '0' }).shutdownDrainMs).toBe(0);
    expect(serverConfigFromEnv({ KAKEHASHI_SHUTDOWN_DRAIN_MS: '1500' }).shutdownDrainMs).toBe(1500);
    expect(serverConfigFromEnv({}).shutdownDrainMs).toBe(3000);
    expect(() => serverConfigFromEnv({ KAKEHASHI_SHUTDOWN_DRAIN_MS: 'later' })).toThrow(/KAKEHASHI_SHUTDOWN_DRAIN_MS/);
  });
});
