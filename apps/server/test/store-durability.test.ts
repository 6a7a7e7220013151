/**
 * Durable storage through the public API: a webhook is acknowledged only once committed, storage
 * failures answer 503 with Retry-After (and count), unknown groups are refused, runs without a result
 * expire, a deleted SQLite file is recreated, and lock waits never block the event loop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AGENT_GROUP_EXPIRED_ERROR, createKakehashiServer, type KakehashiServer } from '../src/index';
import { simulatorEnv, startSimulators } from './chat-completions-harness';
import { ask, openaiClient } from './conversations-helpers';
import { logSink, postJson, spawnServer, startInProcess, tempDir } from './server-harness';

const dir = tempDir();
const servers: KakehashiServer[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((s) => s.close(0)));
});
afterAll(() => dir.remove());

let files = 0;
const freshPath = () => join(dir.path, `d-${++files}.sqlite`);

async function server(config: Parameters<typeof startInProcess>[0]) {
  const started = await startInProcess(config);
  servers.push(started.server);
  return started;
}

function webhook(url: string, secret: string, body: unknown): Promise<Response> {
  return postJson(`${url}/webhooks/miibo/agent-groups`, body, { 'x-kakehashi-webhook-secret': secret });
}

const completed = (groupId: string, finalResponse = '完了') => ({
  groupId,
  status: 'completed',
  result: { orchestrationResponse: { finalResponse } },
});

/** Another process holding the SQLite write lock on `path` until `release()`. */
async function holdWriteLock(path: string): Promise<{ release: () => Promise<void> }> {
  const script = `
    const { DatabaseSync } = require('node:sqlite');
    const db = new DatabaseSync(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    db.exec("INSERT INTO agent_groups (group_id, status, deliveries, created_at) VALUES ('lock-holder', 'started', 0, '2026-01-01T00:00:00.000Z') ON CONFLICT DO NOTHING");
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['-e', script, path], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    lines.push(...chunk.split('\n').filter(Boolean));
    for (const w of waiters.splice(0)) w();
  });
  const line = async (text: string) => {
    while (!lines.includes(text)) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  await line('locked');
  return {
    release: async () => {
      child.stdin!.write('go\n');
      await line('released');
    },
  };
}

async function healthStatus(url: string): Promise<number> {
  return (await fetch(`${url}/healthz`)).status;
}

/** Polls /healthz until it answers `status` (the check is cached for a second). */
async function healthBecomes(url: string, status: number): Promise<void> {
  while ((await healthStatus(url)) !== status) await new Promise((r) => setTimeout(r, 100));
}

describe('webhook durability (SQLite)', () => {
  it('refuses a result for a group this server never started: 404 agent_group_unknown, nothing stored, logged', async () => {
    const logs = logSink();
    const { url, server: s } = await server({
      store: { sqlitePath: freshPath() },
      logger: { level: 'info', destination: logs.destination },
    });
    const res = await webhook(url, s.webhookSecret, completed('never-started'));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('agent_group_unknown');
    expect(await (await s.store()).get('never-started')).toBeUndefined();
    expect(logs.lines().some((l) => l.groupId === 'never-started' && l.level === 'warn')).toBe(true);
  });

  it('does not block the event loop while another process holds the write lock; the write lands once it is released', async () => {
    const path = freshPath();
    // A lock wait longer than the test: the webhook can only finish once the lock is released.
    const { url, server: s } = await server({ store: { sqlitePath: path, busyTimeoutMs: 60_000 } });
    await (await s.store()).recordStart('locked-1');
    const lock = await holdWriteLock(path);
    let answered = false;
    const delivery = webhook(url, s.webhookSecret, completed('locked-1')).then((r) => {
      answered = true;
      return r;
    });
    // The server answers other requests while the webhook waits on the lock (in the worker thread).
    expect((await fetch(`${url}/healthz/live`)).status).toBe(200);
    expect((await fetch(`${url}/openapi.json`)).status).toBe(200);
    expect(answered).toBe(false);
    await lock.release();
    const res = await delivery;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, stored: true, duplicate: false });
    expect(await (await s.store()).get('locked-1')).toMatchObject({ status: 'completed', deliveries: 1 });
  });

  it('answers 503 with Retry-After when the write cannot commit, stores nothing, counts it; /healthz recovers', async () => {
    const path = freshPath();
    const { url, server: s } = await server({ store: { sqlitePath: path, busyTimeoutMs: 100 } });
    await (await s.store()).recordStart('busy-1');
    expect(await healthStatus(url)).toBe(200);
    const lock = await holdWriteLock(path);

    const res = await webhook(url, s.webhookSecret, completed('busy-1'));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('store_unavailable');
    await healthBecomes(url, 503);
    const body = (await (await fetch(`${url}/healthz`)).json()) as { status: string; store: string };
    expect(body).toMatchObject({ status: 'unavailable', store: 'sqlite' });
    // The liveness probe stays up.
    expect((await fetch(`${url}/healthz/live`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/kakehashi_store_failures_total\{store="sqlite",operation="webhook"\} 1/);

    await lock.release();
    expect(await (await s.store()).get('busy-1')).toMatchObject({ status: 'started', deliveries: 0 });
    await healthBecomes(url, 200);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    // miibo's retry is stored.
    const retry = await webhook(url, s.webhookSecret, completed('busy-1'));
    expect(retry.status).toBe(200);
    expect(await (await s.store()).get('busy-1')).toMatchObject({ status: 'completed', deliveries: 1 });
  });

  it('recreates a deleted SQLite file instead of writing into the unlinked one', async () => {
    const path = freshPath();
    const { url, server: s } = await server({ store: { sqlitePath: path } });
    const store = await s.store();
    await store.recordStart('before-delete');
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    expect(existsSync(path)).toBe(false);

    await store.recordStart('after-delete');
    expect(existsSync(path)).toBe(true);
    const res = await webhook(url, s.webhookSecret, completed('after-delete', '再作成'));
    expect(res.status).toBe(200);
    // The row is in the file now at the path, read by another connection.
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const row = db.prepare('SELECT status, payload FROM agent_groups WHERE group_id = ?').get('after-delete') as {
        status: string;
        payload: string;
      };
      expect(row.status).toBe('completed');
      expect(JSON.parse(row.payload)).toEqual(completed('after-delete', '再作成'));
      expect(db.prepare('SELECT 1 FROM agent_groups WHERE group_id = ?').get('before-delete')).toBeUndefined();
    } finally {
      db.close();
    }
    expect(await healthStatus(url)).toBe(200);
  });

  it('stores the webhook body exactly as received', async () => {
    const { url, server: s } = await server({ store: { sqlitePath: freshPath() } });
    await (await s.store()).recordStart('raw-1');
    const raw = '{"groupId":"raw-1",  "status":"completed", "result":{"t":"a\\u0000b\\ud800"},"extra":1.50}';
    const res = await fetch(`${url}/webhooks/miibo/agent-groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-kakehashi-webhook-secret': s.webhookSecret },
      body: raw,
    });
    expect(res.status).toBe(200);
    const record = await (await s.store()).get('raw-1');
    expect(record?.payloadText).toBe(raw);
    expect(record?.result).toEqual({ t: 'a\u0000b\ud800' });
  });
});

