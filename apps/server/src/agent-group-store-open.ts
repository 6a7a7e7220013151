import type { Logger } from 'pino';
import type { AgentGroupStore } from './agent-group-store';
import { openPostgresAgentGroupStore } from './agent-group-store-postgres';
import { openSqliteAgentGroupStore } from './agent-group-store-sqlite';
import type { AgentGroupStoreConfig, StoreLocationOptions } from './server-config';

/** Whether a store config is an already opened store. */
export function isAgentGroupStore(value: AgentGroupStoreConfig): value is AgentGroupStore {
  return typeof (value as AgentGroupStore).recordOutcome === 'function';
}

const defined = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * Opens the store a config names: PostgreSQL for `{ databaseUrl }`, SQLite for `{ sqlitePath }` (or
 * the default file), or the store given.
 */
export async function openAgentGroupStore(config: AgentGroupStoreConfig, logger?: Logger): Promise<AgentGroupStore> {
  if (isAgentGroupStore(config)) return config;
  const location: StoreLocationOptions = config;
  if (location.databaseUrl)
    return openPostgresAgentGroupStore({
      connectionString: location.databaseUrl,
      ...defined({
        logger,
        connectTimeoutMs: location.connectTimeoutMs,
        statementTimeoutMs: location.statementTimeoutMs,
        expiryMs: location.expiryMs,
      }),
    });
  return openSqliteAgentGroupStore(
    defined({ path: location.sqlitePath, busyTimeoutMs: location.busyTimeoutMs, expiryMs: location.expiryMs }),
  );
}
