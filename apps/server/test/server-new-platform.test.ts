/**
 * The proof that a platform needs no change to the server: the echo platform (made from the agent
 * contract alone, no network) is registered from outside, with `platforms`, and served by the real
 * server (middleware, API keys, metrics, OpenAPI) to the official `openai` client as model `echo`.
 */
import { createEchoPlatform, defaultPlatforms } from '@kakehashi/platforms';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KakehashiServer } from '../src/index';
import { startInProcess } from './server-harness';

let server: KakehashiServer;
let openai: OpenAI;

beforeAll(async () => {
  const started = await startInProcess({
    apiKeys: ['echo-test-key-0001'],
    platforms: defaultPlatforms.with(createEchoPlatform()),
  });
  server = started.server;
  openai = new OpenAI({ baseURL: `${started.url}/v1`, apiKey: 'echo-test-key-0001', maxRetries: 0 });
});
afterAll(() => server?.close(0));

type Extension = { kakehashi?: Record<string, unknown> };

describe('a platform registered with createKakehashiServer({ platforms })', () => {
  it('streams a chat through the real openai client with model echo, and continues its session', async () => {
    const stream = await openai.chat.completions.create({
      model: 'echo',
      stream: true,
      messages: [{ role: 'user', content: 'こんにちは、架け橋' }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('echo: こんにちは、架け橋');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    const session = (chunks[0] as Extension).kakehashi?.session as string;
    expect((chunks[0] as Extension).kakehashi?.provider).toBe('echo');
    expect(session).toMatch(/^echo-session-/);

    const { data, response } = await openai.chat.completions
      .create({
        model: 'echo',
        messages: [
          { role: 'user', content: 'こんにちは、架け橋' },
          { role: 'assistant', content: 'echo: こんにちは、架け橋' },
          { role: 'user', content: '続き' },
        ],
        metadata: { conversation_id: session },
      })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('echo: 続き');
    expect(response.headers.get('x-kakehashi-session')).toBe(session);
    expect(response.headers.get('x-request-id')).toMatch(/\S/);
  });

  it('lists echo in GET /v1/models beside the built-in platforms, behind the API key', async () => {
    const ids = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    expect(ids).toEqual(['echo']); // the built-in platforms have no credentials in this environment
    const refused = new OpenAI({ baseURL: openai.baseURL, apiKey: 'wrong-key-0001', maxRetries: 0 });
    await expect(refused.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect(await server.directory.status('echo')).toMatchObject({ state: 'ready' });
  });

  it('counts the echo turns in the Prometheus metrics like any platform', async () => {
    await openai.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'a' }] });
    const text = await server.metrics.registry.metrics();
    expect(text).toMatch(
      /kakehashi_upstream_latency_seconds_count\{provider="echo",operation="chat",outcome="ok"\} \d+/,
    );
    expect(text).toContain('kakehashi_upstream_turns_active{provider="echo"} 0');
  });
});
