import type { ConversationStore } from '@kakehashi/openai-compat';
import type { Logger } from 'pino';
import { openPostgresConversationStore } from './conversation-store-postgres';
import { openSqliteConversationStore } from './conversation-store-sqlite';

/**
 * The server's durable {@link ConversationStore} (conversation digests → platform sessions, stored
 * Responses API responses): SQLite in the agent group file by default, PostgreSQL shared by every
 * instance when `DATABASE_URL` is set.
 */
export interface ServerConversationStore extends ConversationStore {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** Deletes the expired rows now (it also runs periodically); resolves with how many went. */
  cleanup(): Promise<number>;
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
 * A {@link ConversationStore} usable at once over one that is still opening: each call waits for it
 * (a store that failed to open fails each call, which the doors log and go on without).
 */
export function deferredConversationStore(opening: Promise<ConversationStore>): ConversationStore {
  let ready: ConversationStore | undefined;
  opening.then(
    (store) => {
      ready = store;
    },
    () => {},
  );
  return {
    get: (namespace, key) => (ready ? ready.get(namespace, key) : opening.then((s) => s.get(namespace, key))),
    put: (namespace, key, value, ttlMs) =>
      ready ? ready.put(namespace, key, value, ttlMs) : opening.then((s) => s.put(namespace, key, value, ttlMs)),
  };
}
