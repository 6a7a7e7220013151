import { closeSync, constants, fstatSync, mkdirSync, openSync, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { SERVER_ENV, ServerConfigError } from './server-config';
import type { SqliteReply, SqliteRequest, SqliteRequestBody } from './sqlite-protocol';
import { StoreUnavailableError } from './store-errors';

/**
 * Internal: a connection to one SQLite file, served by two worker threads (per file and process,
 * shared by every store on it): the writer, and a reader for {@link SqliteConnection.read}. Every call rejects with {@link StoreUnavailableError} when SQLite
 * fails or the worker does not answer within the statement's lock wait plus a margin.
 */
export interface SqliteConnection {
  /** The resolved file path, or `:memory:`. */
  readonly path: string;
  /** Runs a schema script now and again whenever the file is reopened (deleted and recreated). */
  schema(sql: string, busyMs: number): Promise<void>;
  /**
   * Runs a write; resolves with the number of changed rows once committed. `durable` (default true)
   * commits with `synchronous = FULL` (on disk before it resolves); false with `NORMAL` (safe from a
   * crash of the process, not from a power cut; for data that can be rebuilt).
   */
  run(sql: string, params: unknown[], busyMs: number, durable?: boolean): Promise<number>;
  /**
   * Runs a statement that returns rows (a write with `RETURNING`, or a query that must run in order
   * with the writes) on the writer; resolves with its rows once committed.
   */
  all<Row>(sql: string, params: unknown[], busyMs: number, durable?: boolean): Promise<Row[]>;
  /**
   * Runs a read-only query (a `SELECT` without side effects) on the file's reader: a second worker
   * with a read-only connection of its own. In WAL mode a reader needs no lock a writer holds, so a
   * read never queues behind a write, not even one waiting for another process's lock. It sees every
   * write committed before it was sent: a caller that awaited a write reads it back. A write sent to
   * it is refused (the connection is read-only): writes, also those with `RETURNING`, use `run` /
   * `all`. The reader reopens, like the writer, when the file is deleted or replaced; while the file
   * is missing or lacks its tables the read runs on the writer, which recreates them.
   *
   * `:memory:`: a second connection would be a different, empty database, so reads run on the
   * writer, in its queue (behind any write ahead of them).
   */
  read<Row>(sql: string, params: unknown[], busyMs: number): Promise<Row[]>;
  /** Proves the file takes a write now (a one-row upsert). */
  check(busyMs: number): Promise<void>;
  /** Releases this user's share; the last one stops both workers. */
  release(): Promise<void>;
}

/** Time a request may wait in the worker's queue beyond its own lock wait (others ahead of it). */
const QUEUE_MS = 5000;
/** Time past its deadline the caller waits for an answer before it declares the worker stuck (a hung disk). */
const ANSWER_MARGIN_MS = 2000;
/** Time a health check may take beyond its own lock wait (queued behind other statements). */
const CHECK_MARGIN_MS = 500;

const HEALTH_SCHEMA =
  'CREATE TABLE IF NOT EXISTS kakehashi_health (id INTEGER PRIMARY KEY, checked_at INTEGER NOT NULL)';
const HEALTH_WRITE =
  'INSERT INTO kakehashi_health (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at';

// Kernel pseudo file systems (statfs f_type): a database there can never work and may spin.
const PSEUDO_FILESYSTEMS: Record<number, string> = {
  40864: 'procfs',
  1650812274: 'sysfs',
  2613483: 'cgroup',
  1667723888: 'cgroup2',
  1684170528: 'debugfs',
  7377: 'devpts',
  1935894131: 'securityfs',
};

function badPath(path: string, reason: string): ServerConfigError {
  return new ServerConfigError(SERVER_ENV.sqlitePath, `${SERVER_ENV.sqlitePath} "${path}" cannot be used: ${reason}`);
}

/**
 * Checks, before any worker starts, that `path` can hold a database: not a directory, not on a kernel
 * pseudo file system, its directory creatable and the file openable for writing.
 *
 * @throws ServerConfigError naming `KAKEHASHI_SQLITE_PATH` and the reason.
 */
export function checkSqlitePath(path: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw badPath(path, `its directory cannot be created (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  const fsType = PSEUDO_FILESYSTEMS[Number(statfsSync(dir).type)];
  if (fsType) throw badPath(path, `it is on ${fsType}, a kernel pseudo file system`);
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(path);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory()) throw badPath(path, 'it is a directory');
  if (existing && !existing.isFile()) throw badPath(path, 'it is not a regular file');
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  } catch (error) {
    throw badPath(path, `it cannot be opened for writing (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw badPath(path, 'it is not a regular file');
  } finally {
    closeSync(fd);
  }
}

function workerUrl(): URL {
  // Built: dist/sqlite-worker.js beside this chunk. From source (the tests): Node strips the .ts itself.
  return new URL(import.meta.url.endsWith('.ts') ? './sqlite-worker.ts' : './sqlite-worker.js', import.meta.url);
}

interface Shared {
  connection: SqliteConnection;
  users: number;
}
const shared = new Map<string, Shared>();

function unavailable(reply: Extract<SqliteReply, { ok: false }>): StoreUnavailableError {
  return new StoreUnavailableError('sqlite', `SQLite: ${reply.message}`, { cause: reply });
}

/** One worker thread and the requests it has not answered yet. */
interface Channel {
  request(message: SqliteRequestBody, busyMs: number): Promise<unknown>;
  /** Asks the worker to close its connection, then stops it. */
  stop(): Promise<void>;
}

/**
 * Starts (on first request, and again after it died or was stuck) the worker of `path` in its role.
 * The writer learns every schema in `schemas` first; the reader runs none.
 */
function startChannel(path: string, reader: boolean, schemas: ReadonlyArray<{ sql: string; busyMs: number }>): Channel {
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();
  const name = reader ? 'SQLite reader' : 'SQLite worker';
  // Requests made in one turn of the event loop go to the worker in one message, sent in the turn's
  // check phase (setImmediate): waking a worker thread costs ~100 µs of CPU on each side, so one wake-up
  // per turn rather than per request is most of a request's cost under load.
  let outbox: SqliteRequest[] = [];
  let outboxFor: Worker | undefined;
  const flush = () => {
    const batch = outbox;
    const w = outboxFor;
    outbox = [];
    outboxFor = undefined;
    // Sent to the worker they were made for; one replaced meanwhile had them failed already.
    if (w !== undefined && w === worker) w.postMessage(batch);
  };
  const post = (w: Worker, message: SqliteRequest) => {
    if (outboxFor !== w) {
      if (outboxFor !== undefined) flush();
      outboxFor = w;
      setImmediate(flush);
    }
    outbox.push(message);
  };

  const failAll = (error: Error) => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      pending.delete(id);
      p.reject(error);
    }
  };

  function spawn(): Worker {
    const w = new Worker(workerUrl(), { workerData: { path, reader } });
    w.unref();
    const settle = (reply: SqliteReply) => {
      const p = pending.get(reply.id);
      if (!p) return; // answered after the caller gave up
      pending.delete(reply.id);
      clearTimeout(p.timer);
      if (pending.size === 0) w.unref();
      if (reply.ok) p.resolve(reply.value);
      else p.reject(unavailable(reply));
    };
    w.on('message', settle);
    const gone = (error: Error) => {
      if (worker !== w) return;
      worker = undefined;
      failAll(new StoreUnavailableError('sqlite', `the ${name} stopped: ${error.message}`, { cause: error }));
    };
    w.on('error', gone);
    w.on('exit', (code) => gone(new Error(`exit code ${code}`)));
    return w;
  }

  function request(message: SqliteRequestBody, busyMs: number): Promise<unknown> {
    const deadline = Date.now() + busyMs + QUEUE_MS;
    const timeoutMs = busyMs + QUEUE_MS + ANSWER_MARGIN_MS;
    if (!worker) {
      worker = spawn();
      // A new writer (the first, or after one died) learns every schema again first.
      if (!reader)
        for (const s of schemas)
          if (message.op !== 'schema' || s.sql !== message.sql)
            post(worker, {
              id: 0,
              op: 'schema',
              sql: s.sql,
              busyMs: s.busyMs,
              deadline: Date.now() + s.busyMs + QUEUE_MS,
            });
    }
    const w = worker;
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // The worker answers in order: the oldest request still pending is the one it is running.
        // Only when that one is overdue is the worker stuck; a request queued behind a long, legitimate
        // lock wait just gives up (the worker skips it at its deadline) and leaves the others waiting.
        const running = pending.keys().next().value === id;
        pending.delete(id);
        if (pending.size === 0) w.unref();
        reject(new StoreUnavailableError('sqlite', `SQLite did not answer within ${timeoutMs} ms`));
        // A worker stuck past every lock wait is replaced; what it was doing is abandoned.
        if (running && worker === w) {
          worker = undefined;
          failAll(new StoreUnavailableError('sqlite', `the ${name} was restarted after a stuck statement`));
          void w.terminate();
        }
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer });
      w.ref();
      post(w, { ...message, ...(message.op === 'close' ? {} : { deadline }), id } as SqliteRequest);
    });
  }

  return {
    request,
    async stop() {
      const w = worker;
      if (!w) return;
      await request({ op: 'close' }, 0).catch(() => {});
      worker = undefined;
      await w.terminate().catch(() => {});
    },
  };
}

