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
  /** The whole final webhook body, as delivered. */
  payload?: unknown;
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
  result?: unknown;
  error?: string;
  /** The whole webhook body. */
  payload: unknown;
}

/** Options of {@link AgentGroupStore.waitForFinal}. */
export interface AgentGroupWaitOptions {
  /** Give up (answering the current record) after this many ms. */
  timeoutMs: number;
  /** Stop waiting early (the caller left, the server is shutting down). */
  signal?: AbortSignal;
}

/**
 * Durable storage of agent group runs, shared by the routes and the webhook. Implementations must make
 * {@link recordOutcome} idempotent (the first final delivery wins; repeats are counted, not stored) and
 * wake {@link waitForFinal} callers in every process that shares the storage.
 */
export interface AgentGroupStore {
  /** `sqlite` or `postgres` (or your own). */
  readonly kind: string;
  /** Records a started run; does nothing when the run is already known (its webhook may have come first). */
  recordStart(groupId: string): Promise<void>;
  /** Stores a final delivery. `stored` is false for a repeat: the first final delivery is kept. */
  recordOutcome(outcome: AgentGroupOutcome): Promise<{ stored: boolean; record: AgentGroupRecord }>;
  /** The run, or undefined when unknown. */
  get(groupId: string): Promise<AgentGroupRecord | undefined>;
  /** Resolves with the run once it is final, or with its current state after `timeoutMs` / on abort; undefined when unknown. */
  waitForFinal(groupId: string, options: AgentGroupWaitOptions): Promise<AgentGroupRecord | undefined>;
  /** Releases connections and files. */
  close(): Promise<void>;
}

/** Whether a status is final. */
export const isFinalStatus = (status: AgentGroupStatus): boolean => status === 'completed' || status === 'error';
