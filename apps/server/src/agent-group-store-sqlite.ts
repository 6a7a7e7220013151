import type { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import {
  AGENT_GROUP_EXPIRED_ERROR,
  type AgentGroupOutcome,
  type AgentGroupRecord,
  type AgentGroupStatus,
  type AgentGroupStore,
  DEFAULT_AGENT_GROUP_EXPIRY_MS,
} from './agent-group-store';
import { isExpired, parseStored, jsonText, waitEmitter, waitForFinalRecord } from './agent-group-store-wait';
import { defaultSqlitePath } from './server-config';
import { acquireSqlite } from './sqlite-connection';

/** Options of {@link openSqliteAgentGroupStore}. */
export interface SqliteAgentGroupStoreOptions {
  /**
   * The database file (created with its directory when missing), or `:memory:`. Default
   * {@link defaultSqlitePath} (`kakehashi.sqlite` in the data directory).
   */
  path?: string;
  /** How often waiters re-read the file, for changes made by another process, in ms. Default 1,000. */
  pollIntervalMs?: number;
  /**
   * How long a write waits for another process's lock, in ms (in the SQLite worker thread: the event
   * loop never waits). Past it the call rejects with `StoreUnavailableError`. Default 5,000.
   */
  busyTimeoutMs?: number;
  /** How long a check (`/healthz`) waits for another process's lock, in ms. Default 1,000. */
  checkBusyTimeoutMs?: number;
  /** A run without a result ends as `error` this long after its start, in ms. Default 2,100,000 (35 minutes). */
  expiryMs?: number;
}

// Stores on the same file in one process wake each other's waiters at once.
const emitters = new Map<string, { emitter: EventEmitter; users: number }>();

interface Row {
  group_id: string;
  status: string;
  result: string | null;
  error: string | null;
  payload: string | null;
  deliveries: number;
  final_delivery: number | null;
  created_at: string;
  finished_at: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS agent_groups (
  group_id TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('started', 'completed', 'error')),
  result TEXT,
  error TEXT,
  payload TEXT,
  deliveries INTEGER NOT NULL DEFAULT 0,
  final_delivery INTEGER,
  created_at TEXT NOT NULL,
  finished_at TEXT
)`;

const INSERT_START = `INSERT INTO agent_groups (group_id, status, deliveries, created_at) VALUES (?, 'started', 0, ?) ON CONFLICT (group_id) DO NOTHING`;

// Only a started run takes an outcome (an unknown id changes no row); the first final delivery wins,
// later ones only bump `deliveries`. `final_delivery` remembers which delivery was stored, so the caller
// learns whether this one was (SET expressions see the old row).
const UPDATE_OUTCOME = `
UPDATE agent_groups SET
  status = CASE WHEN status = 'started' THEN ? ELSE status END,
  result = CASE WHEN status = 'started' THEN ? ELSE result END,
  error = CASE WHEN status = 'started' THEN ? ELSE error END,
  payload = CASE WHEN status = 'started' THEN ? ELSE payload END,
  finished_at = CASE WHEN status = 'started' THEN ? ELSE finished_at END,
  final_delivery = CASE WHEN status = 'started' THEN deliveries + 1 ELSE final_delivery END,
  deliveries = deliveries + 1
WHERE group_id = ?
RETURNING *`;

const EXPIRE = `UPDATE agent_groups SET status = 'error', error = ?, finished_at = ? WHERE group_id = ? AND status = 'started' RETURNING *`;

const SELECT = 'SELECT * FROM agent_groups WHERE group_id = ?';

function toRecord(row: Row): AgentGroupRecord {
  const record: AgentGroupRecord = {
    groupId: row.group_id,
    status: row.status as AgentGroupStatus,
    deliveries: row.deliveries,
    createdAt: row.created_at,
  };
  if (row.result !== null) record.result = parseStored(row.result);
  if (row.error !== null) record.error = row.error;
  if (row.payload !== null) {
    record.payload = parseStored(row.payload);
    record.payloadText = row.payload;
  }
  if (row.finished_at !== null) record.finishedAt = row.finished_at;
  return record;
}

/**
 * Opens (creating when missing) the SQLite agent group store with Node's built-in `node:sqlite`, in WAL
 * mode with `synchronous = FULL`, in a worker thread shared with the conversation store on the same
 * file: statements and lock waits never block the event loop. Waiters in this process are woken at
 * once by an in-process emitter; a slow poll picks up results written by another process on the file.
 * Reads (`get`, and the re-reads of `waitForFinal`) run on the file's reader worker, so they answer
 * while a write waits for another process's lock (except on `:memory:`, where the writer reads too).
 * When the file is deleted or replaced, the next call notices (its inode changed) and recreates it.
 *
 * @throws ServerConfigError when the path cannot hold a database (a directory, `/proc`, unwritable).
 */
export async function openSqliteAgentGroupStore(options: SqliteAgentGroupStoreOptions = {}): Promise<AgentGroupStore> {
  const path = options.path ?? defaultSqlitePath();
  const busyMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000));
  const checkBusyMs = Math.max(0, Math.trunc(options.checkBusyTimeoutMs ?? Math.min(1000, busyMs)));
  const expiryMs = options.expiryMs ?? DEFAULT_AGENT_GROUP_EXPIRY_MS;
  const db = await acquireSqlite(path, SCHEMA, busyMs);

  const key = path === ':memory:' ? `memory:${Math.random()}` : resolve(path);
  const shared = emitters.get(key) ?? { emitter: waitEmitter(), users: 0 };
  shared.users++;
  emitters.set(key, shared);
  const events = shared.emitter;
  let closed = false;

  const read = async (groupId: string): Promise<AgentGroupRecord | undefined> => {
    // On the file's reader: a read never waits behind a write waiting for another process's lock.
    const [row] = await db.read<Row>(SELECT, [groupId], busyMs);
    if (row === undefined) return undefined;
    const record = toRecord(row);
    if (!isExpired(record, expiryMs)) return record;
    // Seen expired first here: persist it, so every reader (and instance) agrees.
    const [expired] = await db.all<Row>(EXPIRE, [AGENT_GROUP_EXPIRED_ERROR, new Date().toISOString(), groupId], busyMs);
    if (expired === undefined) return read(groupId);
    events.emit(groupId);
    return toRecord(expired);
  };

  return {
    kind: 'sqlite',
    async recordStart(groupId) {
      await db.run(INSERT_START, [groupId, new Date().toISOString()], busyMs);
      events.emit(groupId);
    },
    async recordOutcome(outcome: AgentGroupOutcome) {
      const now = new Date().toISOString();
      const [row] = await db.all<Row>(
        UPDATE_OUTCOME,
        [outcome.status, jsonText(outcome.result), outcome.error ?? null, outcome.payloadText, now, outcome.groupId],
        busyMs,
      );
      if (row === undefined) return { known: false, stored: false };
      const stored = row.final_delivery === row.deliveries;
      if (stored) events.emit(outcome.groupId);
      return { known: true, stored, record: toRecord(row) };
    },
    get: read,
    waitForFinal(groupId, waitOptions) {
      return waitForFinalRecord(
        {
          read,
          events,
          pollMs: options.pollIntervalMs ?? 1000,
          expiresAt: (record) => Date.parse(record.createdAt) + expiryMs,
        },
        groupId,
        waitOptions,
      );
    },
    check: () => db.check(checkBusyMs),
    async close() {
      if (closed) return;
      closed = true;
      if (--shared.users === 0) emitters.delete(key);
      await db.release();
    },
  };
}
