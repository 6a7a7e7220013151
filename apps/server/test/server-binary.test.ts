/**
 * The contract of the built binary, `node_modules/.bin/kakehashi-server` at the repository root,
 * started as a real process with an environment.
 */
import { join } from 'node:path';
import { simulatorEnv, startAliyunIceSimulator, startMiiboSimulator, type MiiboSimulator } from '@kakehashi/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  deliveryFor,
  groupStartBody,
  postJson,
  spawnServer,
  startServer,
  tempDir,
  type ServerProcess,
} from './server-harness';
import { freePort } from './postgres-cluster';

let miibo: MiiboSimulator;
const running: ServerProcess[] = [];
const dir = tempDir();

beforeAll(async () => {
  miibo = await startMiiboSimulator({ webhookDelayMs: 30 });
});
afterAll(async () => {
  await miibo.close();
  dir.remove();
});
afterEach(async () => {
  miibo.resetKnobs();
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const proc = await startServer({
    KAKEHASHI_SQLITE_PATH: join(dir.path, `s-${Math.random().toString(36).slice(2)}.sqlite`),
    ...env,
  });
  running.push(proc);
  return proc;
}

describe('kakehashi-server binary', () => {
  it('prints exactly "listening on http://HOST:PORT" on stdout and serves /healthz', async () => {
    const port = await freePort();
    const proc = await start({ HOST: '127.0.0.1', PORT: String(port) });
    expect(proc.url).toBe(`http://127.0.0.1:${port}`);
    expect(proc.stdout[0]).toBe(`listening on http://127.0.0.1:${port}`);
    const res = await fetch(`${proc.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    // Logs are JSON lines on stderr.
    expect(JSON.parse(proc.stderr().split('\n')[0]!)).toMatchObject({ level: 'info', msg: 'listening' });
  });

  it('refuses to bind a non-loopback HOST without KAKEHASHI_API_KEYS: exit 2 with a clear message', async () => {
    const proc = spawnServer({ HOST: '0.0.0.0', PORT: '0' });
    expect(await proc.exited).toBe(2);
    expect(proc.stdout).toEqual([]);
    expect(proc.stderr()).toMatch(/refusing to listen on 0\.0\.0\.0 without KAKEHASHI_API_KEYS/);
  });

  it('exits 2 naming the variable for a malformed setting, or for an unknown flag', async () => {
    const proc = spawnServer({ PORT: 'eighty' });
    expect(await proc.exited).toBe(2);
    expect(proc.stderr()).toContain('PORT');
    const flag = spawnServer({}, ['--bogus']);
    expect(await flag.exited).toBe(2);
    expect(flag.stderr()).toContain('--bogus');
  });

  it('takes --host / --port flags over the environment', async () => {
    const port = await freePort();
    const proc = await startServer({ PORT: '1', KAKEHASHI_SQLITE_PATH: join(dir.path, 'flags.sqlite') }, [
      '--host',
      'localhost',
      '--port',
      String(port),
    ]);
    running.push(proc);
    expect(proc.stdout[0]).toBe(`listening on http://localhost:${port}`);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('binds 0.0.0.0 when keys are set, and answers 401 on /v1/* without a valid key', async () => {
    const proc = await start({ HOST: '0.0.0.0', KAKEHASHI_API_KEYS: 'first-key-123456, second-key-123456' });
    expect(proc.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    const local = proc.url.replace('0.0.0.0', '127.0.0.1');
    for (const path of ['/v1/models', '/v1/agent-groups/g-1']) {
      const res = await fetch(`${local}${path}`);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    }
    expect((await fetch(`${local}/v1/models`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${local}/v1/models`, { headers: { authorization: 'Bearer second-key-123456' } })).status).toBe(
      200,
    );
    expect((await fetch(`${local}/healthz`)).status).toBe(200);
  });

  it('serves the AICall AppServer from ALIYUN_* / ALIBABA_CLOUD_* variables, 403 without the key', async () => {
    const ice = await startAliyunIceSimulator();
    try {
      const proc = await start({
        KAKEHASHI_API_KEYS: 'app-login-key-123456',
        ALIYUN_RTC_APP_ID: 'rtc-app',
        ALIYUN_RTC_APP_KEY: 'rtc-app-key-secret',
        ...simulatorEnv({ ice }),
        ALIYUN_REGION: 'cn-shanghai',
      });
      const rtc = await postJson(
        `${proc.url}/api/v2/aiagent/getRtcAuthToken`,
        { user_id: 'user_1' },
        { authorization: 'app-login-key-123456' },
      );
      expect(rtc.status).toBe(200);
      expect(await rtc.json()).toMatchObject({
        code: 200,
        rtc_auth_token: expect.any(String),
        channel_id: expect.any(String),
        timestamp: expect.any(Number),
      });
      const chat = await postJson(
        `${proc.url}/api/v2/aiagent/generateMessageChatToken`,
        { ai_agent_id: 'agent-1', user_id: 'user_1' },
        { authorization: 'Bearer app-login-key-123456' },
      );
      expect(await chat.json()).toMatchObject({
        code: 200,
        app_id: expect.any(String),
        app_sign: expect.any(String),
        token: expect.any(String),
      });
      expect((await postJson(`${proc.url}/api/v2/aiagent/getRtcAuthToken`, { user_id: 'user_1' })).status).toBe(403);
      expect(proc.stderr()).not.toContain('rtc-app-key-secret');
      expect(proc.stderr()).not.toContain(ice.accessKeySecret);
    } finally {
      await ice.close();
    }
  });

  it('agent group: started → the simulator delivers the webhook → GET ?wait answers completed; served again after a restart (SQLite file)', async () => {
    const sqlite = join(dir.path, 'restart.sqlite');
    const env = { KAKEHASHI_SQLITE_PATH: sqlite, ...simulatorEnv({ miibo }) };
    const first = await start(env);
    const started = await postJson(`${first.url}/v1/agent-groups`, groupStartBody());
    expect(started.status).toBe(200);
    const { groupId, status } = (await started.json()) as { groupId: string; status: string };
    expect(status).toBe('started');
    const done = (await (await fetch(`${first.url}/v1/agent-groups/${groupId}?wait=10`)).json()) as {
      status: string;
      result: unknown;
    };
    expect(done.status).toBe('completed');
    expect(done.result).toEqual((JSON.parse((await deliveryFor(miibo, groupId)).body) as { result: unknown }).result);

    await first.stop();
    running.splice(running.indexOf(first), 1);
    expect(first.stderr()).toContain('"msg":"closed"');
    const second = await start(env);
    expect(await (await fetch(`${second.url}/v1/agent-groups/${groupId}`)).json()).toEqual({
      groupId,
      status: 'completed',
      result: done.result,
    });
  });

  it('a result delivered while the server restarts is accepted by the next process sharing KAKEHASHI_WEBHOOK_SECRET', async () => {
    const port = String(await freePort());
    const env = {
      PORT: port,
      KAKEHASHI_SQLITE_PATH: join(dir.path, 'inflight.sqlite'),
      KAKEHASHI_WEBHOOK_SECRET: 'shared-webhook-secret-0001',
      ...simulatorEnv({ miibo }),
    };
    // The result is POSTed 5 s after the start: after the first process has gone and the second is up,
    // with room for slow process starts on a loaded 2-core machine (the simulator delivers once, no retry).
    miibo.configure({ webhookDelayMs: 5000 });
    const first = await start(env);
    const { groupId } = (await (await postJson(`${first.url}/v1/agent-groups`, groupStartBody())).json()) as {
      groupId: string;
    };
    await first.stop();
    running.splice(running.indexOf(first), 1);
    const second = await start(env);
    const done = (await (await fetch(`${second.url}/v1/agent-groups/${groupId}?wait=15`)).json()) as { status: string };
    expect(done.status, JSON.stringify(miibo.webhookDeliveries.filter((d) => d.groupId === groupId))).toBe('completed');
  }, 45_000);

  it('on SIGTERM, answers /healthz 503 while draining, lets an open chat stream finish, then exits', async () => {
    miibo.configure({ eventDelayMs: 100 });
    const proc = await start({
      ...simulatorEnv({ miibo }),
      KAKEHASHI_SHUTDOWN_DRAIN_MS: '1500',
    });
    const res = await postJson(`${proc.url}/v1/chat/completions`, {
      model: 'miibo/agent-1',
      stream: true,
      messages: [{ role: 'user', content: 'こんにちは' }],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    proc.child.kill('SIGTERM');
    // Still accepting during the drain, /healthz says so (once the signal is handled).
    let health: Response;
    do health = await fetch(`${proc.url}/healthz`);
    while (health.status === 200 && (await health.text()));
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'shutting-down' });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text).toContain('"finish_reason":"stop"');
    await proc.serverGone();
    running.splice(running.indexOf(proc), 1);
    expect(proc.stderr()).toContain('"msg":"shutting down: draining (healthz answers 503)"');
    expect(proc.stderr()).toContain('"msg":"closed"');
  });
});
