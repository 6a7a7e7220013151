import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openPostgresAgentGroupStore, openSqliteAgentGroupStore, type AgentGroupStore } from '../src/index';
import { tempDir } from './server-harness';

const completed = (groupId: string, finalResponse: string) => ({
  groupId,
  status: 'completed' as const,
  result: { orchestrationResponse: { finalResponse } },
  payloadText: JSON.stringify({ groupId, status: 'completed', result: { orchestrationResponse: { finalResponse } } }),
});

/** The contract every store keeps, run against each implementation. */
function storeContract(open: () => Promise<[AgentGroupStore, AgentGroupStore]>) {
  let a: AgentGroupStore;
  let b: AgentGroupStore;
  beforeAll(async () => {
    [a, b] = await open();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('records a start once and keeps the first final delivery', async () => {
    await a.recordStart('c-1');
    await a.recordStart('c-1');
    expect(await a.get('c-1')).toMatchObject({ groupId: 'c-1', status: 'started', deliveries: 0 });
    const first = await a.recordOutcome(completed('c-1', '最初'));
    expect(first.stored).toBe(true);
    const again = await a.recordOutcome(completed('c-1', '最初'));
    expect(again.stored).toBe(false);
    const late = await b.recordOutcome({ groupId: 'c-1', status: 'error', error: 'late', payloadText: '{}' });
    expect(late.stored).toBe(false);
    expect(await b.get('c-1')).toMatchObject({
      status: 'completed',
      deliveries: 3,
      result: { orchestrationResponse: { finalResponse: '最初' } },
    });
    // A later start call does not reset a finished run.
    await b.recordStart('c-1');
    expect((await a.get('c-1'))!.status).toBe('completed');
  });

  it('stores nothing for a group it never started, and keeps the payload text exactly as received', async () => {
    const text = '{ "x" : 1,\n  "nul": "a\\u0000b", "lone": "\\ud800" }';
    expect(await a.recordOutcome({ groupId: 'c-2', status: 'error', error: '失敗', payloadText: text })).toEqual({
      known: false,
      stored: false,
    });
    expect(await b.get('c-2')).toBeUndefined();
    await a.recordStart('c-2');
    const outcome = await b.recordOutcome({ groupId: 'c-2', status: 'error', error: '失敗\u0000', payloadText: text });
    expect(outcome).toMatchObject({ known: true, stored: true });
    const record = await a.get('c-2');
    expect(record).toMatchObject({ status: 'error', payload: { x: 1, nul: 'a\u0000b', lone: '\ud800' } });
    expect(record!.payloadText).toBe(text);
    expect(record!.error).toMatch(/^失敗/);
  });

  it('proves it can write (check)', async () => {
    await expect(a.check()).resolves.toBeUndefined();
    await expect(b.check()).resolves.toBeUndefined();
  });

  it('wakes a waiter on the other store instance when the result lands', async () => {
    await a.recordStart('c-3');
    const waiting = a.waitForFinal('c-3', { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 50));
    await b.recordOutcome(completed('c-3', '届きました'));
    expect(await waiting).toMatchObject({
      status: 'completed',
      result: { orchestrationResponse: { finalResponse: '届きました' } },
    });
  });

  it('answers the current state after the timeout or on abort, and undefined for unknown ids', async () => {
    await a.recordStart('c-4');
    expect(await a.waitForFinal('c-4', { timeoutMs: 30 })).toMatchObject({ status: 'started' });
    const controller = new AbortController();
    const waiting = a.waitForFinal('c-4', { timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    expect(await waiting).toMatchObject({ status: 'started' });
    expect(await a.waitForFinal('unknown', { timeoutMs: 1000 })).toBeUndefined();
  });
}

describe('SQLite store (two handles on one file, as two processes would be)', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  storeContract(async () => {
    const path = join(dir.path, 'nested', 'groups.sqlite');
    return [
      await openSqliteAgentGroupStore({ path, pollIntervalMs: 50 }),
      await openSqliteAgentGroupStore({ path, pollIntervalMs: 50 }),
    ];
  });
});

describe('SQLite store on :memory: (reads run on the writer: a second connection would be another database)', () => {
  storeContract(async () => {
    const store = await openSqliteAgentGroupStore({ path: ':memory:', pollIntervalMs: 50 });
    return [store, store];
  });
});

describe('SQLite store: reads and the file deleted under it', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('a read right after the deletion answers from the recreated file; later reads see writes to the new file', async () => {
    const path = join(dir.path, 'deleted.sqlite');
    const store = await openSqliteAgentGroupStore({ path });
    try {
      await store.recordStart('d-1');
      // Read-your-writes: each read is sent after the write it follows was acknowledged.
      expect(await store.get('d-1')).toMatchObject({ status: 'started' });
      await store.recordOutcome(completed('d-1', '消える前'));
      expect(await store.get('d-1')).toMatchObject({ status: 'completed' });
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) unlinkSync(path + suffix);

      // The reader finds no file (it never creates one); the writer recreates it with its table.
      expect(await store.get('d-1')).toBeUndefined();
      expect(existsSync(path), 'the file was recreated').toBe(true);
      await store.recordStart('d-2');
      expect(await store.get('d-2')).toMatchObject({ status: 'started' });
      await store.recordOutcome(completed('d-2', '新しいファイル'));
      expect(await store.get('d-2')).toMatchObject({
        status: 'completed',
        result: { orchestrationResponse: { finalResponse: '新しいファイル' } },
      });
      // Written to (and read from) the file at the path, not the deleted one.
      const raw = new DatabaseSync(path, { readOnly: true });
      try {
        expect(raw.prepare('SELECT group_id, status FROM agent_groups ORDER BY group_id').all()).toEqual([
          { group_id: 'd-2', status: 'completed' },
        ]);
      } finally {
        raw.close();
      }
    } finally {
      await store.close();
    }
  });
});

const databaseUrl = inject('databaseUrl');
describe.skipIf(!databaseUrl)(
  `PostgreSQL store (two instances, LISTEN/NOTIFY)${databaseUrl ? '' : ` — skipped: ${inject('postgresSkipReason')}`}`,
  () => {
    storeContract(async () => {
      // A fresh database per run, so repeated runs on a shared server do not see each other's ids.
      const name = `kakehashi_store_${process.pid}_${Date.now()}`;
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(databaseUrl);
      url.pathname = `/${name}`;
      // A long poll interval: the waiter must be woken by NOTIFY, not by polling.
      const [a, b] = await Promise.all([
        openPostgresAgentGroupStore({ connectionString: url.href, pollIntervalMs: 60_000 }),
        openPostgresAgentGroupStore({ connectionString: url.href, pollIntervalMs: 60_000 }),
      ]);
      return [a, b];
    });
  },
);
