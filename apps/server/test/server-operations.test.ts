import { simulatorEnv, startAgenticStarSimulator } from '@kakehashi/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { buildOpenApiDocument, createKakehashiServer, ServerConfigError, type KakehashiServer } from '../src/index';
import { logSink, postJson, startInProcess } from './server-harness';

const servers: KakehashiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close(0)));
});
async function server(config: Parameters<typeof startInProcess>[0] = {}) {
  const started = await startInProcess(config);
  servers.push(started.server);
  return started;
}

/** A test route streaming `count` SSE events, `gapMs` apart. */
function slowStreamRoute(count: number, gapMs: number) {
  return (app: KakehashiServer['app']) => {
    app.get('/test/slow-stream', () => {
      let i = 0;
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
          if (i < count) controller.enqueue(encoder.encode(`data: ${i++}\n\n`));
          else controller.close();
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
  };
}

describe('operations', () => {
  it('GET /healthz answers {status: "ok"} without a key', async () => {
    const { url } = await server({ apiKeys: ['k-123456'] });
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('x-request-id')).toMatch(/\S/);
  });

  it('requires Authorization: Bearer <key> on /v1/* with keys configured (OpenAI-style 401)', async () => {
    const { url } = await server({ apiKeys: ['key-one-123456', 'key-two-123456'] });
    const none = await fetch(`${url}/v1/agent-groups/x`);
    expect(none.status).toBe(401);
    const body = (await none.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
    expect((await fetch(`${url}/v1/agent-groups/x`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await fetch(`${url}/v1/agent-groups/x`, { headers: { authorization: 'key-two-123456' } })).status).toBe(
      401,
    );
    const ok = await fetch(`${url}/v1/agent-groups/x`, { headers: { authorization: 'Bearer key-two-123456' } });
    expect(ok.status).toBe(404); // authenticated; the group is unknown
  });

  it('refuses a non-loopback host without API keys, and accepts it with keys', () => {
    expect(() => createKakehashiServer({ host: '0.0.0.0', logger: false, store: { sqlitePath: ':memory:' } })).toThrow(
      ServerConfigError,
    );
    expect(() => createKakehashiServer({ host: '0.0.0.0', logger: false, store: { sqlitePath: ':memory:' } })).toThrow(
      /KAKEHASHI_API_KEYS/,
    );
    const ok = createKakehashiServer({
      host: '0.0.0.0',
      apiKeys: ['k-123456'],
      logger: false,
      store: { sqlitePath: ':memory:' },
    });
    servers.push(ok);
  });

  it('answers 413 for bodies over the limit, declared or chunked', async () => {
    const { url } = await server({ bodyLimitBytes: 1024 });
    const big = { utterance: 'あ'.repeat(2000) };
    const declared = await postJson(`${url}/v1/agent-groups`, big);
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { code: string } }).error.code).toBe('request_too_large');

    const bytes = new TextEncoder().encode(JSON.stringify(big));
    const chunked = await fetch(`${url}/webhooks/miibo/agent-groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 256) controller.enqueue(bytes.subarray(i, i + 256));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);

    // Within the limit, a chunked body reaches the route intact.
    const small = new TextEncoder().encode(JSON.stringify({ groupId: 'g', status: 'completed' }));
    const fine = await fetch(`${url}/webhooks/miibo/agent-groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start: (c) => {
          c.enqueue(small);
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(fine.status).toBe(401); // reached the webhook's secret check
  });

  it('GET /metrics exposes the request counters, the stream gauge and the provider metrics', async () => {
    const { url, server: s } = await server({ routes: slowStreamRoute(2, 1) });
    await fetch(`${url}/healthz`);
    await fetch(`${url}/healthz`);
    await fetch(`${url}/nowhere`);
    await (await fetch(`${url}/test/slow-stream`)).text();
    s.metrics.observeUpstream('codeer', 'chat', 0.2);
    s.metrics.countProviderError('miibo', { kind: 'api-call' });
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toContain('kakehashi_http_requests_total{method="GET",route="/healthz",status="200"} 2');
    expect(text).toContain('kakehashi_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).toContain('kakehashi_active_streams{route="/test/slow-stream"} 0');
    expect(text).toMatch(
      /kakehashi_upstream_latency_seconds_count\{provider="codeer",operation="chat",outcome="ok"\} 1/,
    );
    expect(text).toContain('kakehashi_provider_errors_total{provider="miibo",kind="api-call"} 1');
    expect(text).toContain('kakehashi_http_request_duration_seconds_bucket');
    expect(text).toContain('kakehashi_process_cpu_user_seconds_total');
  });

  it('GET /openapi.json is an OpenAPI 3.1 document listing every route', async () => {
    const { url } = await server();
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      servers: { url: string }[];
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers[0]!.url).toBe(url);
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /v1/chat/completions',
        'GET /v1/models',
        'GET /',
        'POST /v1/agent-groups',
        'GET /v1/agent-groups/{groupId}',
        'POST /webhooks/miibo/agent-groups',
        'POST /api/v2/aiagent/getRtcAuthToken',
        'POST /api/v2/aiagent/generateMessageChatToken',
        'POST /api/v2/aiagent/describeAIAgentInstance',
        'OPTIONS /api/v2/aiagent/getRtcAuthToken',
        'GET /healthz',
        'GET /metrics',
        'GET /openapi.json',
      ]),
    );
    expect(buildOpenApiDocument().paths).toEqual(doc.paths);
  });

  it('unknown routes get an OpenAI-style 404', async () => {
    const { url } = await server();
    const res = await fetch(`${url}/v2/unknown`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('logs JSON lines without secrets (Authorization, API keys, webhook secret)', async () => {
    const logs = logSink();
    const key = 'very-secret-api-key-0001';
    const { url, server: s } = await server({
      apiKeys: [key],
      logger: { level: 'debug', destination: logs.destination },
    });
    await fetch(`${url}/v1/agent-groups/abc`, {
      headers: { authorization: `Bearer ${key}`, 'x-request-id': 'req-42' },
    });
    await postJson(
      `${url}/webhooks/miibo/agent-groups`,
      { groupId: 'g', status: 'completed' },
      { 'x-kakehashi-webhook-secret': 'wrong-secret-value' },
    );
    s.logger.info({ headers: { authorization: `Bearer ${key}`, 'x-api-key': key }, api_key: key }, 'probe');
    const lines = logs.lines();
    expect(lines.find((l) => l.reqId === 'req-42')).toMatchObject({
      method: 'GET',
      route: '/v1/agent-groups/:groupId',
      status: 404,
      level: 'info',
    });
    expect(lines.find((l) => l.msg === 'probe')).toMatchObject({
      api_key: '[REDACTED]',
      headers: { authorization: '[REDACTED]' },
    });
    expect(logs.text()).not.toContain(key);
    expect(logs.text()).not.toContain(s.webhookSecret);
  });

  it('close() stops accepting, lets an open stream finish, then resolves', async () => {
    const { url, server: s } = await server({ routes: slowStreamRoute(6, 80) });
    const res = await fetch(`${url}/test/slow-stream`);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: 0\n\n');

    let closed = false;
    const closing = s.close(10_000).then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(s.shuttingDown).toBe(true);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow(); // no new connections

    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toBe('data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: 5\n\n');
    await closing;
    expect(closed).toBe(true);
  });

  it('a chat stream written straight to the socket: x-request-id, counted as an active stream, finished by close()', async () => {
    const sim = await startAgenticStarSimulator({
      script: [{ content: '前半' }, { wait: 300 }, { content: '後半' }],
      heartbeatIntervalMs: 0,
    });
    try {
      const { url, server: s } = await server({
        env: simulatorEnv({ agenticstar: sim }),
        chat: { codeer: false, miibo: false },
      });
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'req-stream-1' },
        body: JSON.stringify({
          model: 'agenticstar',
          stream: true,
          messages: [{ role: 'user', content: 'こんにちは' }],
        }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(res.headers.get('x-request-id')).toBe('req-stream-1');
      expect(res.headers.get('x-kakehashi-provider')).toBe('agenticstar');
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = (await reader.read()).value ?? '';
      expect(await s.metrics.registry.metrics()).toContain('kakehashi_active_streams{route="/v1/chat/completions"} 1');
      const closing = s.close(10_000);
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += value;
      }
      await closing;
      expect(text).toContain('後半');
      expect(text).toContain('data: [DONE]');
      expect(await s.metrics.registry.metrics()).toContain('kakehashi_active_streams{route="/v1/chat/completions"} 0');
    } finally {
      await sim.close();
    }
  });

  it('close() cuts a stream that outlives the deadline', async () => {
    const { url, server: s } = await server({ routes: slowStreamRoute(1000, 50) });
    const res = await fetch(`${url}/test/slow-stream`);
    const reader = res.body!.getReader();
    await reader.read();
    await s.close(100);
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) break;
      })(),
    ).rejects.toThrow();
  });

  it('a long poll is answered at once on shutdown', async () => {
    const { url, server: s } = await server();
    await (await s.store()).recordStart('waiting-1');
    const poll = fetch(`${url}/v1/agent-groups/waiting-1?wait=60`).then(async (r) => ({
      status: r.status,
      body: await r.json(),
    }));
    await new Promise((r) => setTimeout(r, 50));
    await s.close(5000);
    expect(await poll).toEqual({ status: 200, body: { groupId: 'waiting-1', status: 'started' } });
  });
});

describe('chat metrics hooks', () => {
  it("record turns, first-event latency and provider errors (not the caller's mistakes)", async () => {
    const { createServerMetrics, chatMetricsHooks } = await import('../src/index');
    const metrics = createServerMetrics({ defaultMetrics: false });
    const hooks = chatMetricsHooks(metrics);
    hooks.streamOpened!('codeer');
    hooks.upstreamLatency!('codeer', 250);
    hooks.error!('codeer', 'upstream_timeout');
    hooks.error!('codeer', 'invalid_request');
    const text = await metrics.registry.metrics();
    expect(text).toContain('kakehashi_upstream_turns_active{provider="codeer"} 1');
    expect(text).toContain(
      'kakehashi_upstream_latency_seconds_sum{provider="codeer",operation="chat",outcome="ok"} 0.25',
    );
    expect(text).toContain('kakehashi_provider_errors_total{provider="codeer",kind="upstream_timeout"} 1');
    expect(text).not.toContain('kind="invalid_request"');
    hooks.streamClosed!('codeer');
    expect(await metrics.registry.metrics()).toContain('kakehashi_upstream_turns_active{provider="codeer"} 0');
  });
});
