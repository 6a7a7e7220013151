// A SQLite worker thread: per database file and process, one writer shared by the agent group store and
// the conversation store, and one reader beside it (see sqlite-connection.ts). `node:sqlite` is
// synchronous, so every statement — and every wait for another process's lock (the busy timeout) —
// happens here, off the event loop. The writer runs schemas, writes and (for `:memory:`) reads; the
// reader only reads, on a read-only connection: in WAL mode a reader needs no lock a writer holds, so
// reads never queue behind a write waiting for another process's lock.
//
// This file runs as a worker entry on its own (built as dist/sqlite-worker.js; under the tests Node
// strips its types), so it imports nothing of the package but types.
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import type { SqliteReply, SqliteRequest } from './sqlite-protocol';

const { path, reader } = workerData as { path: string; reader: boolean };
const memory = path === ':memory:';
const port = parentPort!;

let db: DatabaseSync | undefined;
/** `dev:ino` of the file the connection has open, to notice the path being deleted or replaced. */
let openedAs: string | undefined;
let busyMs = -1;
let durable: boolean | undefined;
const schemas: string[] = [];
const statements = new Map<string, StatementSync>();

function identityOfPath(): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.dev}:${stat.ino}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function drop(): void {
  statements.clear();
  try {
    db?.close();
  } catch {
    // a connection on a vanished file may fail to close cleanly; it is dropped either way
  }
  db = undefined;
  openedAs = undefined;
  busyMs = -1;
  durable = undefined;
}

/** An error the reader replies with `askWriter`: the writer creates the file and its tables. */
class AskWriter extends Error {}

function openReader(): DatabaseSync {
  // Read-only: it never creates the file (nor writes into it); a missing file is the writer's to recreate.
  if (identityOfPath() === undefined) throw new AskWriter(`no database file at ${path} (yet)`);
  const next = new DatabaseSync(path, { readOnly: true });
  db = next;
  openedAs = identityOfPath();
  return next;
}

function open(): DatabaseSync {
  if (reader) return openReader();
  if (!memory) mkdirSync(dirname(path), { recursive: true });
  const next = new DatabaseSync(path);
  try {
    if (!memory) next.exec('PRAGMA journal_mode = WAL');
    for (const schema of schemas) next.exec(schema);
  } catch (error) {
    next.close();
    throw error;
  }
  db = next;
  openedAs = memory ? 'memory' : identityOfPath();
  return next;
}

/**
 * The connection, reopened when the file at `path` is no longer the one it has open (deleted, or
 * replaced): writing on into an unlinked inode would lose every later write while reporting success.
 */
function connection(): DatabaseSync {
  if (db && (memory || identityOfPath() === openedAs)) return db;
  drop();
  return open();
}

function statement(sql: string): StatementSync {
  let prepared = statements.get(sql);
  if (!prepared) {
    prepared = connection().prepare(sql);
    statements.set(sql, prepared);
  }
  return prepared;
}

function setBusy(ms: number): void {
  if (ms === busyMs) return;
  connection().exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(ms))}`);
  busyMs = ms;
}

/**
 * `FULL`: a commit is on disk before it is acknowledged (the webhook answers 2xx only after it).
 * `NORMAL` (WAL): safe from a crash of the process; the next FULL commit syncs it too.
 */
function setDurable(value: boolean): void {
  if (value === durable) return;
  connection().exec(`PRAGMA synchronous = ${value ? 'FULL' : 'NORMAL'}`);
  durable = value;
}

function handle(request: SqliteRequest): unknown {
  if (request.op !== 'close') {
    const left = request.deadline - Date.now();
    if (left <= 0) throw new Error('the statement waited too long behind others (another process holds the lock?)');
    request.busyMs = Math.min(request.busyMs, left);
  }
  switch (request.op) {
    case 'read':
      connection();
      setBusy(request.busyMs);
      return statement(request.sql).all(...(request.params as SQLInputValue[]));
    case 'schema':
      if (reader) throw new Error('the SQLite reader runs no schema');
      if (!schemas.includes(request.sql)) schemas.push(request.sql);
      setBusy(request.busyMs);
      setDurable(true);
      connection().exec(request.sql);
      return undefined;
    case 'run': {
      if (reader) throw new Error('the SQLite reader runs no write');
      connection();
      setBusy(request.busyMs);
      setDurable(request.durable);
      const { changes } = statement(request.sql).run(...(request.params as SQLInputValue[]));
      return Number(changes);
    }
    case 'all':
      if (reader) throw new Error('the SQLite reader runs no write');
      connection();
      setBusy(request.busyMs);
      setDurable(request.durable);
      // all(), not get(): get() on INSERT/UPDATE … RETURNING does not surface an error raised at commit.
      return statement(request.sql).all(...(request.params as SQLInputValue[]));
    case 'close':
      drop();
      return undefined;
  }
}

function answer(request: SqliteRequest): SqliteReply {
  try {
    return { id: request.id, ok: true, value: handle(request) };
  } catch (error) {
    const e = error as { message?: string; code?: string; errcode?: number; errstr?: string };
    // Anything but a lock timeout may mean the connection is unusable (I/O error, file moved): reopen next time.
    if ((e.errcode ?? 0) % 256 !== 5) drop();
    // The reader on a file the writer has not (re)created yet: missing, or without the table.
    const askWriter =
      reader && (error instanceof AskWriter || e.errcode === 14 || /^no such table/.test(String(e.message ?? '')));
    return {
      id: request.id,
      ok: false,
      message: String(e.message ?? error),
      ...(e.code === undefined ? {} : { code: e.code }),
      ...(e.errcode === undefined ? {} : { errcode: e.errcode }),
      ...(askWriter ? { askWriter: true as const } : {}),
    };
  }
}

// The requests of one turn of the caller's event loop, run in order. Each is answered as soon as it
// has run (a statement waiting for a lock holds back none before it); answers that follow each other
// quickly reach the caller in one wake-up of its event loop.
port.on('message', (batch: SqliteRequest[]) => {
  for (const request of batch) {
    port.postMessage(answer(request));
    if (request.op === 'close') {
      port.close();
      return;
    }
  }
});
