/**
 * Keyless mode against web pages, over raw HTTP (the browser-driven half is
 * server-browser-origin.test.ts): the Host check (DNS rebinding), Origin / Sec-Fetch-Site,
 * JSON-only bodies, what stays open (the webhook, the server's own origin, configured origins), the
 * same server with API keys (no guard), and IPv6 loopback hosts.
 */
import { request as httpRequest } from 'node:http';
import { simulatorEnv, startCodeerSimulator, type CodeerSimulator } from '@kakehashi/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKakehashiServer, isLoopbackHost, type KakehashiServer, ServerConfigError } from '../src/index';
import { bindHost, urlHost } from '../src/server-config';
import { startInProcess, startServer } from './server-harness';

const WEBHOOK_SECRET = 'keyless-guard-webhook-secret';

interface Answer {
  status: number;
  body: { error?: { code?: string; message?: string } } & Record<string, unknown>;
}

/** One request with exactly these headers (a `Host` of our choosing included). */
function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  const base = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: base.hostname.replace(/^\[|\]$/g, ''),
        port: base.port,
        method,
        path,
        headers: { ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }), ...headers },
        signal: AbortSignal.timeout(10_000),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => {
          let parsed: Answer['body'] = {};
          try {
            parsed = JSON.parse(text) as Answer['body'];
          } catch {
            parsed = { text };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let codeer: CodeerSimulator;
const servers: KakehashiServer[] = [];
beforeAll(async () => {
  codeer = await startCodeerSimulator();
});
afterAll(async () => {
  await codeer.close();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close(0)));
});

async function keyless(config: Parameters<typeof startInProcess>[0] = {}) {
  const started = await startInProcess({
    webhookSecret: WEBHOOK_SECRET,
    env: simulatorEnv({ codeer }),
    ...config,
  });
  servers.push(started.server);
  return { ...started, host: new URL(started.url).host, port: new URL(started.url).port };
}

const chatBody = () =>
  JSON.stringify({ model: `codeer/${codeer.agentId}`, messages: [{ role: 'user', content: 'hi' }] });
const json = { 'content-type': 'application/json' };
const codeerTurns = () => codeer.requests.filter((r) => r.method === 'POST').length;

/** The concrete routes of the app (method and a path with its parameters filled in). */
function routes(server: KakehashiServer): Array<{ method: string; path: string }> {
  return server.app.routes
    .filter((r) => r.method !== 'ALL' && !r.path.includes('*'))
    .map((r) => ({ method: r.method, path: r.path.replace(/:[A-Za-z]+/g, 'x') }));
}

describe('keyless mode: Host (DNS rebinding)', () => {
  it('refuses a foreign Host on every route but the webhook with 403 host_not_allowed, before any work', async () => {
    const { server, url, port } = await keyless();
    const before = codeerTurns();
    for (const route of routes(server)) {
      const res = await send(
        url,
        route.method,
        route.path,
        { ...json, host: `rebind.attacker.example:${port}` },
        route.method === 'GET' || route.method === 'OPTIONS' ? undefined : chatBody(),
      );
      if (route.path === '/webhooks/miibo/agent-groups') {
        expect(res.status, route.path).toBe(401); // not the guard's: the secret check answers
        continue;
      }
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
      expect(res.body.error?.code).toBe('host_not_allowed');
      expect(res.body.error?.message).toContain('rebind.attacker.example');
      expect(res.body.error?.message).toContain('KAKEHASHI_API_KEYS');
    }
    expect(codeerTurns()).toBe(before);
  });

  it('accepts localhost, 127.x, ::1 spellings and KAKEHASHI_PUBLIC_URL host, on any port', async () => {
    const { url, port } = await keyless({ publicUrl: 'https://tunnel.example.dev' });
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      '127.0.0.2',
      '127.1',
      `[::1]:${port}`,
      'tunnel.example.dev',
      'tunnel.example.dev:8443',
    ]) {
      const res = await send(url, 'GET', '/healthz', { host });
      expect(res.status, host).toBe(200);
    }
    for (const host of [
      'tunnel.example.dev.attacker.example',
      '127.0.0.1.attacker.example',
      'localhost.attacker.example',
      '0.0.0.0',
      '10.0.0.1',
      'evil@127.0.0.1',
    ]) {
      const res = await send(url, 'GET', '/healthz', { host });
      expect(res.status, host).toBeGreaterThanOrEqual(400);
      expect(res.status, host).toBeLessThan(500);
    }
    // An absolute-form request target names the host too.
    expect(
      (await send(url, 'GET', 'http://rebind.attacker.example/healthz', { host: `127.0.0.1:${port}` })).status,
    ).toBe(403);
  });
});

