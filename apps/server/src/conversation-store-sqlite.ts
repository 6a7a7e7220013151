import type { ServerConversationStore } from './conversation-store-open';
import { defaultSqlitePath } from './server-config';
import { acquireSqlite } from './sqlite-connection';

/** Options of {@link openSqliteConversationStore}. */
export interface SqliteConversationStoreOptions {
  /** The database file (created with its directory when missing), or `:memory:`. Default {@link defaultSqlitePath}. */
  path?: string;
  /**
   * How long a write waits for another process's lock, in ms (in the file's worker thread, not on
   * the event loop). Default 500: past it the call rejects with `StoreUnavailableError` (logged, the
   * chat goes on).
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

/** Expired rows deleted per statement, so a large cleanup never holds the file's worker for long. */
const CLEANUP_BATCH = 2000;

const SELECT = 'SELECT value FROM conversations WHERE namespace = ? AND key = ? AND expires_at > ?';
const UPSERT = `INSERT INTO conversations (namespace, key, value, expires_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`;
const DELETE_EXPIRED = `DELETE FROM conversations WHERE (namespace, key) IN
  (SELECT namespace, key FROM conversations WHERE expires_at <= ? LIMIT ${CLEANUP_BATCH})`;

/**
 * Opens (creating when missing) the conversation store in a SQLite file with Node's built-in
 * `node:sqlite`, in WAL mode: table `conversations` (`namespace`, `key`, `value`, `expires_at` in ms),
 * keyed by namespace and key, in the same file as the agent group results and through the same worker
 * threads. A lookup is one read of the primary key, on the file's reader worker: it does not wait
 * behind a write waiting for another process's lock (on `:memory:` the writer reads). Expired rows are
 * never answered and are deleted at open and then every `cleanupIntervalMs`.
 */
export async function openSqliteConversationStore(
  options: SqliteConversationStoreOptions = {},
): Promise<ServerConversationStore> {
  const path = options.path ?? defaultSqlitePath();
  const now = options.now ?? Date.now;
  const busyMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 500));
  const db = await acquireSqlite(path, SCHEMA, busyMs);
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  let cleaning: Promise<number> | undefined;
  async function cleanup(): Promise<number> {
    let deleted = 0;
    for (;;) {
      if (closed) return deleted;
      const changes = await db.run(DELETE_EXPIRED, [now()], busyMs, false);
      deleted += changes;
      if (changes < CLEANUP_BATCH) return deleted;
    }
  }
  const runCleanup = () => {
    cleaning ??= cleanup().finally(() => {
      cleaning = undefined;
    });
    return cleaning;
  };
  try {
    await runCleanup();
  } catch (error) {
    await db.release();
    throw error;
  }
  timer = setInterval(() => void runCleanup().catch(() => {}), options.cleanupIntervalMs ?? 600_000);
  timer.unref();

  return {
    kind: 'sqlite',
    async get(namespace, key) {
      const [row] = await db.read<{ value: string }>(SELECT, [namespace, key, now()], busyMs);
      return row?.value;
    },
    async put(namespace, key, value, ttlMs) {
      await db.run(UPSERT, [namespace, key, value, Math.round(now() + ttlMs)], busyMs, false);
    },
    cleanup: runCleanup,
    check: () => db.check(busyMs),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      timer = undefined;
      await cleaning?.catch(() => {});
      await db.release();
    },
  };
}
