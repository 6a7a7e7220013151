/**
 * Streaming behaviour of the gateway on real loopback HTTP: a caller that disconnects cancels the
 * upstream request at once; platform errors mid-stream become OpenAI error events; heartbeats during
 * silent agent work; miibo rewrites; backpressure; the metrics and logger hooks.
 */
import { connect } from 'node:net';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import {
  type ChatCompletionsHandlerOptions,
  type ChatCompletionsMetrics,
  createChatCompletionsHandler,
} from '@kakehashi/openai-compat';
import { type AgentEvent, type ChatAgent, createAgentTurn } from '@kakehashi/sse-core';
import { MIIBO_REWRITE_DRAFT, defaultMiiboAnswer, startAgenticStarSimulator, whenSteady } from '@kakehashi/testkit';
import { streamText } from 'ai';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  GATEWAY_MOUNTS,
  MIIBO_TEST_AGENT,
  eventually,
  simulatorEnv,
  startGateway,
  startSimulators,
  type Gateway,
  type GatewayMount,
  type Simulators,
} from './chat-completions-harness';

let sims: Simulators;
const gateways: Gateway[] = [];

beforeAll(async () => {
  sims = await startSimulators();
});
afterEach(async () => {
  sims.agenticstar.clearFaults();
  sims.codeer.clearFaults();
  sims.miibo.resetKnobs();
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});
afterAll(() => sims?.close());

async function gateway(
  options: Partial<ChatCompletionsHandlerOptions> = {},
  mount: GatewayMount = 'node',
): Promise<Gateway> {
  const g = await startGateway({ env: simulatorEnv(sims), ...options }, mount);
  gateways.push(g);
  return g;
}

function body(model: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: '調べてください' }], ...extra });
}

/** Parses an SSE text into its data payloads and comments. */
function parseSSE(text: string): { data: string[]; comments: string[] } {
  const data: string[] = [];
  const comments: string[] = [];
  for (const block of text.split('\n\n')) {
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
  }
  return { data, comments };
}

/** Records every metrics call. */
function recordingMetrics() {
  const calls: Array<[string, ...unknown[]]> = [];
  const metrics: Required<ChatCompletionsMetrics> = {
    streamOpened: (p) => calls.push(['opened', p]),
    streamClosed: (p) => calls.push(['closed', p]),
    upstreamLatency: (p, ms) => calls.push(['latency', p, ms]),
    error: (p, kind) => calls.push(['error', p, kind]),
  };
  return { calls, metrics, count: (name: string) => calls.filter((c) => c[0] === name).length };
}

