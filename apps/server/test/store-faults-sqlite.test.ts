/**
 * The SQLite store under real faults, through the server's HTTP surface: a full disk (a small tmpfs,
 * mounted as root), a write lock held by a second process, the database file deleted while the server
 * runs, and payloads JSON allows but databases often refuse (NUL, a lone surrogate). For each: what
 * callers get, that nothing acknowledged is lost, that /healthz tells the truth, and that the server
 * recovers without a restart.
 *
 * miibo's own delivery goes to an unreachable URL (the server's public URL): the test delivers the
 * exact same request itself, when the fault is in place and again after it, as miibo's retries would.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { simulatorEnv, startMiiboSimulator, type MiiboSimulator } from '@kakehashi/testkit';
import type { Hono } from 'hono';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type KakehashiServer,
  type KakehashiServerConfig,
  openSqliteAgentGroupStore,
  openSqliteConversationStore,
  StoreUnavailableError,
} from '../src/index';
import { ask } from './conversations-helpers';
import { groupStartBody, postJson, startInProcess, tempDir } from './server-harness';
import {
  ADMIN_KEY,
  answeredWithin,
  deliver,
  deliverUntilAcknowledged,
  expectAllReadable,
  expectUnavailable,
  healthz,
  healthzBecomes,
  holdSqliteWriteLock,
  openChatStream,
  readGroup,
  startGroup,
  type StartedGroup,
  unreachableUrl,
  WEBHOOK_PATH,
} from './store-faults-harness';

/** A request must answer within this (a hang bound, not a speed target). */
const HANG_MS = 15_000;
/** The liveness route: answers without touching the store. */
const LIVENESS = '/healthz/live';

let miibo: MiiboSimulator;
const dir = tempDir('kakehashi-store-faults-');
const servers: KakehashiServer[] = [];
/** Measured answers during the faults, printed once at the end (for the record, not asserted). */
const measured: Record<string, number> = {};

beforeAll(async () => {
  miibo = await startMiiboSimulator({ adminApiKey: ADMIN_KEY });
});
afterAll(async () => {
  await miibo.close();
  dir.remove();
  console.info(`[store-faults-sqlite] answers during the faults (ms, or status): ${JSON.stringify(measured)}`);
});
afterEach(async () => {
  miibo.resetKnobs();
  await Promise.all(servers.splice(0).map((s) => s.close(0)));
});

async function server(sqlitePath: string, extra: KakehashiServerConfig = {}) {
  const started = await startInProcess({
    env: simulatorEnv({ miibo }),
    publicUrl: await unreachableUrl(),
    store: { sqlitePath },
    ...extra,
  });
  servers.push(started.server);
  return started;
}

/** Reopens the file in a fresh server: what a restart would find. */
async function reopened(sqlitePath: string): Promise<string> {
  const { url } = await server(sqlitePath, { publicUrl: undefined });
  return url;
}

