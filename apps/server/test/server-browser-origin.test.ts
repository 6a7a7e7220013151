/**
 * Keyless mode against a real browser: headless Chromium (Debian's /usr/bin/chromium through
 * playwright-core, as playground.test.ts drives it) opens a page on another loopback origin
 * (http://127.0.0.2:PORT) that tries every route of a keyless server on http://127.0.0.1:PORT with
 * fetch() (CORS JSON, simple text/plain, no-cors) and form POSTs (text/plain and urlencoded, the
 * classic CSRF shapes). The page reads no answer, and the server side proves nothing happened: no
 * upstream call reached any simulator and every request was refused (403 / 415; the webhook's 401).
 * A DNS-rebinding page (a foreign name mapped to 127.0.0.1) is refused by the Host check, and the
 * server's own page (same origin) still works.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAliyunIceSimulator, type AliyunIceSimulator } from '@kakehashi/testkit';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KakehashiServer } from '../src/index';
import { simulatorEnv, startSimulators, type Simulators } from './chat-completions-harness';
import { groupStartBody, logSink, startInProcess } from './server-harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  const why = `browser-origin tests: ${CHROMIUM} not found (install it with: apt-get install -y chromium)`;
  if (process.env.CI === 'true') throw new Error(`${why}; CI=true requires it`);
  console.warn(`${why}; skipping`);
}
const REBIND_NAME = 'rebind.kakehashi.test';
const ADMIN_KEY = 'browser-origin-miibo-admin-key';

/** The attacker's page: tries every route every way, and records what it could read. */
function attackerPage(target: string, routes: Array<{ method: string; path: string; body: string }>): string {
  const script = `
const target = ${JSON.stringify(target)};
const routes = ${JSON.stringify(routes)};
const results = [];
async function tryFetch(label, url, init) {
  try {
    const res = await fetch(url, init);
    // An opaque (no-cors) answer gives the page nothing: status 0, no body.
    if (res.type === 'opaque') return results.push({ label, outcome: 'opaque' });
    results.push({ label, outcome: 'read', status: res.status, text: (await res.text()).slice(0, 200) });
  } catch (e) {
    results.push({ label, outcome: 'blocked' });
  }
}
function submitForm(label, action, enctype, name, value) {
  return new Promise((resolve) => {
    const frame = document.createElement('iframe');
    frame.name = 'f' + results.length + Math.random().toString(36).slice(2);
    document.body.appendChild(frame);
    const form = document.createElement('form');
    form.method = 'POST';
    form.action = action;
    form.enctype = enctype;
    form.target = frame.name;
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.appendChild(input);
    document.body.appendChild(form);
    const done = (outcome) => { results.push({ label, outcome }); resolve(); };
    const timer = setTimeout(() => done('no-load'), 5000);
    frame.addEventListener('load', () => {
      clearTimeout(timer);
      try {
        done('read:' + frame.contentDocument.body.innerText.slice(0, 200));
      } catch (e) {
        done('blocked');
      }
    }, { once: true });
    form.submit();
  });
}
(async () => {
  for (const r of routes) {
    const url = target + r.path;
    const hasBody = r.method !== 'GET' && r.method !== 'HEAD';
    await tryFetch(r.method + ' ' + r.path + ' cors json', url, { method: r.method, headers: hasBody ? { 'content-type': 'application/json' } : {}, body: hasBody ? r.body : undefined });
    if (!hasBody) {
      await tryFetch(r.method + ' ' + r.path + ' no-cors', url, { method: r.method, mode: 'no-cors' });
      continue;
    }
    await tryFetch(r.method + ' ' + r.path + ' cors text/plain', url, { method: r.method, headers: { 'content-type': 'text/plain' }, body: r.body });
    await tryFetch(r.method + ' ' + r.path + ' no-cors text/plain', url, { method: r.method, mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: r.body });
    if (r.method === 'POST') {
      // text/plain form: name + "=" + value is the JSON body plus "pad":"=" (the classic CSRF shape).
      await submitForm('POST ' + r.path + ' form text/plain', url, 'text/plain', r.body.slice(0, -1) + ',"pad":"', '"}');
      await submitForm('POST ' + r.path + ' form urlencoded', url, 'application/x-www-form-urlencoded', 'payload', r.body);
    }
  }
  window.__results = results;
})();`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>another origin</title></head><body><script>${script}</script></body></html>`;
}

describe.skipIf(!hasChromium)('keyless server against pages on other origins (headless Chromium)', () => {
  let sims: Simulators;
  let ice: AliyunIceSimulator;
  let server: KakehashiServer;
  let url: string;
  let attacker: Server;
  let attackerUrl: string;
  let browser: Browser;
  const sink = logSink();
  let pageHtml = '';

  const upstreamCalls = () =>
    sims.codeer.requests.length + sims.agenticstar.requests.length + sims.miibo.requests.length + ice.calls.length;

  beforeAll(async () => {
    sims = await startSimulators({ miibo: { adminApiKey: ADMIN_KEY } });
    ice = await startAliyunIceSimulator();
    ({ server, url } = await startInProcess({
      webhookSecret: 'browser-origin-webhook-secret',
      logger: { level: 'info', destination: sink.destination },
      env: {
        ...simulatorEnv({ ...sims, ice }),
        ALIYUN_RTC_APP_ID: 'browser-origin-rtc-app',
        ALIYUN_RTC_APP_KEY: 'browser-origin-rtc-key',
      },
      appServer: { defaultRegion: 'cn-shanghai' },
    }));
    attacker = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(pageHtml);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.2', resolve));
    attackerUrl = `http://127.0.0.2:${(attacker.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--host-resolver-rules=MAP ${REBIND_NAME} 127.0.0.1`,
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
    await server?.close(0);
    await sims?.close();
    await ice?.close();
  });

  /** Each route of the app with a body that would do real work if it got through. */
  function attackRoutes(): Array<{ method: string; path: string; body: string }> {
    const bodies: Record<string, unknown> = {
      '/v1/chat/completions': { model: `codeer/${sims.codeer.agentId}`, messages: [{ role: 'user', content: 'hi' }] },
      '/v1/responses': { model: `codeer/${sims.codeer.agentId}`, input: 'hi' },
      '/v1/agent-groups': groupStartBody(),
      '/mcp': {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'page', version: '1' } },
      },
      '/api/v2/aiagent/getRtcAuthToken': { user_id: 'victim' },
      '/api/v2/aiagent/generateMessageChatToken': { ai_agent_id: 'agent', user_id: 'victim' },
      '/api/v2/aiagent/describeAIAgentInstance': { user_id: 'victim', ai_agent_instance_id: 'i' },
      '/webhooks/miibo/agent-groups': { groupId: 'forged', status: 'completed', result: 'forged' },
    };
    const seen = new Set<string>();
    const out: Array<{ method: string; path: string; body: string }> = [];
    for (const r of server.app.routes) {
      if (r.method === 'ALL' || r.path.includes('*') || r.method === 'OPTIONS') continue;
      const key = `${r.method} ${r.path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        method: r.method,
        path: r.path.replace(/:[A-Za-z]+/g, 'x'),
        body: JSON.stringify(bodies[r.path] ?? { a: 1 }),
      });
    }
    return out;
  }

  it('a page on http://127.0.0.2 can neither read an answer nor cause a side effect, on any route', async () => {
    const routes = attackRoutes();
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['POST /v1/chat/completions', 'POST /api/v2/aiagent/getRtcAuthToken', 'POST /mcp']),
    );
    pageHtml = attackerPage(url, routes);
    const callsBefore = upstreamCalls();
    const logStart = sink.lines().length;
    const page = await browser.newPage();
    try {
      await page.goto(attackerUrl);
      await page.waitForFunction(() => (window as { __results?: unknown }).__results !== undefined, undefined, {
        timeout: 60_000,
      });
      const results = (await page.evaluate(() => (window as { __results?: unknown }).__results)) as Array<{
        label: string;
        outcome: string;
        status?: number;
      }>;
      // Page side: every attempt was blocked, opaque or unreadable.
      expect(results.length).toBeGreaterThan(routes.length * 2);
      const read = results.filter((r) => r.outcome === 'read' || r.outcome.startsWith('read:'));
      expect(read).toEqual([]);
    } finally {
      await page.close();
    }
    // Server side: nothing reached a platform, no token was minted, nothing was stored.
    expect(upstreamCalls()).toBe(callsBefore);
    const answered = sink
      .lines()
      .slice(logStart)
      .filter((l) => typeof l.status === 'number' && typeof l.path === 'string');
    expect(answered.length).toBeGreaterThan(routes.length * 2);
    const statuses = new Map<string, number[]>();
    for (const l of answered)
      statuses.set(l.path as string, [...(statuses.get(l.path as string) ?? []), l.status as number]);
    for (const [path, list] of statuses) {
      // The webhook is left to its secret (401); its CORS preflight finds no OPTIONS route (404).
      const allowed = path === '/webhooks/miibo/agent-groups' ? [401, 404] : [403, 415];
      expect(
        list.filter((s) => !allowed.includes(s)),
        `${path}: ${list.join(',')}`,
      ).toEqual([]);
    }
    expect(statuses.get('/api/v2/aiagent/getRtcAuthToken')?.length).toBeGreaterThan(0);
    const store = await server.store();
    expect(await store.get('forged')).toBeUndefined();
  }, 90_000);

  it('an origin the configuration names (KAKEHASHI_APPSERVER_CORS_ORIGIN) gets an RTC token and can read it', async () => {
    const app = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>my web app</title>');
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.3', resolve));
    const appOrigin = `http://127.0.0.3:${(app.address() as AddressInfo).port}`;
    const named = await startInProcess({
      env: { ALIYUN_RTC_APP_ID: 'browser-origin-rtc-app', ALIYUN_RTC_APP_KEY: 'browser-origin-rtc-key' },
      appServer: { cors: { origin: [appOrigin] } },
    });
    const page = await browser.newPage();
    try {
      await page.goto(`${appOrigin}/`);
      const out = await page.evaluate(async (target) => {
        const r = await fetch(`${target}/api/v2/aiagent/getRtcAuthToken`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: 'user_1' }),
        });
        return (await r.json()) as { code: number; rtc_auth_token?: string };
      }, named.url);
      expect(out.code).toBe(200);
      expect(out.rtc_auth_token?.length).toBeGreaterThan(20);
      // The other origin, against the same server, still reads nothing.
      await page.goto(attackerUrl);
      const other = await page.evaluate(async (target) => {
        try {
          await fetch(`${target}/api/v2/aiagent/getRtcAuthToken`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ user_id: 'user_1' }),
          });
          return 'read';
        } catch {
          return 'blocked';
        }
      }, named.url);
      expect(other).toBe('blocked');
    } finally {
      await page.close();
      await named.server.close(0);
      await new Promise<void>((resolve) => app.close(() => resolve()));
    }
  });

  it('a DNS-rebinding page (a foreign name resolved to 127.0.0.1) is refused by the Host check', async () => {
    const page = await browser.newPage();
    try {
      const port = new URL(url).port;
      const res = await page.goto(`http://${REBIND_NAME}:${port}/`);
      expect(res?.status()).toBe(403);
      const callsBefore = upstreamCalls();
      // Same origin from the page's point of view: it could read the answer, and the answer is the refusal.
      const answer = await page.evaluate(async (model) => {
        const r = await fetch('/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
        });
        return { status: r.status, body: (await r.json()) as { error: { code: string } } };
      }, `codeer/${sims.codeer.agentId}`);
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('host_not_allowed');
      const token = await page.evaluate(async () => {
        const r = await fetch('/api/v2/aiagent/getRtcAuthToken', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: 'victim' }),
        });
        return { status: r.status, text: await r.text() };
      });
      expect(token.status).toBe(403);
      expect(token.text).not.toContain('rtc_auth_token');
      expect(upstreamCalls()).toBe(callsBefore);
    } finally {
      await page.close();
    }
  });

  it('the server’s own page (same origin) still works: models, a chat answer, an RTC token, the playground UI', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(url);
      const before = sims.codeer.requests.length;
      const out = await page.evaluate(async (model) => {
        const models = await fetch('/v1/models');
        const chat = await fetch('/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
        });
        const token = await fetch('/api/v2/aiagent/getRtcAuthToken', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: 'user_1' }),
        });
        return {
          models: models.status,
          chat: chat.status,
          chatText: ((await chat.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message
            .content,
          token: ((await token.json()) as { code: number; rtc_auth_token?: string }).code,
        };
      }, `codeer/${sims.codeer.agentId}`);
      expect(out).toMatchObject({ models: 200, chat: 200, token: 200 });
      expect(out.chatText.length).toBeGreaterThan(0);
      expect(sims.codeer.requests.length).toBeGreaterThan(before);
      // And the playground itself, driven as a user would, streams an answer through the guard.
      await page.reload();
      await page.waitForFunction(() => (document.getElementById('platform') as HTMLSelectElement).options.length > 1);
      await page.selectOption('#platform', 'codeer');
      await page.fill('#message', '営業時間は?');
      await page.click('#send');
      const answer = page.locator('.turn.assistant').last();
      await answer.and(page.locator('.complete')).waitFor({ timeout: 15_000 });
      expect(((await answer.locator('.text').textContent()) ?? '').length).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  });
});