describe.each(GATEWAY_MOUNTS)('a caller that disconnects cancels the upstream request at once (%s mount)', (mount) => {
  it.each(['agenticstar', 'codeer', 'miibo'] as const)('%s: abort the openai client mid-stream', async (platform) => {
    const rec = recordingMetrics();
    const g = await gateway({ metrics: rec.metrics }, mount);
    if (platform === 'agenticstar') sims.agenticstar.stall({ afterEvents: 3 });
    if (platform === 'codeer') sims.codeer.stall({ afterEvents: 5 });
    if (platform === 'miibo') sims.miibo.stall({ afterEvents: 3 });
    const openai = new OpenAI({ baseURL: g.baseURL, apiKey: 'x', maxRetries: 0 });
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: platform, stream: true, messages: [{ role: 'user', content: '長い作業をお願いします' }] },
      { signal: controller.signal },
    );
    let text = '';
    try {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (text !== '') controller.abort(); // the upstream is now stalled: silent, connection open
      }
    } catch {
      // the client may end the loop quietly or throw its abort error
    }
    expect(text).not.toBe('');
    const upstream =
      platform === 'agenticstar'
        ? sims.agenticstar.chatRequests.at(-1)!
        : platform === 'codeer'
          ? sims.codeer.requests.at(-1)!
          : sims.miibo.requests.at(-1)!;
    const started = Date.now();
    await expect(upstream.closed).resolves.toEqual({ byClient: true });
    expect(Date.now() - started).toBeLessThan(1000);
    await eventually(() => rec.count('closed') === 1, 2000, 'streamClosed');
    expect(rec.count('opened')).toBe(1);
    expect(rec.count('error')).toBe(0);
  });

  it('while the gateway still waits for the first event (before any byte was sent)', async () => {
    const g = await gateway({ firstEventWaitMs: 10_000 }, mount);
    sims.agenticstar.stall({ afterEvents: 0 });
    const controller = new AbortController();
    const pending = fetch(`${g.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body('agenticstar'),
      signal: controller.signal,
    });
    const [upstream] = await sims.agenticstar
      .waitForRequests(sims.agenticstar.requests.length + 1)
      .then(() => [sims.agenticstar.chatRequests.at(-1)!]);
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expect(upstream!.closed).resolves.toEqual({ byClient: true });
  });

  it('the AI SDK aborting streamText cancels upstream too', async () => {
    const g = await gateway({}, mount);
    sims.codeer.stall({ afterEvents: 5 });
    const controller = new AbortController();
    const result = streamText({
      model: createOpenAICompatible({ baseURL: g.baseURL, name: 'kakehashi' })('codeer'),
      prompt: '続けて',
      abortSignal: controller.signal,
      maxRetries: 0,
    });
    for await (const piece of result.textStream) {
      if (piece) break;
    }
    controller.abort();
    await expect(sims.codeer.requests.at(-1)!.closed).resolves.toEqual({ byClient: true });
  });
});

describe.each(GATEWAY_MOUNTS)('heartbeats while the agent is silent (%s mount)', (mount) => {
  it('sends `: heartbeat` comments mid-answer, then the caller may leave', async () => {
    const g = await gateway({ heartbeatMs: 40 }, mount);
    sims.agenticstar.stall({ afterEvents: 3 });
    const controller = new AbortController();
    const res = await fetch(`${g.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body('agenticstar'),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = Date.now() + 400;
    while (Date.now() < until) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    controller.abort();
    const { data, comments } = parseSSE(text);
    expect(data.length).toBeGreaterThanOrEqual(2);
    expect(comments.filter((c) => c === 'heartbeat').length).toBeGreaterThanOrEqual(3);
    await expect(sims.agenticstar.chatRequests.at(-1)!.closed).resolves.toEqual({ byClient: true });
  });

  it('before the first event: 200 headers after firstEventWaitMs, then heartbeats, then the answer', async () => {
    // Its own simulator: the script stays configured for its lifetime.
    const slow = await startAgenticStarSimulator({
      script: [{ wait: 250 }, { content: '遅い答え' }],
      heartbeatIntervalMs: 0,
    });
    try {
      const g = await gateway(
        {
          heartbeatMs: 30,
          env: simulatorEnv({ ...sims, agenticstar: slow }),
        },
        mount,
      );
      const started = Date.now();
      const res = await fetch(`${g.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body('agenticstar'),
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
      const { data, comments } = parseSSE(text);
      expect(comments.filter((c) => c === 'heartbeat').length).toBeGreaterThanOrEqual(3);
      expect(data.at(-1)).toBe('[DONE]');
      expect(data.map((d) => (d === '[DONE]' ? '' : (JSON.parse(d).choices[0]?.delta?.content ?? ''))).join('')).toBe(
        '遅い答え',
      );
    } finally {
      await slow.close();
    }
  });

  it('the official client ignores heartbeats', async () => {
    const g = await gateway({ heartbeatMs: 20 }, mount);
    sims.codeer.configure({ eventDelayMs: 30 });
    try {
      const openai = new OpenAI({ baseURL: g.baseURL, apiKey: 'x', maxRetries: 0 });
      const stream = await openai.chat.completions.create({
        model: 'codeer',
        stream: true,
        messages: [{ role: 'user', content: 'こんにちは' }],
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      expect(text.length).toBeGreaterThan(10);
    } finally {
      sims.codeer.configure({ eventDelayMs: 0 });
    }
  });
});

describe.each(GATEWAY_MOUNTS)(
  'a platform error mid-stream becomes an OpenAI error event, then the stream ends (%s mount)',
  (mount) => {
    it('Codeer in-stream error: raw SSE', async () => {
      const rec = recordingMetrics();
      const g = await gateway({ metrics: rec.metrics }, mount);
      sims.codeer.inStreamError({ afterDeltas: 2, code: 10005, message: '処理に失敗しました' });
      const res = await fetch(`${g.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body('codeer'),
      });
      expect(res.status).toBe(200);
      const { data } = parseSSE(await res.text());
      const last = JSON.parse(data.at(-1)!) as { error: { message: string; type: string; code: string } };
      expect(last.error).toMatchObject({ type: 'server_error', code: '10005' });
      expect(last.error.message).toContain('処理に失敗しました');
      expect(data).not.toContain('[DONE]');
      expect(
        data
          .slice(0, -1)
          .map((d) => JSON.parse(d).choices[0]?.delta?.content ?? '')
          .join(''),
      ).not.toBe('');
      expect(rec.calls).toContainEqual(['error', 'codeer', 'stream_error']);
    });

    it('the official client throws an APIError with the message', async () => {
      const g = await gateway({}, mount);
      sims.codeer.inStreamError({ afterDeltas: 1, message: 'quota exceeded' });
      const openai = new OpenAI({ baseURL: g.baseURL, apiKey: 'x', maxRetries: 0 });
      const stream = await openai.chat.completions.create({
        model: 'codeer',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      });
      let text = '';
      const error = await (async () => {
        try {
          for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as Error).message).toContain('quota exceeded');
      expect(text).not.toBe('');
    });

    it('the AI SDK reports an error part', async () => {
      const g = await gateway({}, mount);
      sims.agenticstar.cut({ afterEvents: 4 });
      const parts: string[] = [];
      const errors: unknown[] = [];
      const result = streamText({
        model: createOpenAICompatible({ baseURL: g.baseURL, name: 'kakehashi' })('agenticstar'),
        prompt: 'hi',
        maxRetries: 0,
        onError: ({ error }) => void errors.push(error),
      });
      for await (const part of result.fullStream) parts.push(part.type);
      expect(parts).toContain('error');
      expect(await result.finishReason).toBe('error');
      expect(String((errors[0] as Error).message)).toContain('connection');
      expect(String((errors[0] as Error).message)).not.toContain('127.0.0.1');
    });

    it('a cut miibo stream (no final object) is an error, not a silent success', async () => {
      const g = await gateway({}, mount);
      sims.miibo.configure({ endWithoutFinal: true });
      const res = await fetch(`${g.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body('miibo'),
      });
      const { data } = parseSSE(await res.text());
      expect(JSON.parse(data.at(-1)!).error.code).toBe('stream-cut');
      // and not streaming: a 502 JSON error
      const whole = await fetch(`${g.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body('miibo', { stream: false }),
      });
      expect(whole.status).toBe(502);
      expect(((await whole.json()) as { error: { code: string } }).error.code).toBe('stream-cut');
    });
  },
);

describe('miibo rewrites (text-replace)', () => {
  it('a rewrite carries the whole text with kakehashi.text_replace; applying it gives the final answer', async () => {
    const g = await gateway();
    sims.miibo.configure({ rewrite: true });
    const res = await fetch(`${g.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body('miibo', { user: 'u-rw' }),
    });
    const chunks = parseSSE(await res.text())
      .data.filter((d) => d !== '[DONE]')
      .map(
        (d) =>
          JSON.parse(d) as {
            choices: Array<{ delta: { content?: string } }>;
            kakehashi?: { text_replace?: boolean; text?: string };
          },
      );
    const expected = defaultMiiboAnswer({
      utterance: '調べてください',
      uid: 'u-rw',
      agentId: MIIBO_TEST_AGENT,
      body: {},
    });
    let aware = '';
    let plain = '';
    for (const c of chunks) {
      const piece = c.choices[0]?.delta.content ?? '';
      plain += piece;
      aware = c.kakehashi?.text_replace ? piece : aware + piece;
    }
    expect(chunks.some((c) => c.kakehashi?.text_replace)).toBe(true);
    expect(aware).toBe(expected);
    expect(plain).toBe(MIIBO_REWRITE_DRAFT + expected); // a plain client sees the draft, then the whole answer
    expect(chunks.at(-1)!.kakehashi?.text).toBe(expected);
  });

  it('not streaming: only the final text', async () => {
    const g = await gateway();
    sims.miibo.configure({ rewrite: true });
    const openai = new OpenAI({ baseURL: g.baseURL, apiKey: 'x', maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: 'miibo',
      user: 'u-rw',
      messages: [{ role: 'user', content: '調べてください' }],
    });
    expect(completion.choices[0]!.message.content).toBe(
      defaultMiiboAnswer({ utterance: '調べてください', uid: 'u-rw', agentId: MIIBO_TEST_AGENT, body: {} }),
    );
  });
});

/**
 * A miibo stand-in, as the agent contract's `ChatAgent` (the handler takes one in place of a
 * platform's settings), whose `total` text deltas are produced only when pulled (`piece(i)` is the
 * text of the i-th).
 */
function lazyMiibo(total: number, piece: (i: number) => string = (i) => `${i},`) {
  const state = { pulled: 0, returned: false };
  async function* events(): AsyncGenerator<AgentEvent> {
    try {
      yield { type: 'start', provider: 'miibo' };
      let text = '';
      for (let i = 0; i < total; i++) {
        state.pulled++;
        const delta = piece(i);
        text += delta;
        yield { type: 'text-delta', delta };
      }
      yield { type: 'finish', text, reason: 'stop' };
    } finally {
      state.returned = true;
    }
  }
  const provider: ChatAgent = {
    provider: 'miibo',
    startTurn: (_input, options) =>
      createAgentTurn({
        provider: 'miibo',
        ...(options?.signal ? { signal: options.signal } : {}),
        open: () => events()[Symbol.asyncIterator](),
      }),
  };
  return { provider, state };
}

describe('backpressure and cancellation at the handler', () => {
  it('reads the platform only as fast as the caller reads, and cancelling stops it', async () => {
    const { provider, state } = lazyMiibo(10_000);
    const handler = createChatCompletionsHandler({ miibo: provider, heartbeatMs: 0 });
    const res = await handler.completions(
      new Request('http://x/v1/chat/completions', { method: 'POST', body: body('miibo/any') }),
    );
    const reader = res.body!.getReader();
    for (let i = 0; i < 3; i++) await reader.read();
    const pulledAfterThreeChunks = state.pulled;
    await new Promise((r) => setTimeout(r, 50));
    // One event per chunk on the web stream, and nothing is read ahead of the reader.
    expect(state.pulled).toBe(pulledAfterThreeChunks);
    expect(state.pulled).toBeLessThanOrEqual(3 * 33 + 1);
    await reader.cancel();
    await eventually(() => state.returned, 1000, 'the event source to be closed');
    expect(state.pulled).toBeLessThanOrEqual(3 * 33 + 1);
  });
});

describe.each(GATEWAY_MOUNTS)('backpressure over HTTP (%s mount)', (mount) => {
  it('a caller that stops reading stops the platform reads; reading again finishes the answer', async () => {
    const total = 3000;
    const piece = 'あ'.repeat(4000); // ~12 KB per event, ~36 MB in all: more than the socket buffers hold
    const { provider, state } = lazyMiibo(total, () => piece);
    const g = await gateway({ miibo: provider, heartbeatMs: 0 }, mount);
    const payload = body('miibo/any');
    const socket = connect(Number(new URL(g.url).port), '127.0.0.1');
    socket.pause(); // reads nothing
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
    );
    await eventually(() => state.pulled > 0, 3000, 'the first platform read');
    await whenSteady(() => state.pulled); // the gateway has stopped reading the platform
    expect(state.pulled).toBeLessThan(total / 3);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.resume();
    await eventually(() => received.includes('data: [DONE]'), 20_000, 'the end of the answer');
    expect(state.pulled).toBe(total);
    expect(state.returned).toBe(true);
    socket.destroy();
  });
});

describe('hooks', () => {
  it('metrics: opened/closed balanced, latency measured, errors counted by kind; the logger never sees a secret', async () => {
    const rec = recordingMetrics();
    const lines: string[] = [];
    const log = (fields: Record<string, unknown>, message: string) =>
      lines.push(`${message} ${JSON.stringify(fields)}`);
    const g = await gateway({ metrics: rec.metrics, logger: { debug: log, info: log, warn: log, error: log } });
    const openai = new OpenAI({ baseURL: g.baseURL, apiKey: 'x', maxRetries: 0 });
    await openai.chat.completions.create({ model: 'agenticstar', messages: [{ role: 'user', content: 'a' }] });
    const s = await openai.chat.completions.create({
      model: 'miibo',
      stream: true,
      messages: [{ role: 'user', content: 'b' }],
    });
    for await (const _ of s) void _;
    await expect(
      openai.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'c' }] }),
    ).rejects.toThrow();
    await eventually(() => rec.count('closed') === 2, 2000, 'two closed turns');
    expect(rec.count('opened')).toBe(2);
    expect(rec.calls.filter((c) => c[0] === 'latency').every((c) => typeof c[2] === 'number' && c[2] >= 0)).toBe(true);
    expect(rec.count('latency')).toBe(2);
    expect(rec.calls).toContainEqual(['error', 'unknown', 'model_not_found']);
    expect(lines.length).toBeGreaterThan(0);
    const all = lines.join('\n');
    expect(all).not.toContain(sims.agenticstar.clientSecret);
    expect(all).not.toContain(sims.codeer.apiKey);
  });

  it('a throwing hook does not break requests', async () => {
    const boom = () => {
      throw new Error('hook failed');
    };
    const g = await gateway({
      metrics: { streamOpened: boom, streamClosed: boom, upstreamLatency: boom, error: boom },
      logger: { debug: boom, warn: boom },
    });
    const openai = new OpenAI({ baseURL: g.baseURL, apiKey: 'x', maxRetries: 0 });
    const c = await openai.chat.completions.create({ model: 'codeer', messages: [{ role: 'user', content: 'hi' }] });
    expect(c.choices[0]!.message.content).not.toBe('');
  });
});
