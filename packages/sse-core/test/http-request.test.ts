import { getEventListeners } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { splitEvery, startScriptedServer, whenSteady, type ScriptedServer, type ScriptStep } from '@kakehashi/testkit';
import {
  AbortError,
  ApiCallError,
  ConnectionError,
  InvalidArgumentError,
  KakehashiError,
  TimeoutError,
  createHttpClient,
  defaultShouldRetry,
  httpRequest,
  defaultTransportName,
  registerSecret,
  sleep,
  type FetchFunction,
  type HttpRequestOptions,
} from '@kakehashi/sse-core';
import { collect, rejectionOf } from './helpers';
import { openaiStyleSSE } from './recorded-streams';

const SSE = { 'content-type': 'text/event-stream' };
const fastRetry = { initialDelayMs: 10, maxDelayMs: 20 };
let server: ScriptedServer;

afterEach(async () => {
  await server?.close();
});

// Every rule holds on both transports: the default one (undici's dispatch on Node) and the global
// fetch, which is what the default transport uses on Bun, Deno, Workers and browsers.
const transports: [string, FetchFunction | undefined][] = [
  ['the default transport (undici on Node)', undefined],
  ['the global fetch (the default on Bun, Deno, Workers and browsers)', globalThis.fetch],
];

describe.each(transports)('over %s', (_name, fetchFn) => {
  const request = (options: HttpRequestOptions) => httpRequest({ fetch: fetchFn, ...options });

  describe('httpRequest over loopback', () => {
    it('streams SSE written one byte per socket write, Japanese intact', async () => {
      server = await startScriptedServer();
      server.reply({ headers: SSE, body: splitEvery(openaiStyleSSE, 1) });
      const res = await request({ url: `${server.url}/v1/chat`, body: { json: { q: 'こんにちは' } } });
      const events = await collect(res.sseJson<{ choices: { delta: { content: string } }[] }>());
      const text = events.map((e) => (e.done ? '' : e.data.choices[0]!.delta.content)).join('');
      expect(text).toBe('こんにちは、世界！🌏架け橋です。');
      expect(events.at(-1)).toEqual({ done: true });
      const req = server.requests[0]!;
      expect(req.method).toBe('POST');
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.json()).toEqual({ q: 'こんにちは' });
    });

    it('sends form bodies, query parameters and headers resolved per attempt', async () => {
      server = await startScriptedServer();
      server.reply({ status: 503 }, { body: '{"ok":true}', headers: { 'content-type': 'application/json' } });
      let calls = 0;
      const res = await request({
        url: `${server.url}/token`,
        query: { a: 'あ', skip: undefined },
        body: { form: { grant_type: 'client_credentials', n: 1 } },
        headers: () => ({ 'x-attempt': String(++calls) }),
        retry: fastRetry,
      });
      expect(await res.json()).toEqual({ ok: true });
      expect(server.requests.map((r) => r.headers['x-attempt'])).toEqual(['1', '2']);
      expect(server.requests[1]!.form().get('grant_type')).toBe('client_credentials');
      expect(server.requests[1]!.query.get('a')).toBe('あ');
      expect(server.requests[1]!.query.has('skip')).toBe(false);
    });

    it('rejects bad URLs before sending anything', async () => {
      const error = await rejectionOf(request({ url: 'ftp://example.invalid/x' }));
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe('url');
    });
  });

  describe('timeouts', () => {
    it('fires the idle timeout on a stalled stream and closes the connection', async () => {
      server = await startScriptedServer();
      server.reply({ headers: SSE, body: ['data: {"n":1}\n\n', { stall: true }] });
      const res = await request({ url: server.url, timeouts: { idleMs: 150 } });
      const seen: unknown[] = [];
      const error = await rejectionOf(
        (async () => {
          for await (const e of res.sse()) seen.push(e);
        })(),
      );
      expect(TimeoutError.isInstance(error)).toBe(true);
      expect((error as TimeoutError).phase).toBe('idle');
      expect(seen).toHaveLength(1);
      expect(await server.requests[0]!.closed).toEqual({ byClient: true });
    });

    it('does not fire the idle timeout while heartbeat comments keep flowing', async () => {
      server = await startScriptedServer();
      const beats: ScriptStep[] = [];
      for (let i = 0; i < 12; i++) beats.push({ wait: 40 }, ': heartbeat\n\n');
      server.reply({ headers: SSE, body: ['data: {"n":1}\n\n', ...beats, 'data: {"n":2}\n\n'] });
      const res = await request({ url: server.url, timeouts: { idleMs: 200 } });
      let heartbeats = 0;
      const events = await collect(res.sse({ onComment: () => heartbeats++ }));
      expect(events).toHaveLength(2);
      expect(heartbeats).toBe(12);
    });

    it('fires the headers timeout when the server is slow to answer, and retries it', async () => {
      server = await startScriptedServer();
      server.reply({ headersDelayMs: 2_000, body: 'late' }, { body: 'fast' });
      const res = await request({ url: server.url, timeouts: { headersMs: 100 }, retry: fastRetry });
      expect(await res.text()).toBe('fast');
      expect(server.requests).toHaveLength(2);
    });

    it('fires the total timeout across a slow body, and does not retry it', async () => {
      server = await startScriptedServer();
      const drip: ScriptStep[] = [];
      for (let i = 0; i < 50; i++) drip.push({ wait: 30 }, `data: ${i}\n\n`);
      server.reply({ headers: SSE, body: drip });
      const res = await request({ url: server.url, timeouts: { totalMs: 300, idleMs: 1_000 } });
      const error = await rejectionOf(collect(res.sse()));
      expect((error as TimeoutError).phase).toBe('total');
      expect(server.requests).toHaveLength(1);
    });
  });

  describe('abort and early exit', () => {
    it('never sends a request when the signal is already aborted', async () => {
      server = await startScriptedServer();
      const error = await rejectionOf(request({ url: server.url, signal: AbortSignal.abort() }));
      expect(AbortError.isInstance(error)).toBe(true);
      expect((error as Error).name).toBe('AbortError');
      expect(server.requests).toHaveLength(0);
    });

    it('aborting during a stream closes the HTTP connection at once', async () => {
      server = await startScriptedServer();
      server.reply({ headers: SSE, body: ['data: 1\n\n', { stall: true }] });
      const controller = new AbortController();
      const res = await request({ url: server.url, signal: controller.signal });
      const reading = collect(res.sse());
      setTimeout(() => controller.abort(), 50);
      const error = await rejectionOf(reading);
      expect(AbortError.isInstance(error)).toBe(true);
      expect(await server.requests[0]!.closed).toEqual({ byClient: true });
    });

    it('leaving a for-await loop early cancels the request (the server sees the close)', async () => {
      server = await startScriptedServer();
      server.reply({ headers: SSE, body: ['data: 1\n\n', 'data: 2\n\n', { stall: true }] });
      const res = await request({ url: server.url });
      for await (const event of res.sse()) {
        expect(event.data).toBe('1');
        break;
      }
      expect(await server.requests[0]!.closed).toEqual({ byClient: true });
    });

    it('several signals: any one cancels the stream, and a long-lived one keeps no listener after the call', async () => {
      server = await startScriptedServer();
      server.reply({ headers: SSE, body: ['data: 1\n\n', { stall: true }] }, { body: 'ok' });
      const session = new AbortController(); // long-lived, shared by many calls
      const turn = new AbortController();
      const res = await request({ url: server.url, signal: [session.signal, turn.signal] });
      const reading = collect(res.sse());
      setTimeout(() => turn.abort('stop'), 50);
      expect(AbortError.isInstance(await rejectionOf(reading))).toBe(true);
      expect(await server.requests[0]!.closed).toEqual({ byClient: true });
      expect(session.signal.aborted).toBe(false);
      expect(getEventListeners(session.signal, 'abort')).toHaveLength(0);
      // A call that completes also lets go of its signals.
      expect(await (await request({ url: server.url, signal: [session.signal] })).text()).toBe('ok');
      expect(getEventListeners(session.signal, 'abort')).toHaveLength(0);
    });

    it('aborting while waiting to retry stops the retries', async () => {
      server = await startScriptedServer();
      server.reply({ status: 503, headers: { 'retry-after': '30' } });
      const controller = new AbortController();
      // Aborted once the 503 is in and the retry decided: inside the 30 s wait the server asked for.
      const retry = {
        shouldRetry: (error: KakehashiError, attempt: number) => {
          setTimeout(() => controller.abort(), 20);
          return defaultShouldRetry(error, attempt);
        },
      };
      const error = await rejectionOf(request({ url: server.url, signal: controller.signal, retry }));
      expect(AbortError.isInstance(error)).toBe(true);
      expect(server.requests).toHaveLength(1);
    });
  });

  describe('retries', () => {
    it('retries a 429 after the Retry-After the server asked for', async () => {
      server = await startScriptedServer();
      server.reply(
        { status: 429, headers: { 'retry-after': '1' }, body: '{"error":{"message":"slow down"}}' },
        { body: 'ok' },
      );
      const started = performance.now();
      const res = await request({ url: server.url, retry: fastRetry });
      expect(await res.text()).toBe('ok');
      expect(server.requests).toHaveLength(2);
      // Behaviour, not speed: the client waited at least what the server asked (1 s), not its own 10 ms.
      expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    });

    it('fails at once, without waiting, when the Retry-After is longer than maxRetryAfterMs', async () => {
      server = await startScriptedServer();
      server.reply({ status: 429, headers: { 'retry-after': '120' } }, { body: 'ok' });
      const error = await rejectionOf(request({ url: server.url, retry: { ...fastRetry, maxRetryAfterMs: 5_000 } }));
      expect(ApiCallError.isInstance(error)).toBe(true);
      expect((error as ApiCallError).status).toBe(429);
      expect((error as ApiCallError).retryAfterMs).toBe(120_000);
      expect(server.requests).toHaveLength(1);
    });

    it('retries 503 and a connection reset before the first byte', async () => {
      server = await startScriptedServer();
      server.reply({ status: 503 }, { resetBeforeHeaders: true }, { headers: SSE, body: 'data: ok\n\n' });
      const res = await request({ url: server.url, retry: { ...fastRetry, maxRetries: 3 } });
      expect(await collect(res.sse())).toEqual([{ data: 'ok' }]);
      expect(server.requests).toHaveLength(3);
    });

    it('retries a reset after the headers but before any body byte', async () => {
      server = await startScriptedServer();
      server.reply({ headers: SSE, body: [{ destroy: true }] }, { headers: SSE, body: 'data: ok\n\n' });
      const res = await request({ url: server.url, retry: fastRetry });
      expect(await collect(res.sse())).toEqual([{ data: 'ok' }]);
      expect(server.requests).toHaveLength(2);
    });

    it('never retries once a body byte has been handed out', async () => {
      server = await startScriptedServer();
      server.reply({ headers: SSE, body: ['data: 1\n\n', { wait: 20 }, { destroy: true }] }, { body: 'data: 2\n\n' });
      const res = await request({ url: server.url, retry: fastRetry });
      const seen: unknown[] = [];
      const error = await rejectionOf(
        (async () => {
          for await (const e of res.sse()) seen.push(e);
        })(),
      );
      expect(ConnectionError.isInstance(error)).toBe(true);
      expect((error as ConnectionError).afterFirstByte).toBe(true);
      expect(seen).toEqual([{ data: '1' }]);
      expect(server.requests).toHaveLength(1);
    });

    it('does not retry a 400, and stops after maxRetries', async () => {
      server = await startScriptedServer();
      server.reply({ status: 400, body: '{"error":{"message":"bad field","code":"invalid"}}' });
      const bad = (await rejectionOf(request({ url: server.url, retry: fastRetry }))) as ApiCallError;
      expect(bad.status).toBe(400);
      expect(bad.code).toBe('invalid');
      expect(bad.message).toContain('bad field');
      expect(server.requests).toHaveLength(1);

      server.handle(() => ({ status: 502 }));
      const exhausted = (await rejectionOf(
        request({ url: server.url, retry: { ...fastRetry, maxRetries: 2 } }),
      )) as ApiCallError;
      expect(exhausted.status).toBe(502);
      expect(exhausted.retryable).toBe(true);
      expect(server.requests).toHaveLength(1 + 3);
    });

    it('retries once after a 401 when onUnauthorized agrees, and only once', async () => {
      server = await startScriptedServer();
      server.handle((req) => (req.headers.authorization === 'Bearer fresh-token' ? { body: 'ok' } : { status: 401 }));
      let token = 'stale-token';
      const seenTokens: string[] = [];
      const client = createHttpClient({
        fetch: fetchFn,
        baseURL: server.url,
        headers: () => ({ authorization: `Bearer ${token}` }),
        onUnauthorized: (_error, sent) => {
          seenTokens.push(sent.authorization!);
          token = 'fresh-token';
          return true;
        },
      });
      const res = await client.request({ path: '/x' });
      expect(await res.text()).toBe('ok');
      expect(seenTokens).toEqual(['Bearer stale-token']);
      expect(server.requests).toHaveLength(2);

      token = 'other-stale';
      const alwaysBad = createHttpClient({
        fetch: fetchFn,
        baseURL: server.url,
        headers: { authorization: 'Bearer nope' },
        onUnauthorized: () => true,
      });
      const error = (await rejectionOf(alwaysBad.request({ path: '/x' }))) as ApiCallError;
      expect(error.status).toBe(401);
      expect(error.isAuthError).toBe(true);
      expect(server.requests).toHaveLength(4);
    });
  });

  describe('retries: shouldRetry', () => {
    it('decides instead of the default rule, and is told the error and the number of the failed attempt', async () => {
      server = await startScriptedServer();
      server.reply({ status: 400, body: '{"error":{"code":"busy"}}' }, { status: 400 }, { body: 'ok' });
      const asked: [number | undefined, number][] = [];
      const res = await request({
        url: server.url,
        retry: {
          ...fastRetry,
          maxRetries: 5,
          shouldRetry: (error, attempt) => {
            asked.push([ApiCallError.isInstance(error) ? error.status : undefined, attempt]);
            return ApiCallError.isInstance(error) && error.status === 400;
          },
        },
      });
      expect(await res.text()).toBe('ok');
      expect(asked).toEqual([
        [400, 1],
        [400, 2],
      ]);
      expect(server.requests).toHaveLength(3);
    });

    it('can refuse what the default would retry (a 503), and the default stays as it was', async () => {
      server = await startScriptedServer();
      server.reply({ status: 503 });
      const refused = (await rejectionOf(
        request({ url: server.url, retry: { ...fastRetry, shouldRetry: () => false } }),
      )) as ApiCallError;
      expect(refused.status).toBe(503);
      expect(server.requests).toHaveLength(1);

      server.reply({ status: 503 }, { body: 'ok' });
      const res = await request({ url: server.url, retry: { ...fastRetry, shouldRetry: defaultShouldRetry } });
      expect(await res.text()).toBe('ok');
      expect(defaultShouldRetry(new ApiCallError({ url: server.url, status: 429 }), 1)).toBe(true);
      expect(defaultShouldRetry(new ApiCallError({ url: server.url, status: 400 }), 1)).toBe(false);
    });

    it('still waits for the Retry-After the server asked for', async () => {
      server = await startScriptedServer();
      server.reply({ status: 409, headers: { 'retry-after': '1' } }, { body: 'ok' });
      const started = performance.now();
      const res = await request({ url: server.url, retry: { ...fastRetry, shouldRetry: () => true } });
      expect(await res.text()).toBe('ok');
      // Behaviour, not speed: the server's 1 s, not the 10 ms backoff.
      expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    });

    it('is bounded by maxRetries', async () => {
      server = await startScriptedServer();
      server.handle(() => ({ status: 500 }));
      let asked = 0;
      const error = (await rejectionOf(
        request({ url: server.url, retry: { ...fastRetry, maxRetries: 2, shouldRetry: () => ++asked > 0 } }),
      )) as ApiCallError;
      expect(error.status).toBe(500);
      expect(server.requests).toHaveLength(3);
      expect(asked).toBe(2);
    });

    it('is never asked about an abort, and an abort is never retried', async () => {
      server = await startScriptedServer();
      server.reply({ headersDelayMs: 5_000, body: 'late' }, { body: 'never' });
      const controller = new AbortController();
      let asked = 0;
      const pending = request({
        url: server.url,
        signal: controller.signal,
        retry: {
          ...fastRetry,
          shouldRetry: () => {
            asked++;
            return true;
          },
        },
      });
      await server.waitForRequests(1);
      controller.abort();
      expect(AbortError.isInstance(await rejectionOf(pending))).toBe(true);
      expect(asked).toBe(0);
      expect(server.requests).toHaveLength(1);
    });

    it('is never asked about a failure after the first body byte', async () => {
      server = await startScriptedServer();
      server.reply({ headers: SSE, body: ['data: 1\n\n', { wait: 20 }, { destroy: true }] }, { body: 'data: 2\n\n' });
      let asked = 0;
      const res = await request({
        url: server.url,
        retry: {
          ...fastRetry,
          shouldRetry: () => {
            asked++;
            return true;
          },
        },
      });
      const error = await rejectionOf(collect(res.sse()));
      expect(ConnectionError.isInstance(error)).toBe(true);
      expect((error as ConnectionError).afterFirstByte).toBe(true);
      expect(asked).toBe(0);
      expect(server.requests).toHaveLength(1);
    });

    it("a shouldRetry that throws ends the call with its error, keeping no listener on the caller's signal", async () => {
      server = await startScriptedServer();
      server.reply({ status: 503 });
      const session = new AbortController();
      const broken = new Error('rule failed');
      const error = await rejectionOf(
        request({
          url: server.url,
          signal: session.signal,
          retry: {
            ...fastRetry,
            shouldRetry: () => {
              throw broken;
            },
          },
        }),
      );
      expect(error).toBe(broken);
      expect(getEventListeners(session.signal, 'abort')).toHaveLength(0);
    });
  });

  describe('errors', () => {
    it('carry status, code, request id, retryAfterMs and a redacted, bounded excerpt', async () => {
      server = await startScriptedServer();
      registerSecret('sk-live-0123456789abcdef');
      const echoed = JSON.stringify({
        error: { message: 'key sk-live-0123456789abcdef is rate limited', code: 'rate_limited' },
        access_token: 'eyJhbGciOi.unregistered.token',
        padding: 'x'.repeat(5_000),
      });
      server.handle(() => ({ status: 429, headers: { 'x-request-id': 'req-42', 'retry-after': '7' }, body: echoed }));
      const error = (await rejectionOf(
        request({
          url: `${server.url}/v1?api_key=sk-live-0123456789abcdef`,
          provider: 'codeer',
          retry: { maxRetries: 0 },
        }),
      )) as ApiCallError;
      expect(KakehashiError.isInstance(error)).toBe(true);
      expect(ApiCallError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({
        status: 429,
        code: 'rate_limited',
        requestId: 'req-42',
        retryAfterMs: 7000,
        provider: 'codeer',
        retryable: true,
      });
      const everything = [error.message, String(error), JSON.stringify(error), error.bodyExcerpt, error.url].join('\n');
      expect(everything).not.toContain('sk-live-0123456789abcdef');
      expect(everything).not.toContain('eyJhbGciOi.unregistered.token');
      expect(error.bodyExcerpt!.length).toBeLessThanOrEqual(501);
      expect(error.url).toBe(`${server.url}/v1`);
    });

    it('are recognised across duplicate installs through the Symbol.for marker', async () => {
      server = await startScriptedServer();
      server.reply({ status: 404 });
      // A second, separately evaluated copy of the built package stands in for a duplicate install.
      const copy = (await import(
        /* @vite-ignore */ `${import.meta.resolve('@kakehashi/sse-core')}?duplicate`
      )) as typeof import('@kakehashi/sse-core');
      expect(copy.ApiCallError).not.toBe(ApiCallError);
      const error = await rejectionOf(copy.httpRequest({ url: server.url, fetch: fetchFn, retry: { maxRetries: 0 } }));
      expect(error instanceof ApiCallError).toBe(false);
      expect(ApiCallError.isInstance(error)).toBe(true);
      expect(KakehashiError.isInstance(error)).toBe(true);
      expect(TimeoutError.isInstance(error)).toBe(false);
    });

    it('report a refused connection as a retryable ConnectionError', async () => {
      server = await startScriptedServer();
      const url = server.url;
      await server.close();
      const error = await rejectionOf(request({ url, retry: { maxRetries: 1, initialDelayMs: 5 } }));
      expect(ConnectionError.isInstance(error)).toBe(true);
      expect((error as ConnectionError).retryable).toBe(true);
      expect((error as Error).message).toMatch(/ECONNREFUSED/);
    });
  });

  describe('error codes from echoing servers', () => {
    it('never copy free text (which may echo a key) into ApiCallError.code', async () => {
      server = await startScriptedServer();
      registerSecret('miibo-key-abcdef123456');
      server.reply(
        { status: 401, body: '{"error":"api key miibo-key-abcdef123456 is invalid"}' },
        { status: 400, body: '{"error":"invalid_request","error_description":"bad"}' },
        { status: 403, body: '{"error":{"code":"key miibo-key-abcdef123456","message":"no"}}' },
      );
      const freeText = (await rejectionOf(request({ url: server.url, retry: { maxRetries: 0 } }))) as ApiCallError;
      expect(freeText.code).toBeUndefined();
      expect(JSON.stringify(freeText)).not.toContain('miibo-key-abcdef123456');
      const oauth = (await rejectionOf(request({ url: server.url, retry: { maxRetries: 0 } }))) as ApiCallError;
      expect(oauth.code).toBe('invalid_request');
      const nested = (await rejectionOf(request({ url: server.url, retry: { maxRetries: 0 } }))) as ApiCallError;
      expect(JSON.stringify(nested)).not.toContain('miibo-key-abcdef123456');
    });
  });

  describe('multipart bodies', () => {
    it('send a FormData as multipart over the default transport, the same bytes on every retry', async () => {
      const { parseMultipart, multipartBoundary } = await import('@kakehashi/testkit');
      server = await startScriptedServer();
      server.reply({ status: 503 }, { body: 'ok' });
      const form = new FormData();
      form.append('file', new Blob(['請求書の本文'], { type: 'text/plain' }), '請求書.txt');
      form.append('data', JSON.stringify({ scope: 'chat' }));
      const res = await request({ url: server.url, body: { multipart: form }, retry: fastRetry });
      expect(await res.text()).toBe('ok');
      expect(server.requests).toHaveLength(2);
      for (const req of server.requests) {
        expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
        const parts = parseMultipart(req.rawBody, multipartBoundary(req.headers['content-type']!)!);
        expect(parts.map((p) => p.name)).toEqual(['file', 'data']);
      }
      expect(server.requests[0]!.body).toBe(server.requests[1]!.body);
    });
  });

  describe('backpressure', () => {
    it('a reader that falls behind pauses the socket: the server cannot write ahead', async () => {
      const piece = Buffer.alloc(64 * 1024, 'a');
      const total = 800; // 50 MiB
      let written = 0;
      const node = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const pump = () => {
          while (written < total) {
            written++;
            if (!res.write(piece)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      });
      await new Promise<void>((r) => node.listen(0, '127.0.0.1', r));
      try {
        const res = await request({ url: `http://127.0.0.1:${(node.address() as AddressInfo).port}/` });
        const body = res.body()[Symbol.asyncIterator]();
        await body.next();
        await whenSteady(() => written);
        // Socket buffers hold a few MiB; without the pause the client would have taken all 50.
        expect(written).toBeLessThan(total / 4);
        let bytes = 0;
        for (;;) {
          const r = await body.next();
          if (r.done) break;
          bytes += r.value.byteLength;
        }
        expect(written).toBe(total);
        expect(bytes).toBeGreaterThan((total - 2) * piece.byteLength);
      } finally {
        node.closeAllConnections();
        await new Promise((r) => node.close(r));
      }
    });
  });

  describe('connection reuse', () => {
    it('a reader that stops at [DONE] leaves the connection in the keep-alive pool', async () => {
      server = await startScriptedServer();
      server.handle(() => ({ headers: SSE, body: ['data: {"n":1}\n\n', 'data: [DONE]\n\n'] }));
      for (let i = 0; i < 6; i++) {
        const res = await request({ url: server.url });
        for await (const m of res.sseJson()) if (m.done) break;
      }
      expect(server.requests).toHaveLength(6);
      // The pool may open a second socket while the first is being released (it does so even for bodies
      // read to their end); without reuse this would be 6.
      expect(server.acceptedConnections).toBeLessThanOrEqual(2);
    });

    it('... also when the event loop is busy (a long timer callback runs before the socket is read)', async () => {
      server = await startScriptedServer();
      server.handle(() => ({ headers: SSE, body: ['data: {"n":1}\n\n', 'data: [DONE]\n\n'] }));
      const busy = (ms: number) => {
        const until = performance.now() + ms;
        while (performance.now() < until) {
          // a loaded server: other work holds the loop
        }
      };
      for (let i = 0; i < 6; i++) {
        const res = await request({ url: server.url });
        for await (const m of res.sseJson()) {
          if (m.done) {
            // Runs in the next timers phase, before the poll phase that reads the body's terminator:
            // a plain 2 ms timer would expire behind it and give the connection up.
            setTimeout(() => busy(15), 0);
            break;
          }
        }
      }
      expect(server.requests).toHaveLength(6);
      expect(server.acceptedConnections).toBeLessThanOrEqual(2);
    });

    it('a reader that stops mid-stream still cancels at once: the stalled connection is closed, not reused', async () => {
      server = await startScriptedServer();
      server.reply({ headers: SSE, body: ['data: 1\n\n', { stall: true }] }, { body: 'next' });
      const res = await request({ url: server.url });
      for await (const _ of res.sse()) break;
      expect(await server.requests[0]!.closed).toEqual({ byClient: true });
      expect(await (await request({ url: server.url })).text()).toBe('next');
      // undici's dispatch opens exactly one more; Node's fetch pool may open a spare socket while the
      // cancelled one closes. Either way the second request did not get the closed one.
      if (fetchFn === undefined) expect(server.acceptedConnections).toBe(2);
      else expect(server.acceptedConnections).toBeGreaterThanOrEqual(2);
    });
  });
});

describe('transport choice', () => {
  it('uses an injected fetch instead of undici', async () => {
    server = await startScriptedServer();
    server.reply({ headers: SSE, body: splitEvery(openaiStyleSSE, 16) });
    let used = 0;
    const res = await httpRequest({
      url: server.url,
      fetch: (input, init) => {
        used++;
        return fetch(input, init);
      },
    });
    expect((await collect(res.sse())).length).toBe(4);
    expect(used).toBe(1);
  });

  it('the default transport on Node is undici', () => {
    expect(defaultTransportName()).toBe('undici');
  });
});

describe('sleep()', () => {
  it('sleep() with several signals: any one ends it with AbortError, and none keeps a listener', async () => {
    const session = new AbortController();
    const turn = new AbortController();
    setTimeout(() => turn.abort('stop'), 20);
    const error = await rejectionOf(sleep(10_000, [session.signal, turn.signal]));
    expect(AbortError.isInstance(error)).toBe(true);
    expect(getEventListeners(session.signal, 'abort')).toHaveLength(0);
    await sleep(1, [session.signal]);
    expect(getEventListeners(session.signal, 'abort')).toHaveLength(0);
  });
});
