/**
 * Upstream back-pressure and failures as the caller sees them, through the whole server (request id,
 * access log, /metrics): a long `Retry-After` is passed back at once as a real 429/503 before any
 * 200 (streamed or not, Chat Completions, Responses and the agent group start); a short one is
 * waited out; upstream URLs and bodies never reach the caller (a request id does); an upstream
 * timeout is 504; a caller that goes away is 499 / `client_closed`, never a provider error.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { startScriptedServer, type ScriptedServer } from '@kakehashi/testkit';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serverConfigFromEnv, ServerConfigError, type KakehashiServer, type KakehashiServerConfig } from '../src/index';
import { eventually, simulatorEnv, startSimulators, type Simulators } from './chat-completions-harness';
import { groupStartBody, logSink, postJson, startInProcess } from './server-harness';

let sims: Simulators;
const servers: KakehashiServer[] = [];
const scripted: ScriptedServer[] = [];

beforeAll(async () => {
  sims = await startSimulators();
});
afterEach(async () => {
  sims.agenticstar.clearFaults();
  sims.codeer.clearFaults();
  sims.miibo.clearFaults();
  await Promise.all(servers.splice(0).map((s) => s.close(0)));
  await Promise.all(scripted.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await sims?.close();
});

async function gateway(config: KakehashiServerConfig = {}) {
  const log = logSink();
  const started = await startInProcess({
    env: simulatorEnv(sims),
    logger: { level: 'debug', destination: log.destination },
    ...config,
  });
  servers.push(started.server);
  const openai = new OpenAI({ baseURL: `${started.url}/v1`, apiKey: 'x', maxRetries: 0 });
  return { ...started, log, openai };
}

const messages = [{ role: 'user' as const, content: 'こんにちは' }];

/** The value of one sample in the Prometheus text, or 0 when absent. */
async function sample(s: KakehashiServer, series: string): Promise<number> {
  const text = await s.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('a long upstream Retry-After is passed back at once, before any 200', () => {
  it.each([false, true])('chat completions (stream: %s): 429 with Retry-After, one upstream call', async (stream) => {
    const { openai } = await gateway();
    sims.agenticstar.rateLimit(1, { target: 'chat', retryAfterSeconds: 120 });
    const before = sims.agenticstar.requests.length;
    const error = await openai.chat.completions
      .create({ model: 'agenticstar', messages, stream })
      .then(async (r) => {
        // A stream that opened would be a 200: drain it so the test fails on the status, not a hang.
        if (Symbol.asyncIterator in r) for await (const _ of r);
        return undefined;
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const e = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e.status).toBe(429);
    expect(e.headers?.get('retry-after')).toBe('120');
    expect(e.headers?.get('content-type')).toContain('application/json');
    expect(e.message).toContain('agenticstar');
    expect(e.message).toContain('HTTP 429');
    // Refused once and passed on: no retry after 120 s, nothing else sent to the chat endpoint.
    const chats = sims.agenticstar.requests.slice(before).filter((r) => r.path.includes('chat'));
    expect(chats).toHaveLength(1);
  });

  it.each([false, true])('responses (stream: %s): 429 with Retry-After', async (stream) => {
    const { url } = await gateway();
    sims.agenticstar.rateLimit(1, { target: 'chat', retryAfterSeconds: 90 });
    const res = await postJson(`${url}/v1/responses`, { model: 'agenticstar', input: 'こんにちは', stream });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('90');
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as { error: { type: string } };
    expect(body.error.type).toBe('rate_limit_error');
  });

  it('a 503 with a long Retry-After is 503 with Retry-After', async () => {
    const upstream = await startScriptedServer(() => ({ status: 503, headers: { 'retry-after': '45' } }));
    scripted.push(upstream);
    const { openai } = await gateway({
      chat: { codeer: { baseURL: `${upstream.url}/api/v1`, apiKey: 'codeer-key-123456', agentId: 'a1' } },
    });
    const error = (await openai.chat.completions
      .create({ model: 'codeer', messages, stream: true })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.status).toBe(503);
    expect(error.headers?.get('retry-after')).toBe('45');
    expect(upstream.requests).toHaveLength(1);
  });

  it('the agent group start: 429 with Retry-After at once', async () => {
    const { url } = await gateway();
    sims.miibo.rateLimit(1, { retryAfterSeconds: 120 });
    const res = await postJson(`${url}/v1/agent-groups`, groupStartBody());
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('120');
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain('miibo');
    expect(body.error.message).not.toContain(sims.miibo.url);
  });

  it('a Retry-After within the bound is waited out and retried: the caller gets its answer', async () => {
    const { openai } = await gateway({ maxRetryAfterSeconds: 5 });
    sims.agenticstar.rateLimit(1, { target: 'chat', retryAfterSeconds: 1 });
    const answer = await openai.chat.completions.create({ model: 'agenticstar', messages });
    expect(answer.choices[0]!.message.content).not.toBe('');
  });

  it('KAKEHASHI_MAX_RETRY_AFTER sets the bound in seconds, and a bad value names the variable', () => {
    expect(serverConfigFromEnv({ KAKEHASHI_MAX_RETRY_AFTER: '12' }).maxRetryAfterSeconds).toBe(12);
    expect(serverConfigFromEnv({}).maxRetryAfterSeconds).toBeUndefined();
    expect(() => serverConfigFromEnv({ KAKEHASHI_MAX_RETRY_AFTER: 'soon' })).toThrow(ServerConfigError);
    expect(() => serverConfigFromEnv({ KAKEHASHI_MAX_RETRY_AFTER: 'soon' })).toThrow(/KAKEHASHI_MAX_RETRY_AFTER/);
  });
});

describe('upstream URLs and bodies never reach the caller; request ids do', () => {
  const DISTINCTIVE = 'zebra-quartz-9412 internal stack at db-7.corp.example';

  async function leakyUpstream() {
    const upstream = await startScriptedServer(() => ({
      status: 500,
      headers: { 'content-type': 'application/json', 'x-request-id': 'up-req-4711' },
      body: JSON.stringify({ message: DISTINCTIVE, detail: 'see http://10.1.2.3/internal/debug' }),
    }));
    scripted.push(upstream);
    return upstream;
  }

  it.each([false, true])('chat completions (stream: %s)', async (stream) => {
    const upstream = await leakyUpstream();
    const { url, log } = await gateway({
      chat: {
        maxRetries: 0,
        codeer: { baseURL: `${upstream.url}/api/v1/secret-path`, apiKey: 'codeer-key-123456', agentId: 'a1' },
      },
    });
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'caller-req-1' },
      body: JSON.stringify({ model: 'codeer', messages, stream }),
    });
    const text = await res.text();
    expect(res.status).toBe(502);
    for (const leak of ['zebra-quartz', 'db-7.corp', '10.1.2.3', 'secret-path', upstream.url, '127.0.0.1'])
      expect(text).not.toContain(leak);
    const { error } = JSON.parse(text) as { error: { message: string; code: string } };
    expect(error.message).toContain('codeer');
    expect(error.message).toContain('HTTP 500');
    expect(error.message).toContain('up-req-4711');
    expect(error.message).toContain('caller-req-1');
    // The detail is in the log, under the same request id.
    const line = log.lines().find((l) => l.reqId === 'caller-req-1' && l.msg === 'chat completion failed');
    expect(JSON.stringify(line)).toContain('zebra-quartz');
  });

  it('responses, with the gateway generating the request id', async () => {
    const upstream = await leakyUpstream();
    const { url } = await gateway({
      chat: {
        maxRetries: 0,
        codeer: { baseURL: `${upstream.url}/api/v1/secret-path`, apiKey: 'codeer-key-123456', agentId: 'a1' },
      },
    });
    const res = await postJson(`${url}/v1/responses`, { model: 'codeer', input: 'hi' });
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(text).not.toContain('zebra-quartz');
    expect(text).not.toContain('secret-path');
    expect(text).not.toContain(upstream.url);
    const requestId = res.headers.get('x-request-id')!;
    expect(requestId).toMatch(/\S/);
    expect(text).toContain(requestId);
  });

  it('the agent group start', async () => {
    const upstream = await leakyUpstream();
    const { url } = await gateway({
      miibo: { baseURL: `${upstream.url}/secret-path`, adminApiKey: 'admin-key-123456', maxRetries: 0 },
    });
    const res = await postJson(`${url}/v1/agent-groups`, groupStartBody(), { 'x-request-id': 'group-req-9' });
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(text).not.toContain('zebra-quartz');
    expect(text).not.toContain('secret-path');
    expect(text).not.toContain(upstream.url);
    expect(text).toContain('group-req-9');
    expect(text).toContain('HTTP 500');
  });
});

