import pg from 'pg';
import type { Logger } from 'pino';
import { boundedPoolConfig, postgresUnavailable, unavailableOnFailure } from './agent-group-store-postgres';
import type { ServerConversationStore } from './conversation-store-open';

/** Options of {@link openPostgresConversationStore}. */
export interface PostgresConversationStoreOptions {
  /** `postgres://user:password@host:port/database` (`DATABASE_URL`). */
  connectionString: string;
  /** Table name. Default `kakehashi_conversations`. */
  table?: string;
  /** Most pooled connections. Default 10. */
  maxConnections?: number;
  /**
   * The longest one read or write may take, connecting included, in ms (past it the call fails: the
   * chat goes on without it). Default 2,000.
   */
  timeoutMs?: number;
  /** How often expired rows are deleted, in ms (every instance does it; it is idempotent). Default 600,000. */
  cleanupIntervalMs?: number;
  /** Where pool and cleanup problems are reported. */
  logger?: Logger;
}

/** Expired rows deleted per statement. */
const CLEANUP_BATCH = 5000;

/**
 * Opens the PostgreSQL conversation store (creating its table and expiry index when missing, under
 * an advisory lock so instances starting together do not race). Every instance on the same database
 * shares it: a conversation begun on one continues on another. Expiry uses the database's clock, so
 * instances with skewed clocks agree. Each call is bounded by `timeoutMs` (pool connect, statement
 * and client-side query timeouts).
 */
export async function openPostgresConversationStore(
  options: PostgresConversationStoreOptions,
): Promise<ServerConversationStore> {
  const table = options.table ?? 'kakehashi_conversations';
  if (!/^[a-z_][a-z0-9_]{0,50}$/.test(table))
    throw new Error(`table must be a plain lower-case SQL identifier (got "${table}")`);
  const log = options.logger;
  const timeoutMs = Math.max(1, Math.trunc(options.timeoutMs ?? 2000));
  const pool = new pg.Pool({
    ...boundedPoolConfig({
      connectionString: options.connectionString,
      ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
      connectTimeoutMs: timeoutMs,
      statementTimeoutMs: timeoutMs,
    }),
    query_timeout: timeoutMs + 500,
  });
  pool.on('error', (error) => log?.warn({ err: error }, 'postgres conversation pool connection error'));
  let closed = false;

  try {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [table]);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${table} (
          namespace text NOT NULL,
          key text NOT NULL,
          value text NOT NULL,
          expires_at timestamptz NOT NULL,
          PRIMARY KEY (namespace, key)
        )`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${table}_expires_at ON ${table} (expires_at)`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${table}_health (id integer PRIMARY KEY, checked_at timestamptz NOT NULL)`,
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw postgresUnavailable(error);
  }

  // Named statements: parsed once per connection.
  const getQuery = {
    name: `${table}_get`,
    text: `SELECT value FROM ${table} WHERE namespace = $1 AND key = $2 AND expires_at > now()`,
  };
  const putQuery = {
    name: `${table}_put`,
    text: `INSERT INTO ${table} (namespace, key, value, expires_at)
           VALUES ($1, $2, $3, now() + $4::double precision * interval '1 millisecond')
           ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
  };
  const cleanupQuery = {
    name: `${table}_cleanup`,
    text: `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE expires_at <= now() LIMIT ${CLEANUP_BATCH})`,
  };

  let cleaning: Promise<number> | undefined;
  async function cleanup(): Promise<number> {
    let deleted = 0;
    while (!closed) {
      const { rowCount } = await pool.query(cleanupQuery);
      deleted += rowCount ?? 0;
      if ((rowCount ?? 0) < CLEANUP_BATCH) break;
    }
    return deleted;
  }
  const runCleanup = () => {
    cleaning ??= cleanup().finally(() => {
      cleaning = undefined;
    });
    return cleaning;
  };
  const timer = setInterval(
    () => void runCleanup().catch((error) => log?.warn({ err: error }, 'deleting expired conversations failed')),
    options.cleanupIntervalMs ?? 600_000,
  );
  timer.unref();
  void runCleanup().catch((error) => log?.warn({ err: error }, 'deleting expired conversations failed'));

  return {
    kind: 'postgres',
    get: (namespace, key) =>
      unavailableOnFailure(async () => {
        const { rows } = await pool.query<{ value: string }>({ ...getQuery, values: [namespace, key] });
        return rows[0]?.value;
      }),
    put: (namespace, key, value, ttlMs) =>
      unavailableOnFailure(async () => {
        await pool.query({ ...putQuery, values: [namespace, key, value, ttlMs] });
      }),
    cleanup: () => unavailableOnFailure(runCleanup),
    check: () =>
      unavailableOnFailure(async () => {
        await pool.query(
          `INSERT INTO ${table}_health (id, checked_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`,
        );
      }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await cleaning?.catch(() => {});
      await pool.end();
    },
  };
}
