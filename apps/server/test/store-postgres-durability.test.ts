/**
 * PostgreSQL storage through the public API (the throwaway cluster from postgres-global-setup.ts):
 * payloads PostgreSQL's jsonb refused are stored as text, old jsonb tables are migrated, runs expire,
 * and an unreachable database answers 503 (webhook, /healthz) within the connect timeout.
 */
import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { AGENT_GROUP_EXPIRED_ERROR, type KakehashiServer, openPostgresAgentGroupStore } from '../src/index';
import { startInProcess } from './server-harness';

const databaseUrl = inject('databaseUrl');
const skipReason = inject('postgresSkipReason');
const servers: KakehashiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close(0)));
});

async function server(config: Parameters<typeof startInProcess>[0]) {
  const started = await startInProcess(config);
  servers.push(started.server);
  return started;
}

function postRaw(url: string, secret: string, body: string): Promise<Response> {
  return fetch(`${url}/webhooks/miibo/agent-groups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-kakehashi-webhook-secret': secret },
    body,
  });
}

describe('PostgreSQL unreachable', () => {
  let blackhole: Server;
  let port: number;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts TCP connections and never answers: a frozen database, as far as a client can tell.
    blackhole = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    port = (blackhole.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => blackhole.close(() => resolve()));
  });

  it('the webhook and /healthz answer 503 (not 500, not a hang) within the connect timeout', async () => {
    const { url, server: s } = await server({
      store: { databaseUrl: `postgres://kakehashi:secret-password@127.0.0.1:${port}/db`, connectTimeoutMs: 300 },
    });
    const res = await postRaw(url, s.webhookSecret, JSON.stringify({ groupId: 'g-1', status: 'completed' }));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const text = await res.text();
    expect(text).not.toContain('secret-password');
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'unavailable', store: 'postgres' });
    expect((await fetch(`${url}/healthz/live`)).status).toBe(200);
  });
});

describe.skipIf(!databaseUrl)(`PostgreSQL payloads${databaseUrl ? '' : ` — skipped: ${skipReason}`}`, () => {
  let url: string;
  beforeAll(async () => {
    const name = `kakehashi_durable_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(databaseUrl);
    u.pathname = `/${name}`;
    url = u.href;
  });

  it('stores "\\u0000" and lone surrogates (jsonb refused them) and reads them back', async () => {
    const { url: base, server: s } = await server({ store: { databaseUrl: url } });
    const store = await s.store();
    await store.recordStart('nul-1');
    const raw = '{"groupId":"nul-1","status":"completed","result":{"t":"a\\u0000b","s":"\\ud800"}}';
    const res = await postRaw(base, s.webhookSecret, raw);
    expect(res.status).toBe(200);
    expect(await (await fetch(`${base}/v1/agent-groups/nul-1`)).json()).toEqual({
      groupId: 'nul-1',
      status: 'completed',
      result: { t: 'a\u0000b', s: '\ud800' },
    });
    expect((await store.get('nul-1'))?.payloadText).toBe(raw);

    await store.recordStart('nul-2');
    const failed = await postRaw(base, s.webhookSecret, '{"groupId":"nul-2","status":"error","error":"x\\u0000y"}');
    expect(failed.status).toBe(200);
    expect((await store.get('nul-2'))?.error).toBe('x\uFFFDy');

    // A group id no store can keep is refused once (400), not answered 503 on every retry.
    const badId = await postRaw(base, s.webhookSecret, '{"groupId":"a\\u0000b","status":"completed"}');
    expect(badId.status).toBe(400);
    expect((await fetch(`${base}/v1/agent-groups/a%00b`)).status).toBe(400);
  });

  it('migrates a table of an earlier version (jsonb columns) to text, keeping its rows', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE TABLE old_groups (
        group_id text PRIMARY KEY, status text NOT NULL, result jsonb, error text, payload jsonb,
        deliveries integer NOT NULL DEFAULT 0, final_delivery integer,
        created_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz)`);
      await client.query(
        `INSERT INTO old_groups (group_id, status, result, payload, deliveries, final_delivery, finished_at)
         VALUES ('old-1', 'completed', '{"a": 1}', '{"groupId": "old-1"}', 1, 1, now())`,
      );
      const store = await openPostgresAgentGroupStore({ connectionString: url, table: 'old_groups' });
      try {
        expect(await store.get('old-1')).toMatchObject({ status: 'completed', result: { a: 1 } });
      } finally {
        await store.close();
      }
      const { rows } = await client.query(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'old_groups' AND column_name IN ('result', 'payload') ORDER BY column_name`,
      );
      expect(rows).toEqual([
        { column_name: 'payload', data_type: 'text' },
        { column_name: 'result', data_type: 'text' },
      ]);
    } finally {
      await client.end();
    }
  });

  it('ends a run without a result as error at the expiry, for every instance', async () => {
    const [a, b] = await Promise.all([
      openPostgresAgentGroupStore({ connectionString: url, expiryMs: 300, pollIntervalMs: 60_000 }),
      openPostgresAgentGroupStore({ connectionString: url, expiryMs: 300, pollIntervalMs: 60_000 }),
    ]);
    try {
      await a.recordStart('exp-1');
      const waited = await a.waitForFinal('exp-1', { timeoutMs: 30_000 });
      expect(waited).toMatchObject({ status: 'error', error: AGENT_GROUP_EXPIRED_ERROR });
      expect(await b.get('exp-1')).toMatchObject({ status: 'error', error: AGENT_GROUP_EXPIRED_ERROR });
      await expect(a.check()).resolves.toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });
});
