/**
 * The handlers' operations options, against the testkit simulators through real clients:
 * `maxRetryAfterMs` (a long `Retry-After` answered at once, before any 200), `requestId` (quoted in
 * error messages), `shutdownSignal` (open turns end with a final error event, or 503), and a caller
 * that goes away (not an error for the hooks).
 */
import { InvalidArgumentError } from '@kakehashi/sse-core';
import { startAgenticStarSimulator, type AgenticStarSimulator } from '@kakehashi/testkit';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ChatCompletionsHandlerOptions, createChatCompletionsHandler, createResponsesHandler } from '../src/index';
import { eventually, MOUNTS, type Mount, post, type Served, serve } from './harness';

let sim: AgenticStarSimulator;
const served: Served[] = [];

beforeAll(async () => {
  sim = await startAgenticStarSimulator({ heartbeatIntervalMs: 0 });
});
afterEach(async () => {
  sim.clearFaults();
  await Promise.all(served.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await sim?.close();
});

async function start(options: Partial<ChatCompletionsHandlerOptions> = {}, mount: Mount = 'node'): Promise<Served> {
  const s = await serve(
    {
      agenticstar: { baseURL: sim.url, tokenUrl: sim.tokenUrl, clientId: sim.clientId, clientSecret: sim.clientSecret },
      codeer: false,
      miibo: false,
      ...options,
    },
    mount,
  );
  served.push(s);
  return s;
}

const messages = [{ role: 'user' as const, content: 'こんにちは' }];
const chatRequests = () => sim.requests.filter((r) => r.path.includes('chat')).length;

describe.each(MOUNTS)('maxRetryAfterMs and requestId (%s mount)', (mount) => {
  it.each([false, true])(
    'a Retry-After over the bound is 429 at once, quoting the request id (stream: %s)',
    async (stream) => {
      const s = await start({ requestId: () => 'gw-req-42' }, mount);
      sim.rateLimit(1, { target: 'chat', retryAfterSeconds: 60 });
      const before = chatRequests();
      const res = await post(s.url, { model: 'agenticstar', messages, stream });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('60');
      const { error } = JSON.parse(res.text) as { error: { message: string; type: string } };
      expect(error.type).toBe('rate_limit_error');
      expect(error.message).toContain('gw-req-42');
      expect(error.message).not.toContain(sim.url);
      expect(chatRequests() - before).toBe(1);
    },
  );

  it('maxRetryAfterMs: 0 passes even a 1 s Retry-After back; the caller’s x-request-id is quoted by default', async () => {
    const s = await start({ maxRetryAfterMs: 0 }, mount);
    sim.rateLimit(1, { target: 'chat', retryAfterSeconds: 1 });
    const error = (await new OpenAI({ baseURL: s.baseURL, apiKey: 'x', maxRetries: 0 }).chat.completions
      .create({ model: 'agenticstar', messages }, { headers: { 'x-request-id': 'caller-7' } })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers?.get('retry-after')).toBe('1');
    expect(error.message).toContain('caller-7');
  });

  it('a request id hook that throws is ignored', async () => {
    const s = await start(
      {
        requestId: () => {
          throw new Error('broken hook');
        },
      },
      mount,
    );
    sim.rateLimit(1, { target: 'chat', retryAfterSeconds: 60 });
    const res = await post(s.url, { model: 'agenticstar', messages });
    expect(res.status).toBe(429);
  });
});

describe('bad options are named', () => {
  it.each([
    [{ maxRetryAfterMs: -1 }, 'options.maxRetryAfterMs'],
    [{ requestId: 'x' }, 'options.requestId'],
    [{ shutdownSignal: {} }, 'options.shutdownSignal'],
  ])('%o', (options, argument) => {
    const make = () => createChatCompletionsHandler(options as ChatCompletionsHandlerOptions);
    expect(make).toThrow(InvalidArgumentError);
    expect(make).toThrow(argument);
  });
});

describe.each(MOUNTS)('shutdownSignal (%s mount)', (mount) => {
  it('ends an open chat stream with a final error chunk', async () => {
    const shutdown = new AbortController();
    const s = await start({ shutdownSignal: shutdown.signal }, mount);
    sim.stall({ afterEvents: 2 });
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'agenticstar', messages, stream: true }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = (await reader.read()).value ?? '';
    shutdown.abort();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
    const last = text.trimEnd().split('\n').at(-1)!;
    expect(JSON.parse(last.slice('data: '.length))).toMatchObject({ error: { code: 'server_shutting_down' } });
  });

  it('answers a whole response still waiting with 503', async () => {
    const shutdown = new AbortController();
    const handler = createResponsesHandler({
      agenticstar: { baseURL: sim.url, tokenUrl: sim.tokenUrl, clientId: sim.clientId, clientSecret: sim.clientSecret },
      codeer: false,
      miibo: false,
      shutdownSignal: shutdown.signal,
    });
    sim.stall({ afterEvents: 2 });
    const before = chatRequests();
    const answer = handler.create(
      new Request('http://gateway.test/v1/responses', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'agenticstar', input: 'こんにちは' }),
      }),
    );
    await eventually(() => chatRequests() > before);
    shutdown.abort();
    const res = await answer;
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('server_shutting_down');
  });
});

describe('a caller that goes away', () => {
  it('is not an error for the metrics hook, and the turn is closed once', async () => {
    const errors: string[] = [];
    let closed = 0;
    const s = await start({
      metrics: { error: (_p, kind) => errors.push(kind), streamClosed: () => void closed++ },
    });
    sim.delayHeaders(1, { delayMs: 3000, target: 'chat' });
    const before = chatRequests();
    const controller = new AbortController();
    const request = post(s.url, { model: 'agenticstar', messages }, { signal: controller.signal }).catch(
      () => undefined,
    );
    await eventually(() => chatRequests() > before);
    controller.abort();
    await request;
    await eventually(() => closed === 1);
    expect(errors).toEqual([]);
  });
});
