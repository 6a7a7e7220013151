import pg from 'pg';
import type { Logger } from 'pino';
import {
  AGENT_GROUP_EXPIRED_ERROR,
  type AgentGroupOutcome,
  type AgentGroupRecord,
  type AgentGroupStatus,
  type AgentGroupStore,
  DEFAULT_AGENT_GROUP_EXPIRY_MS,
} from './agent-group-store';
import { isExpired, jsonText, parseStored, waitEmitter, waitForFinalRecord } from './agent-group-store-wait';
import { StoreUnavailableError } from './store-errors';

/** Options of {@link openPostgresAgentGroupStore}. */
export interface PostgresAgentGroupStoreOptions {
  /** `postgres://user:password@host:port/database` (`DATABASE_URL`). */
  connectionString: string;
  /** Table name. Default `kakehashi_agent_groups`. */
  table?: string;
  /** Most pooled connections (besides the one that LISTENs). Default 10. */
  maxConnections?: number;
  /** Safety-net poll of waiters, should a notification be lost (reconnects), in ms. Default 5,000. */
  pollIntervalMs?: number;
  /** Where connection problems are reported. */
  logger?: Logger;
  /** Longest wait for a connection (opening one, or a free one from the pool), in ms. Default 5,000. */
  connectTimeoutMs?: number;
  /**
   * Longest time one statement may take, in ms: the server's `statement_timeout`, and the client
   * gives up 1 s later (a frozen or unreachable server). Default 5,000.
   */
  statementTimeoutMs?: number;
  /** A run without a result ends as `error` this long after its start, in ms. Default 2,100,000 (35 minutes). */
  expiryMs?: number;
}

/** The pool settings every kakehashi PostgreSQL store uses: bounded connect, acquire and statement times. */
export function boundedPoolConfig(options: {
  connectionString: string;
  maxConnections?: number;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}): pg.PoolConfig {
  const statementMs = Math.max(1, Math.trunc(options.statementTimeoutMs ?? 5000));
  return {
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: Math.max(1, Math.trunc(options.connectTimeoutMs ?? 5000)),
    statement_timeout: statementMs,
    query_timeout: statementMs + 1000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  };
}

/** A PostgreSQL failure as the one error stores reject with (the message never holds the connection string). */
export function postgresUnavailable(error: unknown): StoreUnavailableError {
  if (StoreUnavailableError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError('postgres', `PostgreSQL: ${message || 'the connection failed'}`, { cause: error });
}

/** Runs `work`, turning any failure into {@link StoreUnavailableError}. */
export async function unavailableOnFailure<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw postgresUnavailable(error);
  }
}

/** PostgreSQL `text` holds no NUL character: it is kept as U+FFFD (only in the `error` column; payloads are JSON text, where it is escaped). */
const withoutNul = (text: string | undefined): string | null =>
  text === undefined ? null : text.replace(/\0/g, '\uFFFD');

/** The NOTIFY channel: the payload is the group id that reached a final status. */
export const AGENT_GROUP_NOTIFY_CHANNEL = 'kakehashi_agent_groups';

interface Row {
  group_id: string;
  status: string;
  result: string | null;
  error: string | null;
  payload: string | null;
  deliveries: number;
  final_delivery: number | null;
  created_at: Date;
  finished_at: Date | null;
}

function toRecord(row: Row): AgentGroupRecord {
  const record: AgentGroupRecord = {
    groupId: row.group_id,
    status: row.status as AgentGroupStatus,
    deliveries: row.deliveries,
    createdAt: row.created_at.toISOString(),
  };
  if (row.result !== null) record.result = parseStored(row.result);
  if (row.error !== null) record.error = row.error;
  if (row.payload !== null) {
    record.payload = parseStored(row.payload);
    record.payloadText = row.payload;
  }
  if (row.finished_at !== null) record.finishedAt = row.finished_at.toISOString();
  return record;
}

/**
 * Opens the PostgreSQL agent group store (creating its table when missing, under an advisory lock so
 * instances starting together do not race). A final result is announced with `NOTIFY`; every instance
 * `LISTEN`s, so a caller waiting on instance A is answered when the webhook lands on instance B.
 */
