import pg from 'pg';
import type { Logger } from 'pino';
import type { AgentGroupOutcome, AgentGroupRecord, AgentGroupStatus, AgentGroupStore } from './agent-group-store';
import { waitEmitter, waitForFinalRecord } from './agent-group-store-wait';

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
}

/** The NOTIFY channel: the payload is the group id that reached a final status. */
export const AGENT_GROUP_NOTIFY_CHANNEL = 'kakehashi_agent_groups';

interface Row {
  group_id: string;
  status: string;
  result: unknown;
  error: string | null;
  payload: unknown;
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
  // jsonb NULL comes back as null; a stored JSON null is the string 'null' cast back, also null: keep it.
  if (row.result !== null && row.result !== undefined) record.result = row.result;
  if (row.error !== null) record.error = row.error;
  if (row.payload !== null && row.payload !== undefined) record.payload = row.payload;
  if (row.finished_at !== null) record.finishedAt = row.finished_at.toISOString();
  return record;
}

const jsonParam = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

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
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
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
          result jsonb,
          error text,
          payload jsonb,
          deliveries integer NOT NULL DEFAULT 0,
          final_delivery integer,
          created_at timestamptz NOT NULL DEFAULT now(),
          finished_at timestamptz
        )`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }

  // One dedicated connection LISTENs; it reconnects (with back-off) when it drops.
  let started = false;
  let listener: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  async function listen(attempt = 0): Promise<void> {
    if (closed) return;
    const client = new pg.Client({ connectionString: options.connectionString });
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
    throw error;
  }
  started = true;

  const read = async (groupId: string) => {
    const { rows } = await pool.query<Row>(`SELECT * FROM ${table} WHERE group_id = $1`, [groupId]);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  };

  return {
    kind: 'postgres',
    async recordStart(groupId) {
      await pool.query(
        `INSERT INTO ${table} (group_id, status) VALUES ($1, 'started') ON CONFLICT (group_id) DO NOTHING`,
        [groupId],
      );
    },
    async recordOutcome(outcome: AgentGroupOutcome) {
      // The first final delivery wins; `final_delivery` tells whether this one was it. The NOTIFY is
      // sent in the same statement's transaction, so listeners hear it only once the row is committed.
      const { rows } = await pool.query<Row>(
        `WITH up AS (
           INSERT INTO ${table} AS g (group_id, status, result, error, payload, deliveries, final_delivery, finished_at)
           VALUES ($1, $2, $3::jsonb, $4, $5::jsonb, 1, 1, now())
           ON CONFLICT (group_id) DO UPDATE SET
             status = CASE WHEN g.status = 'started' THEN excluded.status ELSE g.status END,
             result = CASE WHEN g.status = 'started' THEN excluded.result ELSE g.result END,
             error = CASE WHEN g.status = 'started' THEN excluded.error ELSE g.error END,
             payload = CASE WHEN g.status = 'started' THEN excluded.payload ELSE g.payload END,
             finished_at = CASE WHEN g.status = 'started' THEN excluded.finished_at ELSE g.finished_at END,
             final_delivery = CASE WHEN g.status = 'started' THEN g.deliveries + 1 ELSE g.final_delivery END,
             deliveries = g.deliveries + 1
           RETURNING *
         )
         SELECT up.*, CASE WHEN up.final_delivery = up.deliveries THEN pg_notify($6, up.group_id) END AS notified FROM up`,
        [
          outcome.groupId,
          outcome.status,
          jsonParam(outcome.result),
          outcome.error ?? null,
          jsonParam(outcome.payload),
          AGENT_GROUP_NOTIFY_CHANNEL,
        ],
      );
      const row = rows[0]!;
      const stored = row.final_delivery === row.deliveries;
      if (stored) events.emit(outcome.groupId);
      return { stored, record: toRecord(row) };
    },
    get: read,
    waitForFinal(groupId, waitOptions) {
      return waitForFinalRecord({ read, events, pollMs: options.pollIntervalMs ?? 5000 }, groupId, waitOptions);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      await listener?.end().catch(() => {});
      await pool.end();
    },
  };
}
