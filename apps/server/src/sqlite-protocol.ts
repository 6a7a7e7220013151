// The messages between a SQLite connection (sqlite-connection.ts) and its worker (sqlite-worker.ts):
// requests travel as an array (those of one turn of the event loop), each reply on its own.

/**
 * A request to a SQLite worker (the writer, or the file's reader: see `reader` in sqlite-worker.ts). `busyMs` is the longest this statement waits for another process's
 * lock; `deadline` (ms since the epoch) the time after which the worker no longer starts it (it waited
 * too long in the queue) and never waits for a lock past.
 */
export type SqliteRequest =
  | { id: number; op: 'schema'; sql: string; busyMs: number; deadline: number }
  | {
      id: number;
      op: 'run' | 'all';
      sql: string;
      params: unknown[];
      busyMs: number;
      deadline: number;
      /** Commit with `synchronous = FULL` (true) or `NORMAL`. */
      durable: boolean;
    }
  | {
      id: number;
      /** A read-only query: the only statement the reader runs (the writer runs it too, for `:memory:`). */
      op: 'read';
      sql: string;
      params: unknown[];
      busyMs: number;
      deadline: number;
    }
  | { id: number; op: 'close' };

/** The worker's answer to one request. */
export type SqliteReply =
  | { id: number; ok: true; value: unknown }
  | {
      id: number;
      ok: false;
      message: string;
      code?: string;
      errcode?: number;
      /**
       * The reader cannot answer it, but the writer can: the file is missing or lacks its tables (it
       * was deleted, and the writer recreates it with its schema on its next statement).
       */
      askWriter?: true;
    };

/** A request without its id (distributes over the request kinds). */
export type SqliteRequestBody = SqliteRequest extends infer R
  ? R extends SqliteRequest
    ? Omit<R, 'id' | 'deadline'>
    : never
  : never;
