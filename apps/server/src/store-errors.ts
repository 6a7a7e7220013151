const MARKER = Symbol.for('kakehashi.server.store-unavailable');

/**
 * The server's store cannot read or write right now: the disk is full, the file is gone or locked past
 * its timeout, the database is unreachable, stopped or too slow. Every store (agent groups,
 * conversations; SQLite, PostgreSQL or your own) rejects with this, and the routes answer
 * `503` with `Retry-After` (a retrying sender such as miibo's webhook then retries). The message names
 * the store and the reason, never a connection string or a password.
 */
export class StoreUnavailableError extends Error {
  readonly [MARKER] = true;
  override readonly name = 'StoreUnavailableError';
  /** `sqlite`, `postgres`, or your own store's kind. */
  readonly store: string;

  constructor(store: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.store = store;
  }

  /** Whether `value` is a {@link StoreUnavailableError}, also across duplicate installs. */
  static isInstance(value: unknown): value is StoreUnavailableError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}
