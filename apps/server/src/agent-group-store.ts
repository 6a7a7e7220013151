/** Where a miibo agent group run stands. `completed` and `error` are final. */
export type AgentGroupStatus = 'started' | 'completed' | 'error';

/** One agent group run as stored. */
export interface AgentGroupRecord {
  /** miibo's id of the run. */
  groupId: string;
  status: AgentGroupStatus;
  /** The webhook's `result`, exactly as delivered (completed runs). */
  result?: unknown;
  /** The webhook's `error` text (failed runs). */
  error?: string;
  /** The whole final webhook body, parsed from {@link payloadText}. */
  payload?: unknown;
  /** The whole final webhook body, exactly as received (text). */
  payloadText?: string;
  /** Webhook deliveries received for this run, repeats included. */
  deliveries: number;
  /** When the run was recorded (ISO 8601). */
  createdAt: string;
  /** When a final status was stored (ISO 8601). */
  finishedAt?: string;
}

/** A final webhook delivery to store. */
export interface AgentGroupOutcome {
  groupId: string;
  status: 'completed' | 'error';
  /** The webhook's `result` (stored as its `JSON.stringify` text). */
  result?: unknown;
  error?: string;
  /** The whole webhook body exactly as received (stored as text, so any valid JSON is accepted). */
  payloadText: string;
}

/** What {@link AgentGroupStore.recordOutcome} did. */
export type AgentGroupOutcomeResult =
  /** The run is known: `stored` is false for a repeat (the first final delivery is kept). */
  | { known: true; stored: boolean; record: AgentGroupRecord }
  /** No run with this id was started through this store: nothing was stored. */
  | { known: false; stored: false };

/** The error text of a run whose result never arrived. */
export const AGENT_GROUP_EXPIRED_ERROR = 'timed out: no result arrived from miibo';

/** Default time after its start a run without a result ends as `error`: miibo's 30-minute limit plus a margin. */
export const DEFAULT_AGENT_GROUP_EXPIRY_MS = 35 * 60_000;

/** Options of {@link AgentGroupStore.waitForFinal}. */
export interface AgentGroupWaitOptions {
  /** Give up (answering the current record) after this many ms. */
  timeoutMs: number;
  /** Stop waiting early (the caller left, the server is shutting down). */
  signal?: AbortSignal;
}

/**
 * Durable storage of agent group runs, shared by the routes and the webhook. Implementations must make
 * {@link recordOutcome} idempotent (the first final delivery wins; repeats are counted, not stored),
 * store outcomes only for runs recorded with {@link recordStart}, end a run still `started` past its
 * expiry as `error` ({@link AGENT_GROUP_EXPIRED_ERROR}, persisted when first seen expired), and wake
 * {@link waitForFinal} callers in every process that shares the storage (and at the expiry).
 *
 * Every method rejects with `StoreUnavailableError` when the storage cannot be read or written, and
 * within a bounded time (lock waits, connect and statement timeouts): never hangs.
 */
export interface AgentGroupStore {
  /** `sqlite` or `postgres` (or your own). */
  readonly kind: string;
  /** Records a started run (committed when it resolves); does nothing when the run is already known. */
  recordStart(groupId: string): Promise<void>;
  /**
   * Stores a final delivery of a known run, committed when it resolves. `stored` is false for a
   * repeat: the first final delivery is kept. An unknown run is not stored: `{ known: false }`.
   */
  recordOutcome(outcome: AgentGroupOutcome): Promise<AgentGroupOutcomeResult>;
  /** The run, or undefined when unknown. */
  get(groupId: string): Promise<AgentGroupRecord | undefined>;
  /** Resolves with the run once it is final, or with its current state after `timeoutMs` / on abort; undefined when unknown. */
  waitForFinal(groupId: string, options: AgentGroupWaitOptions): Promise<AgentGroupRecord | undefined>;
  /** Resolves once the store has proven it can write now; rejects with `StoreUnavailableError` otherwise. */
  check(): Promise<void>;
  /** Releases connections and files. */
  close(): Promise<void>;
}

/** Whether a status is final. */
export const isFinalStatus = (status: AgentGroupStatus): boolean => status === 'completed' || status === 'error';
