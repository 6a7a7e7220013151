import type { ConversationStore } from '@kakehashi/openai-compat';
import type { Logger } from 'pino';
import { openPostgresConversationStore } from './conversation-store-postgres';
import { openSqliteConversationStore } from './conversation-store-sqlite';
import { StoreUnavailableError } from './store-errors';

/**
 * The server's durable {@link ConversationStore} (every call rejects with `StoreUnavailableError`
 * when the storage fails, within a bounded time) (conversation digests → platform sessions, stored
 * Responses API responses): SQLite in the agent group file by default, PostgreSQL shared by every
 * instance when `DATABASE_URL` is set.
 */
export interface ServerConversationStore extends ConversationStore {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** Deletes the expired rows now (it also runs periodically); resolves with how many went. */
  cleanup(): Promise<number>;
  /** Resolves once the store has proven it can write now; rejects with `StoreUnavailableError` otherwise. */
  check(): Promise<void>;
  /** Stops the cleanup and releases connections and files. */
  close(): Promise<void>;
}

/** Where the conversation store lives: the agent group store's location. */
export type ConversationStoreLocation = { sqlitePath: string } | { databaseUrl: string };

/** Options of {@link openConversationStore}. */
export interface OpenConversationStoreOptions {
  /** Where pool and cleanup problems are reported. */
  logger?: Logger;
  /** How often expired rows are deleted, in ms. Default 600,000 (10 minutes). */
  cleanupIntervalMs?: number;
}

/**
 * Opens the server's conversation store: PostgreSQL for `{ databaseUrl }` (table
 * `kakehashi_conversations`), SQLite for `{ sqlitePath }` (table `conversations` in the same file as
 * the agent group results). The one place both doors (Chat Completions and Responses) get it from.
 */
export async function openConversationStore(
  location: ConversationStoreLocation,
  options: OpenConversationStoreOptions = {},
): Promise<ServerConversationStore> {
  const cleanup = options.cleanupIntervalMs === undefined ? {} : { cleanupIntervalMs: options.cleanupIntervalMs };
  if ('databaseUrl' in location)
    return openPostgresConversationStore({
      connectionString: location.databaseUrl,
      ...cleanup,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  return openSqliteConversationStore({ path: location.sqlitePath, ...cleanup });
}

/**
 * Internal: a store opened on first use (and opened again on the next use when opening failed, so a
 * path or database that comes back is picked up without a restart). After `close()` it opens no more.
 */
export interface LazyStore<T extends { close(): Promise<void> }> {
  /** The store, opening it now when needed. */
  get(): Promise<T>;
  /** The store when it was opened (or is opening), else undefined. */
  current(): Promise<T> | undefined;
  /** Closes the store if it was opened; later `get()` calls reject. */
  close(): Promise<void>;
}

/** Creates a {@link LazyStore}. `kind` names the store in the error after `close()`. */
export function lazyStore<T extends { close(): Promise<void> }>(kind: string, open: () => Promise<T>): LazyStore<T> {
  let opening: Promise<T> | undefined;
  let closed = false;
  return {
    get() {
      if (closed) return Promise.reject(new StoreUnavailableError(kind, 'the server is shutting down'));
      if (!opening) {
        const attempt = open();
        opening = attempt;
        attempt.catch(() => {
          if (opening === attempt) opening = undefined;
        });
      }
      return opening;
    },
    current: () => opening,
    async close() {
      closed = true;
      const store = await opening?.catch(() => undefined);
      await store?.close();
    },
  };
}

/**
 * A {@link ConversationStore} over one opened on first use: each call waits for it (a store that
 * failed to open fails the call, which the doors log and go on without).
 */
export function deferredConversationStore(open: () => Promise<ConversationStore>): ConversationStore {
  return {
    get: async (namespace, key) => (await open()).get(namespace, key),
    put: async (namespace, key, value, ttlMs) => (await open()).put(namespace, key, value, ttlMs),
  };
}