describe('an upstream timeout is 504', () => {
  it('a whole chat completion whose platform goes silent (idle timeout)', async () => {
    const { openai, server: s } = await gateway({ chat: { timeouts: { idleMs: 300 }, maxRetries: 0 } });
    sims.agenticstar.stall({ afterEvents: 2 });
    const error = (await openai.chat.completions
      .create({ model: 'agenticstar', messages })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(504);
    expect(await sample(s, 'kakehashi_provider_errors_total{provider="agenticstar",kind="upstream_timeout"}')).toBe(1);
  });

  it('a whole response whose platform goes silent', async () => {
    const { url } = await gateway({ chat: { timeouts: { idleMs: 300 }, maxRetries: 0 } });
    sims.agenticstar.stall({ afterEvents: 2 });
    const res = await postJson(`${url}/v1/responses`, { model: 'agenticstar', input: 'hi' });
    expect(res.status).toBe(504);
  });

  it('a streamed one ends with an in-stream error event', async () => {
    const { openai } = await gateway({ chat: { timeouts: { idleMs: 300 }, maxRetries: 0 } });
    sims.agenticstar.stall({ afterEvents: 2 });
    const stream = await openai.chat.completions.create({ model: 'agenticstar', messages, stream: true });
    const error = await (async () => {
      for await (const _ of stream);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(String((error as Error).message)).toMatch(/timeout/);
  });

  it('the agent group start whose platform sends no headers in time', async () => {
    const { url } = await gateway({
      miibo: { timeouts: { headersMs: 200 }, maxRetries: 0 },
    });
    sims.miibo.delayHeaders(1, { delayMs: 2000 });
    const res = await postJson(`${url}/v1/agent-groups`, groupStartBody());
    expect(res.status).toBe(504);
  });
});

describe('a caller that goes away is its own outcome', () => {
  it('before the answer: 499 / client_closed in the access log and /metrics, not a provider error', async () => {
    const { url, server: s, log } = await gateway();
    sims.agenticstar.delayHeaders(1, { delayMs: 3000, target: 'chat' });
    const controller = new AbortController();
    const before = sims.agenticstar.requests.length;
    const request = fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'leaver-1' },
      body: JSON.stringify({ model: 'agenticstar', messages }),
      signal: controller.signal,
    }).catch(() => undefined);
    await eventually(() => sims.agenticstar.requests.slice(before).some((r) => r.path.includes('chat')));
    controller.abort();
    await request;
    const route = 'route="/v1/chat/completions"';
    await eventually(() => log.lines().some((l) => l.reqId === 'leaver-1' && l.msg === 'request'));
    const line = log.lines().find((l) => l.reqId === 'leaver-1' && l.msg === 'request')!;
    expect(line).toMatchObject({ status: 499, outcome: 'client_closed' });
    expect(await sample(s, `kakehashi_http_requests_total{method="POST",${route},status="499"}`)).toBe(1);
    expect(await sample(s, `kakehashi_http_requests_total{method="POST",${route},status="500"}`)).toBe(0);
    expect(await sample(s, `kakehashi_client_disconnects_total{${route},phase="before_answer"}`)).toBe(1);
    expect(await s.metrics.registry.metrics()).not.toContain('kakehashi_provider_errors_total{');
  });

  it('mid-upload: 499, not a 500 nor an error line', async () => {
    const { url, server: s, log } = await gateway();
    // Half of a declared body, then the caller closes its side: the bytes arrive, the rest never does.
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.end(
      'POST /v1/agent-groups HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Content-Length: 200\r\nx-request-id: leaver-3\r\n\r\n{"utterance": "half',
    );
    socket.resume();
    await eventually(() => log.lines().some((l) => l.reqId === 'leaver-3' && l.msg === 'request'));
    expect(log.lines().find((l) => l.reqId === 'leaver-3' && l.msg === 'request')).toMatchObject({
      status: 499,
      outcome: 'client_closed',
    });
    expect(log.lines().filter((l) => l.level === 'error')).toEqual([]);
    expect(await sample(s, 'kakehashi_http_requests_total{method="POST",route="/v1/agent-groups",status="500"}')).toBe(
      0,
    );
  });

  it('mid-stream: client_closed, the upstream cancelled, not a provider error', async () => {
    const { url, server: s, log } = await gateway();
    sims.agenticstar.stall({ afterEvents: 2 });
    const controller = new AbortController();
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'leaver-2' },
      body: JSON.stringify({ model: 'agenticstar', messages, stream: true }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    const chat = sims.agenticstar.requests.filter((r) => r.path.includes('chat')).at(-1)!;
    controller.abort();
    // The upstream connection is closed by the gateway, at once.
    expect(await chat.closed).toMatchObject({ byClient: true });
    const route = 'route="/v1/chat/completions"';
    await eventually(() => log.lines().some((l) => l.reqId === 'leaver-2' && l.msg === 'stream closed'));
    expect(log.lines().find((l) => l.reqId === 'leaver-2' && l.msg === 'stream closed')).toMatchObject({
      outcome: 'client_closed',
    });
    expect(await sample(s, `kakehashi_client_disconnects_total{${route},phase="mid_stream"}`)).toBe(1);
    expect(await s.metrics.registry.metrics()).not.toContain('kakehashi_provider_errors_total{');
  });
});