describe('SQLite: the disk is full', () => {
  const mount = join(dir.path, 'full');
  let mounted = false;

  afterAll(() => {
    if (mounted) spawnSync('umount', ['-l', mount]);
  });

  it('refuses webhooks with 503 (never 200) and /healthz says 503; once space is freed the retry lands', async () => {
    // Mounting a file system needs root; CI runs as root. Anywhere else this fails loudly rather than
    // pretending: the full-disk behaviour is only proven on a real full disk.
    expect(
      process.getuid?.(),
      'the full-disk test mounts a 4 MiB tmpfs and needs root (CI runs as root); run it as root',
    ).toBe(0);
    mkdirSync(mount, { recursive: true });
    const mounting = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount], { encoding: 'utf8' });
    expect(mounting.status, `mount -t tmpfs failed: ${mounting.stderr}`).toBe(0);
    mounted = true;

    const sqlitePath = join(mount, 'kakehashi.sqlite');
    const { url } = await server(sqlitePath);
    const acknowledged: StartedGroup[] = [];
    const first = await startGroup(url, miibo);
    expect((await deliver(url, first.delivery)).status).toBe(200);
    acknowledged.push(first);
    const pending = await startGroup(url, miibo);

    // Fill the file system to the last byte (the last write is a short one, then ENOSPC).
    const filler = join(mount, 'filler');
    const fd = openSync(filler, 'w');
    try {
      for (const block = Buffer.alloc(64 * 1024); ; ) writeSync(fd, block);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }

    const refused = await answeredWithin(HANG_MS, () => deliver(url, pending.delivery));
    expectUnavailable(refused.value, await refused.value.text());
    measured['full disk webhook'] = refused.ms;
    expect(await healthz(url)).toBe(503);
    // What was acknowledged stays readable on the full disk.
    await expectAllReadable(url, acknowledged);
    // A start cannot be recorded: 503, not a run the server will not know.
    const start = await postJson(`${url}/v1/agent-groups`, groupStartBody());
    expectUnavailable(start, await start.text());

    // Free the space: the same server takes the retried delivery.
    unlinkSync(filler);
    const { response } = await deliverUntilAcknowledged(url, pending.delivery);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ received: true, stored: true });
    acknowledged.push(pending);
    await healthzBecomes(url, 200);
    const later = await startGroup(url, miibo);
    expect((await deliver(url, later.delivery)).status).toBe(200);
    acknowledged.push(later);

    await expectAllReadable(url, acknowledged);
    await expectAllReadable(await reopened(sqlitePath), acknowledged);
  });
});

