import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ServerConversationStore } from './conversation-store-open';

/** Options of {@link openSqliteConversationStore}. */
export interface SqliteConversationStoreOptions {
  /** The database file (created with its directory when missing), or `:memory:`. Default `./kakehashi.sqlite`. */
  path?: string;
  /**
   * How long a write waits for another process's lock, in ms. Default 500: `node:sqlite` is
   * synchronous, so a wait holds the event loop; past it the write fails (logged, the chat goes on).
   */
  busyTimeoutMs?: number;
  /** How often expired rows are deleted, in ms. Default 600,000 (10 minutes). */
  cleanupIntervalMs?: number;
  /** The clock (ms since the epoch). Default `Date.now`. */
  now?: () => number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS conversations (
  namespace TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS conversations_expires_at ON conversations (expires_at)`;

/** Expired rows deleted per statement, so a large cleanup never holds the event loop for long. */
const CLEANUP_BATCH = 2000;

/**
 * Opens (creating when missing) the conversation store in a SQLite file with Node's built-in
 * `node:sqlite`: table `conversations` (`namespace`, `key`, `value`, `expires_at` in ms), keyed by
 * namespace and key, in WAL mode. It is the same file as the agent group results (its own
 * connection). A lookup is one read of the primary key; expired rows are never answered and are
 * deleted at open and then every `cleanupIntervalMs`.
 */
export async function openSqliteConversationStore(
  options: SqliteConversationStoreOptions = {},
): Promise<ServerConversationStore> {
  const { DatabaseSync } = await import('node:sqlite');
  const path = options.path ?? './kakehashi.sqlite';
  const memory = path === ':memory:';
  if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const now = options.now ?? Date.now;
  const db: DatabaseSync = new DatabaseSync(path);
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 500))}`);
    if (!memory) db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec(SCHEMA);
  } catch (error) {
    db.close();
    throw error;
  }
  const select: StatementSync = db.prepare(
    'SELECT value FROM conversations WHERE namespace = ? AND key = ? AND expires_at > ?',
  );
  const upsert: StatementSync = db.prepare(
    `INSERT INTO conversations (namespace, key, value, expires_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
  );
  const deleteExpired: StatementSync = db.prepare(
    `DELETE FROM conversations WHERE (namespace, key) IN
       (SELECT namespace, key FROM conversations WHERE expires_at <= ? LIMIT ${CLEANUP_BATCH})`,
  );

  let cleaning: Promise<number> | undefined;
  async function cleanup(): Promise<number> {
    let deleted = 0;
    for (;;) {
      if (closed) return deleted;
      const { changes } = deleteExpired.run(now());
      deleted += Number(changes);
      if (Number(changes) < CLEANUP_BATCH) return deleted;
      await new Promise((r) => setImmediate(r)); // let requests in between batches
    }
  }
  const runCleanup = () => {
    cleaning ??= cleanup().finally(() => {
      cleaning = undefined;
    });
    return cleaning;
  };
  await runCleanup();
  timer = setInterval(() => void runCleanup().catch(() => {}), options.cleanupIntervalMs ?? 600_000);
  timer.unref();

  return {
    kind: 'sqlite',
    async get(namespace, key) {
      const row = select.get(namespace, key, now()) as { value: string } | undefined;
      return row?.value;
    },
    async put(namespace, key, value, ttlMs) {
      upsert.run(namespace, key, value, Math.round(now() + ttlMs));
    },
    cleanup: runCleanup,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      timer = undefined;
      await cleaning?.catch(() => {});
      db.close();
    },
  };
}
