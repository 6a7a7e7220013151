import type { Logger } from 'pino';
import type { AgentGroupStore } from './agent-group-store';
import { openPostgresAgentGroupStore } from './agent-group-store-postgres';
import { openSqliteAgentGroupStore } from './agent-group-store-sqlite';
import type { AgentGroupStoreConfig } from './server-config';

/** Whether a store config is an already opened store. */
export function isAgentGroupStore(value: AgentGroupStoreConfig): value is AgentGroupStore {
  return typeof (value as AgentGroupStore).recordOutcome === 'function';
}

/** Opens the store a config names: PostgreSQL for `{ databaseUrl }`, SQLite for `{ sqlitePath }`, or the store given. */
export async function openAgentGroupStore(config: AgentGroupStoreConfig, logger?: Logger): Promise<AgentGroupStore> {
  if (isAgentGroupStore(config)) return config;
  if ('databaseUrl' in config)
    return openPostgresAgentGroupStore({ connectionString: config.databaseUrl, ...(logger ? { logger } : {}) });
  return openSqliteAgentGroupStore({ path: config.sqlitePath });
}
