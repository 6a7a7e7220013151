/**
 * The server's conversation stores on their own: SQLite (a file in a temporary directory) and
 * PostgreSQL (the throwaway cluster from postgres-global-setup.ts): reads, replacing writes, expiry,
 * the periodic cleanup, indexes, and bounded waits.
 */
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  openConversationStore,
  openPostgresConversationStore,
  openSqliteConversationStore,
  type ServerConversationStore,
} from '../src/index';
import { tempDir } from './server-harness';

describe('SQLite conversation store', () => {
  let dir: { path: string; remove: () => void };
  beforeAll(() => {
    dir = tempDir('kakehashi-conversation-store-');
  });
  afterAll(() => dir?.remove());

  it('answers what was put until it expires; a later put replaces it; namespaces are apart', async () => {
    let now = 1_700_000_000_000;
    const store = await openSqliteConversationStore({ path: join(dir.path, 'a.sqlite'), now: () => now });
    try {
      expect(store.kind).toBe('sqlite');
      expect(await store.get('session', 'k1')).toBeUndefined();
      await store.put('session', 'k1', 'chat-1', 60_000);
      await store.put('response', 'k1', '{"id":"resp_1"}', 120_000);
      expect(await store.get('session', 'k1')).toBe('chat-1');
      expect(await store.get('response', 'k1')).toBe('{"id":"resp_1"}');
      await store.put('session', 'k1', 'chat-2', 60_000);
      expect(await store.get('session', 'k1')).toBe('chat-2');
      now += 59_999;
      expect(await store.get('session', 'k1')).toBe('chat-2');
      now += 1;
      expect(await store.get('session', 'k1')).toBeUndefined(); // expired, though still in the table
      expect(await store.get('response', 'k1')).toBe('{"id":"resp_1"}');
      expect(await store.cleanup()).toBe(1);
      expect(await store.cleanup()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('requests made in one turn (sent to the worker together) are each answered on their own, a failing one alone', async () => {
    const store = await openSqliteConversationStore({ path: join(dir.path, 'batch.sqlite') });
    try {
      // All issued before anything is awaited: the writer gets them in one message.
      const puts = Array.from({ length: 60 }, (_, i) => store.put('session', `k${i}`, `chat-${i}`, 60_000));
      // expires_at NaN cannot be stored (NOT NULL): that statement fails, the others in its batch do not.
      const bad = store.put('session', 'bad', 'chat-bad', Number.NaN);
      const results = await Promise.allSettled([...puts, bad]);
      expect(results.slice(0, 60).every((r) => r.status === 'fulfilled')).toBe(true);
      expect(results[60]!.status).toBe('rejected');
      const reads = await Promise.all(Array.from({ length: 60 }, (_, i) => store.get('session', `k${i}`)));
      expect(reads).toEqual(Array.from({ length: 60 }, (_, i) => `chat-${i}`));
      expect(await store.get('session', 'bad')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it(':memory: answers what was put (its reads run on the writer: a second connection would be another database)', async () => {
    const store = await openSqliteConversationStore({ path: ':memory:' });
    try {
      expect(await store.get('session', 'm1')).toBeUndefined();
      await store.put('session', 'm1', 'chat-m', 60_000);
      expect(await store.get('session', 'm1')).toBe('chat-m');
    } finally {
      await store.close();
    }
  });

  it('keeps its rows across a reopen of the same file (beside the agent group table)', async () => {
    const path = join(dir.path, 'b.sqlite');
    const { openSqliteAgentGroupStore } = await import('../src/index');
    const groups = await openSqliteAgentGroupStore({ path });
    const first = await openConversationStore({ sqlitePath: path });
    await first.put('session', 'digest', '1001', 3_600_000);
    await first.close();
    const second = await openConversationStore({ sqlitePath: path });
    try {
      expect(await second.get('session', 'digest')).toBe('1001');
    } finally {
      await second.close();
      await groups.close();
    }
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const tables = (
        db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')").all() as Array<{
          name: string;
        }>
      ).map((t) => t.name);
      expect(tables).toEqual(expect.arrayContaining(['agent_groups', 'conversations', 'conversations_expires_at']));
    } finally {
      db.close();
    }
  });

  it('deletes a large backlog of expired rows in batches', async () => {
    let now = 1_700_000_000_000;
    const store = await openSqliteConversationStore({ path: join(dir.path, 'c.sqlite'), now: () => now });
    try {
      await Promise.all(Array.from({ length: 4500 }, (_, i) => store.put('session', `old-${i}`, 's', 1000)));
      await store.put('session', 'fresh', 's', 10_000);
      now += 5000;
      expect(await store.cleanup()).toBe(4500);
      expect(await store.get('session', 'fresh')).toBe('s');
    } finally {
      await store.close();
    }
  });
});

const databaseUrl = inject('databaseUrl');
const skipReason = inject('postgresSkipReason');

describe.skipIf(!databaseUrl)(`PostgreSQL conversation store${databaseUrl ? '' : ` — skipped: ${skipReason}`}`, () => {
  let url: string;
  let admin: pg.Client;
  const opened: ServerConversationStore[] = [];

  beforeAll(async () => {
    const name = `kakehashi_conv_store_${process.pid}_${Date.now()}`;
    const root = new pg.Client({ connectionString: databaseUrl });
    await root.connect();
    await root.query(`CREATE DATABASE ${name}`);
    await root.end();
    const u = new URL(databaseUrl);
    u.pathname = `/${name}`;
    url = u.href;
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await admin?.end();
  });

  async function open(options: { timeoutMs?: number } = {}): Promise<ServerConversationStore> {
    const store =
      options.timeoutMs === undefined
        ? await openConversationStore({ databaseUrl: url })
        : await openPostgresConversationStore({ connectionString: url, timeoutMs: options.timeoutMs });
    opened.push(store);
    return store;
  }

  it('two stores on one database (two instances) see each other’s writes; expired rows are neither read nor kept', async () => {
    const [a, b] = await Promise.all([open(), open()]); // created together: the advisory lock keeps them apart
    expect(a.kind).toBe('postgres');
    await a.put('session', 'shared', 'chat-7', 60_000);
    expect(await b.get('session', 'shared')).toBe('chat-7');
    await b.put('session', 'shared', 'chat-8', 60_000);
    expect(await a.get('session', 'shared')).toBe('chat-8');
    expect(await a.get('response', 'shared')).toBeUndefined();
    await admin.query(
      `INSERT INTO kakehashi_conversations (namespace, key, value, expires_at) VALUES ('session', 'stale', 'x', now() - interval '1 second')`,
    );
    expect(await a.get('session', 'stale')).toBeUndefined();
    expect(await b.cleanup()).toBe(1);
    const { rows } = await admin.query(`SELECT key FROM kakehashi_conversations WHERE key = 'stale'`);
    expect(rows).toEqual([]);
    const indexes = await admin.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'kakehashi_conversations'`);
    expect(indexes.rows.map((r) => r.indexname)).toEqual(
      expect.arrayContaining(['kakehashi_conversations_pkey', 'kakehashi_conversations_expires_at']),
    );
    // The expiry is the database's clock plus the TTL.
    await a.put('session', 'ttl', 's', 3_600_000);
    const ttl = await admin.query(
      `SELECT extract(epoch FROM expires_at - now()) AS seconds FROM kakehashi_conversations WHERE key = 'ttl'`,
    );
    expect(Number(ttl.rows[0].seconds)).toBeGreaterThan(3500);
    expect(Number(ttl.rows[0].seconds)).toBeLessThanOrEqual(3600);
  });

  it('a read that cannot go on (the table locked) fails after the bounded wait, instead of hanging', async () => {
    const store = await open({ timeoutMs: 200 });
    await admin.query('BEGIN');
    try {
      await admin.query('LOCK TABLE kakehashi_conversations IN ACCESS EXCLUSIVE MODE');
      await expect(store.get('session', 'anything')).rejects.toThrow(/timeout/i);
    } finally {
      await admin.query('ROLLBACK');
    }
    expect(await store.get('session', 'anything')).toBeUndefined();
  });

  it('an unreachable database fails the open, naming no password', async () => {
    const error = await openConversationStore({ databaseUrl: 'postgres://user:hunter2-secret@127.0.0.1:1/db' }).catch(
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain('hunter2-secret');
  });
});