/** Whether the reader passed a read on to the writer (the file is missing or lacks its tables). */
function askedWriter(error: unknown): boolean {
  return (error as { cause?: { askWriter?: boolean } }).cause?.askWriter === true;
}

function startConnection(path: string, onLast: () => void): SqliteConnection {
  const schemas: Array<{ sql: string; busyMs: number }> = [];
  const writer = startChannel(path, false, schemas);
  // A second connection to :memory: would be another, empty database: there the writer reads too.
  const reader = path === ':memory:' ? undefined : startChannel(path, true, []);
  const request = writer.request;

  const connection: SqliteConnection = {
    path,
    async schema(sql, busyMs) {
      if (!schemas.some((s) => s.sql === sql)) schemas.push({ sql, busyMs });
      await request({ op: 'schema', sql, busyMs }, busyMs);
    },
    async run(sql, params, busyMs, durable = true) {
      return (await request({ op: 'run', sql, params, busyMs, durable }, busyMs)) as number;
    },
    async all<Row>(sql: string, params: unknown[], busyMs: number, durable = true) {
      return (await request({ op: 'all', sql, params, busyMs, durable }, busyMs)) as Row[];
    },
    async read<Row>(sql: string, params: unknown[], busyMs: number) {
      const message = { op: 'read', sql, params, busyMs } as const;
      if (!reader) return (await writer.request(message, busyMs)) as Row[];
      try {
        return (await reader.request(message, busyMs)) as Row[];
      } catch (error) {
        if (!askedWriter(error)) throw error;
        return (await writer.request(message, busyMs)) as Row[];
      }
    },
    async check(busyMs) {
      const write = (async () => {
        await connection.schema(HEALTH_SCHEMA, busyMs);
        await connection.run(HEALTH_WRITE, [Date.now()], busyMs);
      })();
      write.catch(() => {});
      // The writer runs one statement at a time: behind a write waiting for a lock, the check would
      // wait too. Past its own lock wait (plus a margin) the store counts as unable to write now.
      let timer: NodeJS.Timeout | undefined;
      const giveUp = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new StoreUnavailableError(
                'sqlite',
                `SQLite did not take a write within ${busyMs + CHECK_MARGIN_MS} ms (locked or busy)`,
              ),
            ),
          busyMs + CHECK_MARGIN_MS,
        );
      });
      try {
        await Promise.race([write, giveUp]);
      } finally {
        clearTimeout(timer);
      }
    },
    async release() {
      const entry = shared.get(path);
      if (entry && --entry.users > 0) return;
      onLast();
      // The reader first: the writer, closing last, checkpoints the WAL into the file and removes it.
      await reader?.stop();
      await writer.stop();
    },
  };
  return connection;
}

/**
 * Internal: the connection to `path` (`:memory:` gets a database of its own each time), starting its
 * workers on first use. The path is checked first ({@link checkSqlitePath}), then the schema runs.
 *
 * @throws ServerConfigError for a path that cannot hold a database.
 * @throws StoreUnavailableError when SQLite cannot open it.
 */
export async function acquireSqlite(path: string, schema: string, busyMs: number): Promise<SqliteConnection> {
  const memory = path === ':memory:';
  const key = memory ? `:memory:${Math.random()}` : resolve(path);
  let entry = shared.get(key);
  if (!entry) {
    if (!memory) checkSqlitePath(key);
    entry = { connection: startConnection(memory ? ':memory:' : key, () => shared.delete(key)), users: 0 };
    if (!memory) shared.set(key, entry);
  }
  entry.users++;
  try {
    await entry.connection.schema(schema, busyMs);
  } catch (error) {
    await entry.connection.release();
    // SQLITE_NOTADB: the file holds something else; no retry will help.
    const cause = (error as { cause?: { errcode?: number } }).cause;
    if (!memory && cause?.errcode === 26) throw badPath(key, 'it is not a SQLite database');
    throw error;
  }
  return entry.connection;
}