describe('SQLite: another process holds the write lock', () => {
  it('the webhook waits on the lock without pausing the server: liveness and a live chat stream answer meanwhile; released in time → 200', async () => {
    const sqlitePath = join(dir.path, 'locked-released.sqlite');
    let entered: () => void = () => {};
    const webhookEntered = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const { url } = await server(sqlitePath, {
      store: { sqlitePath, busyTimeoutMs: 60_000 },
      routes: (app: Hono) =>
        app.use(WEBHOOK_PATH, async (_c, next) => {
          entered();
          await next();
        }),
    });
    const group = await startGroup(url, miibo);
    miibo.configure({ eventDelayMs: 50, snapshots: Array.from({ length: 40 }, (_, i) => `${'あ'.repeat(i + 1)}`) });
    const chat = await openChatStream(url, 'ロック中も流れますか');
    await chat.waitFor(2);

    const lock = await holdSqliteWriteLock(sqlitePath);
    let settled = false;
    const webhook = deliver(url, group.delivery).finally(() => {
      settled = true;
    });
    await webhookEntered;
    // While the webhook waits on the lock: liveness answers, and the chat stream keeps streaming.
    const live = await fetch(`${url}${LIVENESS}`);
    expect(live.status).toBe(200);
    const seen = chat.received();
    await chat.waitFor(seen + 3);
    // A new chat turn streams too, and /healthz answers the truth (the store cannot write now: 503)
    // once its own check gives up behind the webhook's lock wait. A turn continuing a conversation
    // answers too: its lookup runs on the file's reader, and the write remembering it gives up behind
    // the webhook on the writer (the chat goes on without it). Those give-ups leave the webhook waiting.
    const since = performance.now();
    const took = (name: string) => () => {
      measured[name] = Math.round(performance.now() - since);
    };
    const [health, secondText, continuedText] = await Promise.all([
      healthz(url).finally(took('lock held: /healthz behind the waiting webhook')),
      openChatStream(url, 'ロック中に始めた会話').then((second) => second.done),
      openChatStream(url, 'ロック中の続きの質問', [
        { role: 'user', content: '前の質問' },
        { role: 'assistant', content: '前の答え' },
      ])
        .then((continued) => continued.done)
        .finally(took('lock held: a continued chat turn (lookup on the reader)')),
    ]);
    expect(health).toBe(503);
    expect(secondText).toBe('あ'.repeat(40));
    expect(continuedText).toBe('あ'.repeat(40));
    expect(settled, 'the webhook answered before the lock was released').toBe(false);

    await lock.release();
    const answer = await answeredWithin(HANG_MS, () => webhook);
    measured['lock released: webhook answered after release'] = answer.ms;
    expect(answer.value.status).toBe(200);
    expect(await answer.value.json()).toMatchObject({ received: true, stored: true });
    expect(await chat.done).toBe('あ'.repeat(40));
    await expectAllReadable(url, [group]);
    await healthzBecomes(url, 200);
  });

  it('reads answer with the committed data while a webhook write waits on the lock (GET, a continued chat); released → the write commits and reads back', async () => {
    // The holder takes the lock with BEGIN IMMEDIATE: the WAL write lock, which WAL readers do not need
    // (in WAL mode BEGIN EXCLUSIVE is the same lock; `locking_mode = EXCLUSIVE` would shut readers out).
    const sqlitePath = join(dir.path, 'locked-reads.sqlite');
    /** What settled while the lock was held, in order. */
    const order: string[] = [];
    let locked = false;
    const opened = await openSqliteAgentGroupStore({ path: sqlitePath, busyTimeoutMs: 60_000 });
    const conversationStore = await openSqliteConversationStore({ path: sqlitePath });
    let posted: () => void = () => {};
    const writePosted = new Promise<void>((resolve) => {
      posted = resolve;
    });
    let lookups = 0;
    try {
      const { url } = await server(sqlitePath, {
        store: {
          ...opened,
          recordOutcome(outcome) {
            const write = opened.recordOutcome(outcome);
            // The call has posted the write to the file's writer: every statement sent from now on is behind it there.
            if (!locked) return write;
            posted();
            const settled = () => order.push('webhook write');
            write.then(settled, settled);
            return write;
          },
        },
        conversations: {
          get: (namespace, key) =>
            conversationStore.get(namespace, key).finally(() => {
              if (locked) order.push(`conversation lookup ${++lookups}`);
            }),
          put: (namespace, key, value, ttlMs) => conversationStore.put(namespace, key, value, ttlMs),
        },
      });
      const done = await startGroup(url, miibo);
      expect((await deliver(url, done.delivery)).status).toBe(200);
      const group = await startGroup(url, miibo);
      // A finished turn, remembered (its history continues the same miibo session).
      const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused-key-123456', maxRetries: 0 });
      const first = await ask(openai, 'miibo', [{ role: 'user', content: 'ロック前の質問' }], false);
      expect(first.session).toMatch(/\S/);
      const history = [
        { role: 'user' as const, content: 'ロック前の質問' },
        { role: 'assistant' as const, content: first.text },
      ];
      // The put is acknowledged before the answer ends? Not promised: wait until the lookup finds it.
      for (let i = 0; ; i++) {
        const again = await ask(openai, 'miibo', [...history, { role: 'user', content: '確認' }], false);
        if (again.session === first.session) break;
        if (i >= 20) throw new Error('the finished turn was never remembered');
        await new Promise((r) => setTimeout(r, 100));
      }

      const lock = await holdSqliteWriteLock(sqlitePath);
      let released = false;
      try {
        locked = true;
        const webhook = deliver(url, group.delivery);
        await writePosted;
        const waited = fetch(`${url}/v1/agent-groups/${group.groupId}?wait=30`);
        // A hang bound, not a speed target: behind the write they would wait until the lock is released.
        const {
          value: [doneRead, pendingRead, continued],
        } = await answeredWithin(HANG_MS, () =>
          Promise.all([
            readGroup(url, done.groupId).finally(() => order.push('GET completed group')),
            readGroup(url, group.groupId).finally(() => order.push('GET started group')),
            ask(openai, 'miibo', [...history, { role: 'user', content: 'ロック中の続き' }], true),
          ]),
        );
        expect(doneRead).toEqual({
          status: 200,
          body: { groupId: done.groupId, status: 'completed', result: done.result },
        });
        expect(pendingRead).toMatchObject({ status: 200, body: { groupId: group.groupId, status: 'started' } });
        // The lookup found the remembered session while the write waited.
        expect(continued.session).toBe(first.session);
        expect(order, 'a read waited for the webhook write waiting on the lock').not.toContain('webhook write');
        expect(order).toEqual(
          expect.arrayContaining(['GET completed group', 'GET started group', 'conversation lookup 1']),
        );

        await lock.release();
        released = true;
        const answer = await answeredWithin(HANG_MS, () => webhook);
        expect(answer.value.status).toBe(200);
        expect(await answer.value.json()).toMatchObject({ received: true, stored: true });
        expect(order.at(-1), 'the webhook write committed last').toBe('webhook write');
        // Acknowledged means readable at once, through the reader: the waiter and a plain GET see it.
        const wakened = await answeredWithin(HANG_MS, () => waited);
        expect(wakened.value.status).toBe(200);
        expect(await wakened.value.json()).toEqual({
          groupId: group.groupId,
          status: 'completed',
          result: group.result,
        });
        await expectAllReadable(url, [done, group]);
      } finally {
        if (!released) await lock.release();
      }
    } finally {
      await conversationStore.close();
    }
  });

  it('held past the busy timeout → 503 with Retry-After, /healthz 503; released → the retry lands', async () => {
    const sqlitePath = join(dir.path, 'locked-held.sqlite');
    const { url } = await server(sqlitePath, { store: { sqlitePath, busyTimeoutMs: 1000 } });
    const acknowledged = [await startGroup(url, miibo)];
    expect((await deliver(url, acknowledged[0]!.delivery)).status).toBe(200);
    const group = await startGroup(url, miibo);

    const lock = await holdSqliteWriteLock(sqlitePath);
    let released = false;
    try {
      const refused = await answeredWithin(HANG_MS, () => deliver(url, group.delivery));
      expectUnavailable(refused.value, await refused.value.text());
      measured['lock past busyTimeoutMs=1000 webhook'] = refused.ms;
      expect(await healthz(url)).toBe(503);
      // Reads do not need the write lock (WAL): acknowledged results stay readable.
      await expectAllReadable(url, acknowledged);
      await lock.release();
      released = true;
    } finally {
      if (!released) await lock.release();
    }

    const { response } = await deliverUntilAcknowledged(url, group.delivery);
    expect(response.status).toBe(200);
    acknowledged.push(group);
    await healthzBecomes(url, 200);
    await expectAllReadable(url, acknowledged);
    await expectAllReadable(await reopened(sqlitePath), acknowledged);
  });
});

