import { createCodeer, type CodeerProviderSettings } from '@kakehashi/codeer';
import { ConnectionError, TimeoutError, type FetchFunction } from '@kakehashi/sse-core';
import { CODEER_SIM_DEFAULT_ANSWER, startScriptedServer, type ScriptedServer } from '@kakehashi/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { rejection, setup, type Setup } from './helpers';

// Codeer's retry rules, now expressed through sse-core's `retry.shouldRetry` (one retry loop, not two):
// reads follow sse-core's default rule; a turn (send, regenerate, form submit) may already be stored
// when its call fails, so it is repeated only when the server certainly refused it.

let s: Setup | undefined;
let server: ScriptedServer | undefined;
afterEach(async () => {
  await s?.sim.close();
  await server?.close();
  s = undefined;
  server = undefined;
});

const ENVELOPE = { headers: { 'content-type': 'application/json' }, body: '{"data":[],"error_code":0}' };
const AGENT_ID = '550e8400-e29b-41d4-a716-446655440000';

function codeerAt(baseURL: string, settings: CodeerProviderSettings = {}) {
  return createCodeer({ apiKey: 'codeer-test-key', baseURL, agentId: AGENT_ID, ...settings });
}

describe('Codeer turn retries (shouldRetry)', () => {
  it('repeats a turn refused with 429 and then 503, and sends the message once', async () => {
    s = await setup();
    const chat = await s.codeer.chats.create();
    s.sim.rateLimit(1, { retryAfterSeconds: 0 });
    s.sim.fail(1, { status: 503 });
    const answer = await (await s.codeer.messages.stream(chat.id, { message: '営業時間は？' })).collect();
    expect(answer.text).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(s.sim.requests.slice(1).map((r) => r.method)).toEqual(['POST', 'POST', 'POST']);
    expect(s.sim.state.chatMessages(chat.id).filter((m) => m.role === 'user')).toHaveLength(1);
  });

  it('stops after maxRetries, and maxRetries: 0 switches turn retries off', async () => {
    s = await setup({}, { maxRetries: 1 });
    const chat = await s.codeer.chats.create();
    s.sim.rateLimit(5, { retryAfterSeconds: 0 });
    const error = await rejection(s.codeer.messages.stream(chat.id, { message: 'x' }));
    expect(error).toMatchObject({ status: 429, reason: 'rate-limited' });
    expect(s.sim.requests).toHaveLength(1 + 2);
    const once = await rejection(s.codeer.messages.stream(chat.id, { message: 'x' }, { maxRetries: 0 }));
    expect(once).toMatchObject({ status: 429 });
    expect(s.sim.requests).toHaveLength(1 + 2 + 1);
  });

  it('does not repeat a turn whose connection was reset after the request was sent; a read is repeated', async () => {
    server = await startScriptedServer();
    server.reply({ resetBeforeHeaders: true });
    const codeer = codeerAt(server.url);
    const error = await rejection(codeer.messages.stream(1, { message: 'x' }));
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect(server.requests).toHaveLength(1);

    server.reply({ resetBeforeHeaders: true }, ENVELOPE);
    expect(await codeer.agents.list()).toEqual([]);
    expect(server.requests).toHaveLength(3);
  });

  it('does not repeat a turn after a headers timeout; a read is repeated', async () => {
    server = await startScriptedServer();
    server.reply({ headersDelayMs: 5_000, body: '{}' });
    const codeer = codeerAt(server.url, { timeouts: { headersMs: 100 } });
    const error = await rejection(codeer.messages.stream(1, { message: 'x' }));
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).phase).toBe('headers');
    expect(server.requests).toHaveLength(1);

    server.reply({ headersDelayMs: 5_000, body: '{}' }, ENVELOPE);
    expect(await codeer.agents.list()).toEqual([]);
    expect(server.requests).toHaveLength(3);
  });

  it('repeats a turn whose connection was refused (nothing was sent)', async () => {
    server = await startScriptedServer();
    const url = server.url;
    await server.close();
    let attempts = 0;
    const counting: FetchFunction = (input, init) => {
      attempts++;
      return fetch(input, init);
    };
    const error = await rejection(
      codeerAt(url, { fetch: counting, maxRetries: 1 }).messages.stream(1, { message: 'x' }),
    );
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(attempts).toBe(2);
  });
});
