import type { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { AgentGroupOutcome, AgentGroupRecord, AgentGroupStatus, AgentGroupStore } from './agent-group-store';
import { waitEmitter, waitForFinalRecord } from './agent-group-store-wait';

/** Options of {@link openSqliteAgentGroupStore}. */
export interface SqliteAgentGroupStoreOptions {
  /** The database file (created with its directory when missing), or `:memory:`. Default `./kakehashi.sqlite`. */
  path?: string;
  /** How often waiters re-read the file, for changes made by another process, in ms. Default 1,000. */
  pollIntervalMs?: number;
  /** How long a write waits for another process's lock, in ms. Default 5,000. */
  busyTimeoutMs?: number;
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

// The first final delivery wins: later ones only bump `deliveries`. `final_delivery` remembers which
// delivery was stored, so the caller learns whether this one was (SET expressions see the old row).
const UPSERT_OUTCOME = `
INSERT INTO agent_groups (group_id, status, result, error, payload, deliveries, final_delivery, created_at, finished_at)
VALUES (?, ?, ?, ?, ?, 1, 1, ?, ?)
ON CONFLICT (group_id) DO UPDATE SET
  status = CASE WHEN agent_groups.status = 'started' THEN excluded.status ELSE agent_groups.status END,
  result = CASE WHEN agent_groups.status = 'started' THEN excluded.result ELSE agent_groups.result END,
  error = CASE WHEN agent_groups.status = 'started' THEN excluded.error ELSE agent_groups.error END,
  payload = CASE WHEN agent_groups.status = 'started' THEN excluded.payload ELSE agent_groups.payload END,
  finished_at = CASE WHEN agent_groups.status = 'started' THEN excluded.finished_at ELSE agent_groups.finished_at END,
  final_delivery = CASE WHEN agent_groups.status = 'started' THEN agent_groups.deliveries + 1 ELSE agent_groups.final_delivery END,
  deliveries = agent_groups.deliveries + 1
RETURNING *`;

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

function toRecord(row: Row): AgentGroupRecord {
  const record: AgentGroupRecord = {
    groupId: row.group_id,
    status: row.status as AgentGroupStatus,
    deliveries: row.deliveries,
    createdAt: row.created_at,
  };
  if (row.result !== null) record.result = JSON.parse(row.result);
  if (row.error !== null) record.error = row.error;
  if (row.payload !== null) record.payload = JSON.parse(row.payload);
  if (row.finished_at !== null) record.finishedAt = row.finished_at;
  return record;
}

/**
 * Opens (creating when missing) the SQLite agent group store with Node's built-in `node:sqlite`, in WAL
 * mode. Waiters in this process are woken at once by an in-process emitter; a slow poll picks up
 * results written by another process on the same file.
 */
export async function openSqliteAgentGroupStore(options: SqliteAgentGroupStoreOptions = {}): Promise<AgentGroupStore> {
  const { DatabaseSync } = await import('node:sqlite');
  const path = options.path ?? './kakehashi.sqlite';
  const memory = path === ':memory:';
  if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const db: DatabaseSync = new DatabaseSync(path);
  db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  if (!memory) db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec(SCHEMA);

  const insertStart = db.prepare(
    `INSERT INTO agent_groups (group_id, status, deliveries, created_at) VALUES (?, 'started', 0, ?) ON CONFLICT (group_id) DO NOTHING`,
  );
  const upsertOutcome = db.prepare(UPSERT_OUTCOME);
  const select = db.prepare('SELECT * FROM agent_groups WHERE group_id = ?');

  const key = memory ? Symbol('memory').toString() + Math.random() : resolve(path);
  const shared = emitters.get(key) ?? { emitter: waitEmitter(), users: 0 };
  shared.users++;
  emitters.set(key, shared);
  const events = shared.emitter;
  let closed = false;

  const read = async (groupId: string) => {
    const row = select.get(groupId) as Row | undefined;
    return row === undefined ? undefined : toRecord(row);
  };

  return {
    kind: 'sqlite',
    async recordStart(groupId) {
      insertStart.run(groupId, new Date().toISOString());
    },
    async recordOutcome(outcome: AgentGroupOutcome) {
      const now = new Date().toISOString();
      const params: SQLInputValue[] = [
        outcome.groupId,
        outcome.status,
        json(outcome.result),
        outcome.error ?? null,
        json(outcome.payload),
        now,
        now,
      ];
      const row = upsertOutcome.get(...params) as unknown as Row;
      const stored = row.final_delivery === row.deliveries;
      if (stored) events.emit(outcome.groupId);
      return { stored, record: toRecord(row) };
    },
    get: read,
    waitForFinal(groupId, waitOptions) {
      return waitForFinalRecord({ read, events, pollMs: options.pollIntervalMs ?? 1000 }, groupId, waitOptions);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (--shared.users === 0) emitters.delete(key);
      db.close();
    },
  };
}