describe('keyless mode: cross-site requests', () => {
  it('refuses a foreign Origin, Origin: null and Sec-Fetch-Site cross-site / same-site; no upstream call', async () => {
    const { url } = await keyless();
    const before = codeerTurns();
    for (const [headers, code] of [
      [{ origin: 'http://127.0.0.2:9999' }, 'origin_not_allowed'],
      [{ origin: 'https://attacker.example' }, 'origin_not_allowed'],
      [{ origin: 'null' }, 'origin_not_allowed'],
      [{ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' }, 'cross_site_request'],
      [{ 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' }, 'cross_site_request'],
      [{ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, 'cross_site_request'], // a form POST
    ] as Array<[Record<string, string>, string]>) {
      const res = await send(url, 'POST', '/v1/chat/completions', { ...json, ...headers }, chatBody());
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.body.error?.code).toBe(code);
    }
    expect(codeerTurns()).toBe(before);
  });

  it('refuses bodies that are not application/json with 415 (text/plain, forms, none)', async () => {
    const { url } = await keyless();
    const before = codeerTurns();
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      undefined,
    ]) {
      const res = await send(url, 'POST', '/v1/chat/completions', type ? { 'content-type': type } : {}, chatBody());
      expect(res.status, String(type)).toBe(415);
      expect(res.body.error?.code).toBe('unsupported_media_type');
    }
    expect(codeerTurns()).toBe(before);
  });

  it('lets the server’s own origin, a configured origin and cross-site navigations to GET pages in', async () => {
    const { url, host } = await keyless({ appServer: { cors: { origin: ['http://localhost:5173'] } } });
    const own = await send(
      url,
      'POST',
      '/v1/chat/completions',
      { ...json, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' },
      chatBody(),
    );
    expect(own.status).toBe(200);
    const configured = await send(url, 'GET', '/v1/models', {
      origin: 'http://localhost:5173',
      'sec-fetch-site': 'same-site',
    });
    expect(configured.status).toBe(200);
    const navigation = await send(url, 'GET', '/', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' });
    expect(navigation.status).toBe(200);
    const typed = await send(url, 'GET', '/', { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' });
    expect(typed.status).toBe(200);
    // A non-browser client (no Origin, no Sec-Fetch-*) with JSON is a local caller: accepted.
    expect((await send(url, 'POST', '/v1/chat/completions', json, chatBody())).status).toBe(200);
  });

  it('leaves the miibo webhook to its secret (server to server: no Origin, any content type, any Host)', async () => {
    const { url, server } = await keyless();
    await (await server.store()).recordStart('guard-g1'); // results are taken for groups this server started
    const payload = JSON.stringify({ groupId: 'guard-g1', status: 'completed', result: { text: 'ok' } });
    const res = await send(
      url,
      'POST',
      '/webhooks/miibo/agent-groups',
      { 'content-type': 'text/plain', host: 'tunnel.example.dev', 'x-kakehashi-webhook-secret': WEBHOOK_SECRET },
      payload,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, stored: true });
  });

  it('refuses KAKEHASHI_APPSERVER_CORS_ORIGIN=* without API keys', () => {
    expect(() =>
      createKakehashiServer({ logger: false, store: { sqlitePath: ':memory:' }, appServer: { cors: { origin: '*' } } }),
    ).toThrow(ServerConfigError);
    expect(() =>
      createKakehashiServer({
        logger: false,
        store: { sqlitePath: ':memory:' },
        appServer: { cors: { origin: ['http://a.example', '*'] } },
      }),
    ).toThrow(/KAKEHASHI_APPSERVER_CORS_ORIGIN=\* is refused without KAKEHASHI_API_KEYS/);
  });
});

describe('with API keys', () => {
  it('applies no Host / Origin / content-type guard: the key protects every route that does work', async () => {
    const { url, port } = await keyless({ apiKeys: ['guard-key-0001'], appServer: { cors: { origin: '*' } } });
    const res = await send(
      url,
      'POST',
      '/v1/chat/completions',
      {
        'content-type': 'text/plain',
        host: `gateway.example:${port}`,
        origin: 'https://app.example',
        authorization: 'Bearer guard-key-0001',
      },
      chatBody(),
    );
    expect(res.status).toBe(200);
    // Without the key, a page gets 401 before any upstream call.
    const before = codeerTurns();
    expect(
      (await send(url, 'POST', '/v1/chat/completions', { ...json, origin: 'https://attacker.example' }, chatBody()))
        .status,
    ).toBe(401);
    expect(codeerTurns()).toBe(before);
  });
});

describe('IPv6 loopback', () => {
  it('bindHost / isLoopbackHost / urlHost read every spelling', () => {
    for (const host of ['[::1]', '::1', '0:0:0:0:0:0:0:1', '[0:0:0:0:0:0:0:1]', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    expect(bindHost('[::1]')).toBe('::1');
    expect(bindHost('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(urlHost('[::1]')).toBe('[::1]');
    expect(urlHost('0:0:0:0:0:0:0:1')).toBe('[::1]');
    expect(urlHost('127.0.0.1')).toBe('127.0.0.1');
    for (const host of ['::', '::2', '[::ffff:10.0.0.1]', '0.0.0.0', '127.0.0.1.example', 'localhost.example']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('HOST=[::1], ::1 and 0:0:0:0:0:0:0:1 bind and print http://[::1]:PORT, which answers', async () => {
    for (const host of ['[::1]', '::1', '0:0:0:0:0:0:0:1']) {
      const proc = await startServer({ HOST: host, KAKEHASHI_SQLITE_PATH: ':memory:' });
      try {
        expect(proc.url, host).toMatch(/^http:\/\/\[::1\]:\d+$/);
        const res = await fetch(`${proc.url}/healthz`);
        expect(res.status, host).toBe(200);
      } finally {
        await proc.stop();
      }
    }
  }, 60_000);
});