describe('the OpenAI doors when the conversation store cannot write', () => {
  it('answer the chat anyway and log the failure', async () => {
    const sims = await startSimulators();
    try {
      const path = freshPath();
      const logs = logSink();
      const { url, server: s } = await server({
        env: simulatorEnv(sims),
        store: { sqlitePath: path },
        logger: { level: 'warn', destination: logs.destination },
      });
      await s.store();
      const lock = await holdWriteLock(path);
      const answer = await ask(openaiClient(url), 'codeer', [{ role: 'user', content: 'ロック中' }], false);
      expect(answer.text.length).toBeGreaterThan(0);
      const failed = () => logs.lines().find((l) => String(l.msg).includes('conversation store failed'));
      while (!failed()) await new Promise((r) => setTimeout(r, 50));
      expect(failed()).toMatchObject({ operation: 'remember', error: { message: expect.stringContaining('SQLite') } });
      await lock.release();
    } finally {
      await sims.close();
    }
  });
});

describe('runs whose result never arrives', () => {
  it('end as error at the expiry: a waiter wakes then, the status is persisted, a late result is not stored', async () => {
    const path = freshPath();
    const { url, server: s } = await server({ store: { sqlitePath: path, expiryMs: 300 } });
    await (await s.store()).recordStart('late-1');
    const res = await fetch(`${url}/v1/agent-groups/late-1?wait=30`);
    expect(await res.json()).toEqual({ groupId: 'late-1', status: 'error', error: AGENT_GROUP_EXPIRED_ERROR });
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      expect(db.prepare('SELECT status, error FROM agent_groups WHERE group_id = ?').get('late-1')).toEqual({
        status: 'error',
        error: AGENT_GROUP_EXPIRED_ERROR,
      });
    } finally {
      db.close();
    }
    const late = await webhook(url, s.webhookSecret, completed('late-1'));
    expect(await late.json()).toEqual({ received: true, stored: false, duplicate: true });
  });
});

describe('stores open on first use', () => {
  it('GET /v1/models, /healthz/live, /metrics and /openapi.json touch no file; /healthz opens the default one in the data dir', async () => {
    const data = join(dir.path, 'data-dir');
    const s = createKakehashiServer({ logger: false, env: { KAKEHASHI_DATA_DIR: data } });
    servers.push(s);
    for (const path of ['/v1/models', '/healthz/live', '/metrics', '/openapi.json'])
      expect((await s.fetch(new Request(`http://localhost${path}`))).status).toBe(200);
    expect(existsSync(data)).toBe(false);
    expect(existsSync(join(process.cwd(), 'kakehashi.sqlite'))).toBe(false);
    expect((await s.fetch(new Request('http://localhost/healthz'))).status).toBe(200);
    expect(existsSync(join(data, 'kakehashi.sqlite'))).toBe(true);
  });
});

describe('bad SQLite paths stop the binary with status 2, naming the variable', () => {
  const notDatabase = join(dir.path, 'not-a-database.sqlite');
  for (const [label, path] of [
    ['under /proc', '/proc/kakehashi-test.sqlite'],
    ['a directory', '.'],
    ['a file that is not a database', notDatabase],
  ] as const) {
    it(label, async () => {
      writeFileSync(notDatabase, 'plain text, not a SQLite database: '.repeat(20));
      const proc = spawnServer({ PORT: '0', KAKEHASHI_SQLITE_PATH: path });
      proc.listening.catch(() => {});
      expect(await proc.exited).toBe(2);
      const lines = proc
        .stderr()
        .split('\n')
        .filter((l) => l.startsWith('kakehashi-server:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('KAKEHASHI_SQLITE_PATH');
    });
  }

  it('an in-process server answers 503 naming the variable instead of starting', async () => {
    const s = createKakehashiServer({ logger: false, env: {}, store: { sqlitePath: '/proc/kakehashi-test.sqlite' } });
    servers.push(s);
    await expect(s.listen()).rejects.toThrow(/KAKEHASHI_SQLITE_PATH/);
    const res = await s.fetch(new Request('http://localhost/healthz'));
    expect(res.status).toBe(503);
  });
});