describe('SQLite: a statement gives up in the worker queue behind a lock wait', () => {
  it('reads answer from the reader meanwhile; the lock wait ahead of a queued write goes on (the worker is not restarted) and commits once released', async () => {
    // The agent group and the conversation store on one file share one writer: a conversation write
    // queued behind an agent group write that waits on another process's lock gives up on its own
    // (much shorter) wait; that must not abandon the write. Reads go to the file's reader and answer
    // with what was committed before the lock. The holder takes the lock with BEGIN IMMEDIATE: the
    // WAL write lock, which WAL readers do not need (`locking_mode = EXCLUSIVE` would shut them out).
    const path = join(dir.path, 'queued.sqlite');
    const groups = await openSqliteAgentGroupStore({ path, busyTimeoutMs: 60_000 });
    const conversations = await openSqliteConversationStore({ path, busyTimeoutMs: 100 });
    try {
      await groups.recordStart('queued-1');
      await conversations.put('session', 'queued-key', 'stored-session', 60_000);
      const lock = await holdSqliteWriteLock(path);
      const order: string[] = [];
      let settled = false;
      const payloadText = JSON.stringify({ groupId: 'queued-1', status: 'completed', result: { ok: true } });
      // The call posts the write to the writer before it returns: every statement below comes after it.
      const outcome = groups
        .recordOutcome({ groupId: 'queued-1', status: 'completed', result: { ok: true }, payloadText })
        .finally(() => {
          settled = true;
          order.push('write');
        });
      outcome.catch(() => {}); // awaited below; a rejection before that is the failure being tested
      try {
        const [session, group] = await Promise.all([
          conversations.get('session', 'queued-key').finally(() => order.push('conversation read')),
          groups.get('queued-1').finally(() => order.push('group read')),
        ]);
        expect(session).toBe('stored-session');
        expect(group).toMatchObject({ groupId: 'queued-1', status: 'started', deliveries: 0 });
        expect(order, 'the reads waited for the write waiting on the lock').not.toContain('write');

        const gaveUp = await conversations.put('session', 'queued-key-2', 'later', 60_000).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(StoreUnavailableError.isInstance(gaveUp), String(gaveUp)).toBe(true);
        // Let every promise settled by that give-up run its handlers.
        await new Promise((r) => setImmediate(r));
        expect(settled, 'the write waiting on the lock was abandoned').toBe(false);
      } finally {
        await lock.release();
      }
      expect(await outcome).toMatchObject({ known: true, stored: true });
      // Read-your-writes: the reader sees the write the moment it has been acknowledged.
      expect(await groups.get('queued-1')).toMatchObject({ status: 'completed', result: { ok: true } });
      expect(order).toHaveLength(3);
      expect(order.at(-1), 'the write committed after the reads').toBe('write');
    } finally {
      await conversations.close();
      await groups.close();
    }
  });
});