export async function openPostgresAgentGroupStore(options: PostgresAgentGroupStoreOptions): Promise<AgentGroupStore> {
  const table = options.table ?? 'kakehashi_agent_groups';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table))
    throw new Error(`table must be a plain lower-case SQL identifier (got "${table}")`);
  const log = options.logger;
  const poolConfig = boundedPoolConfig(options);
  const pool = new pg.Pool(poolConfig);
  const expiryMs = options.expiryMs ?? DEFAULT_AGENT_GROUP_EXPIRY_MS;
  pool.on('error', (error) => log?.warn({ err: error }, 'postgres pool connection error'));
  const events = waitEmitter();
  let closed = false;

  try {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [table]);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${table} (
          group_id text PRIMARY KEY,
          status text NOT NULL CHECK (status IN ('started', 'completed', 'error')),
          result text,
          error text,
          payload text,
          deliveries integer NOT NULL DEFAULT 0,
          final_delivery integer,
          created_at timestamptz NOT NULL DEFAULT now(),
          finished_at timestamptz
        )`);
      // Tables made by earlier versions held jsonb, which refuses "\u0000" and lone surrogates: text
      // takes any JSON as received.
      const { rows: jsonbColumns } = await client.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = $1 AND column_name IN ('result', 'payload') AND data_type = 'jsonb'`,
        [table],
      );
      for (const { column_name: column } of jsonbColumns)
        await client.query(`ALTER TABLE ${table} ALTER COLUMN ${column} TYPE text USING ${column}::text`);
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

  // One dedicated connection LISTENs; it reconnects (with back-off) when it drops.
  let started = false;
  let listener: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  async function listen(attempt = 0): Promise<void> {
    if (closed) return;
    const client = new pg.Client({
      connectionString: options.connectionString,
      connectionTimeoutMillis: poolConfig.connectionTimeoutMillis!,
      keepAlive: true,
    });
    client.on('notification', (message) => {
      if (message.channel === AGENT_GROUP_NOTIFY_CHANNEL && message.payload) events.emit(message.payload);
    });
    client.on('error', (error) => {
      log?.warn({ err: error }, 'postgres LISTEN connection lost; reconnecting');
      client.end().catch(() => {});
      if (listener === client) listener = undefined;
      scheduleListen(0);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${AGENT_GROUP_NOTIFY_CHANNEL}`);
      if (closed) {
        await client.end().catch(() => {});
        return;
      }
      listener = client;
    } catch (error) {
      await client.end().catch(() => {});
      if (attempt === 0 && listener === undefined && !started) throw error;
      log?.warn({ err: error }, 'postgres LISTEN connection failed; retrying');
      scheduleListen(attempt + 1);
    }
  }
  function scheduleListen(attempt: number): void {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(
      () => {
        retryTimer = undefined;
        void listen(attempt);
      },
      Math.min(30_000, 500 * 2 ** attempt),
    );
    retryTimer.unref();
  }
  try {
    await listen();
  } catch (error) {
    await pool.end().catch(() => {});
    throw postgresUnavailable(error);
  }
  started = true;

  const read = (groupId: string): Promise<AgentGroupRecord | undefined> =>
    unavailableOnFailure(async () => {
      const { rows } = await pool.query<Row>(`SELECT * FROM ${table} WHERE group_id = $1`, [groupId]);
      if (rows[0] === undefined) return undefined;
      const record = toRecord(rows[0]);
      if (!isExpired(record, expiryMs)) return record;
      // Seen expired first here: persist it (and tell every instance), so all readers agree.
      const { rows: expired } = await pool.query<Row>(
        `WITH up AS (
           UPDATE ${table} SET status = 'error', error = $2, finished_at = now()
            WHERE group_id = $1 AND status = 'started' RETURNING *
         )
         SELECT up.*, pg_notify($3, up.group_id) AS notified FROM up`,
        [groupId, AGENT_GROUP_EXPIRED_ERROR, AGENT_GROUP_NOTIFY_CHANNEL],
      );
      if (expired[0] === undefined) return read(groupId);
      events.emit(groupId);
      return toRecord(expired[0]);
    });

  return {
    kind: 'postgres',
    recordStart: (groupId) =>
      unavailableOnFailure(async () => {
        await pool.query(
          `INSERT INTO ${table} (group_id, status) VALUES ($1, 'started') ON CONFLICT (group_id) DO NOTHING`,
          [groupId],
        );
        events.emit(groupId);
      }),
    recordOutcome: (outcome: AgentGroupOutcome) =>
      unavailableOnFailure(async () => {
        // Only a started run takes an outcome; the first final delivery wins; `final_delivery` tells
        // whether this one was it. The NOTIFY is sent in the same statement's transaction, so
        // listeners hear it only once the row is committed.
        const { rows } = await pool.query<Row>(
          `WITH up AS (
             UPDATE ${table} AS g SET
               status = CASE WHEN g.status = 'started' THEN $2 ELSE g.status END,
               result = CASE WHEN g.status = 'started' THEN $3 ELSE g.result END,
               error = CASE WHEN g.status = 'started' THEN $4 ELSE g.error END,
               payload = CASE WHEN g.status = 'started' THEN $5 ELSE g.payload END,
               finished_at = CASE WHEN g.status = 'started' THEN now() ELSE g.finished_at END,
               final_delivery = CASE WHEN g.status = 'started' THEN g.deliveries + 1 ELSE g.final_delivery END,
               deliveries = g.deliveries + 1
             WHERE g.group_id = $1
             RETURNING *
           )
           SELECT up.*, CASE WHEN up.final_delivery = up.deliveries THEN pg_notify($6, up.group_id) END AS notified FROM up`,
          [
            outcome.groupId,
            outcome.status,
            jsonText(outcome.result),
            withoutNul(outcome.error),
            outcome.payloadText,
            AGENT_GROUP_NOTIFY_CHANNEL,
          ],
        );
        const row = rows[0];
        if (row === undefined) return { known: false as const, stored: false as const };
        const stored = row.final_delivery === row.deliveries;
        if (stored) events.emit(outcome.groupId);
        return { known: true as const, stored, record: toRecord(row) };
      }),
    get: read,
    waitForFinal(groupId, waitOptions) {
      return waitForFinalRecord(
        {
          read,
          events,
          pollMs: options.pollIntervalMs ?? 5000,
          expiresAt: (record) => Date.parse(record.createdAt) + expiryMs,
        },
        groupId,
        waitOptions,
      );
    },
    check: () =>
      unavailableOnFailure(async () => {
        await pool.query(
          `INSERT INTO ${table}_health (id, checked_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`,
        );
      }),
    async close() {
      if (closed) return;
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      await listener?.end().catch(() => {});
      await pool.end();
    },
  };
}