describe('SQLite: the database file is deleted while the server runs', () => {
  it('later deliveries are refused or land in a recreated file that reads back; /healthz is truthful', async () => {
    const sqlitePath = join(dir.path, 'deleted', 'kakehashi.sqlite');
    const { url } = await server(sqlitePath);
    const before = await startGroup(url, miibo);
    expect((await deliver(url, before.delivery)).status).toBe(200);
    const started = await startGroup(url, miibo);

    for (const suffix of ['', '-wal', '-shm']) if (existsSync(sqlitePath + suffix)) unlinkSync(sqlitePath + suffix);

    // The run started before the deletion is gone with the file: its delivery must not be
    // acknowledged into a file nobody can read.
    const late = await answeredWithin(HANG_MS, () => deliver(url, started.delivery));
    const lateText = await late.value.text();
    measured['deleted file: delivery for a run started before (status)'] = late.value.status;
    expect(late.value.status, lateText).not.toBe(500);
    if (late.value.ok) await expectAllReadable(await reopened(sqlitePath), [started]);
    else expect([404, 409, 410, 503], lateText).toContain(late.value.status);

    // /healthz answers 200 only if the store can write (it recreated the file): prove it.
    const health = await healthz(url);
    const after = await postJson(`${url}/v1/agent-groups`, groupStartBody());
    if (health === 200) {
      expect(after.status).toBe(200);
    } else {
      expect(health).toBe(503);
      expectUnavailable(after, await after.text());
    }
    await after.body?.cancel();
    const recovered = await startGroup(url, miibo);
    const { response } = await deliverUntilAcknowledged(url, recovered.delivery);
    expect(response.status).toBe(200);
    expect(existsSync(sqlitePath), 'the file was recreated').toBe(true);
    await healthzBecomes(url, 200);
    await expectAllReadable(url, [recovered]);
    // Written to the real file, not to the deleted one the old handle still saw.
    await expectAllReadable(await reopened(sqlitePath), [recovered]);
  });
});

describe('SQLite: payloads with NUL and a lone surrogate', () => {
  it('stores them and reads them back equal', async () => {
    const sqlitePath = join(dir.path, 'poison.sqlite');
    const { url } = await server(sqlitePath);
    const poison = 'nul:\u0000 lone:\ud800 end';
    miibo.configure({ groupAnswer: poison });
    const group = await startGroup(url, miibo);
    expect(group.delivery.body).toContain('\\u0000');
    expect(group.delivery.body).toContain('\\ud800');
    expect((await deliver(url, group.delivery)).status).toBe(200);
    const { body } = await readGroup(url, group.groupId);
    expect(
      (body.result as { orchestrationResponse: { finalResponse: string } }).orchestrationResponse.finalResponse,
    ).toBe(poison);
    await expectAllReadable(url, [group]);
    await expectAllReadable(await reopened(sqlitePath), [group]);
  });
});
