// The server.
export { createKakehashiServer, type KakehashiServer, type ListeningAddress } from './kakehashi-server';
export {
  serverConfigFromEnv,
  parseApiKeys,
  parseByteSize,
  isLoopbackHost,
  ServerConfigError,
  SERVER_ENV,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_SQLITE_PATH,
  defaultDataDir,
  defaultSqlitePath,
  type StoreLocationOptions,
  DEFAULT_AGENT_GROUP_MAX_WAIT_SECONDS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  DEFAULT_CONVERSATION_TTL_SECONDS,
  WEBHOOK_SECRET_HEADER,
  type KakehashiServerConfig,
  type AgentGroupStoreConfig,
  type ServerAppServerOptions,
  type ServerChatOptions,
} from './server-config';

// Operations.
export { createServerMetrics, type ServerMetrics, type ServerMetricsOptions } from './server-metrics';
export { createServerLogger, LOG_REDACT_PATHS, type ServerLoggerOptions } from './server-logger';
export { buildOpenApiDocument, type OpenApiDocumentOptions } from './server-openapi';
export { bearerToken } from './server-auth';
export { chatMetricsHooks } from './chat-completions-mount';

// Agent group storage.
export {
  isFinalStatus,
  AGENT_GROUP_EXPIRED_ERROR,
  DEFAULT_AGENT_GROUP_EXPIRY_MS,
  type AgentGroupOutcomeResult,
  type AgentGroupStore,
  type AgentGroupRecord,
  type AgentGroupOutcome,
  type AgentGroupStatus,
  type AgentGroupWaitOptions,
} from './agent-group-store';
export { openAgentGroupStore } from './agent-group-store-open';
export { openSqliteAgentGroupStore, type SqliteAgentGroupStoreOptions } from './agent-group-store-sqlite';
export {
  openPostgresAgentGroupStore,
  AGENT_GROUP_NOTIFY_CHANNEL,
  type PostgresAgentGroupStoreOptions,
} from './agent-group-store-postgres';
export { AGENT_GROUP_PATHS, STORE_RETRY_AFTER_SECONDS } from './agent-group-routes';
export { StoreUnavailableError } from './store-errors';

// Conversation storage (digests → platform sessions, stored responses), beside the agent groups.
export {
  openConversationStore,
  type ServerConversationStore,
  type ConversationStoreLocation,
  type OpenConversationStoreOptions,
} from './conversation-store-open';
export { openSqliteConversationStore, type SqliteConversationStoreOptions } from './conversation-store-sqlite';
export { openPostgresConversationStore, type PostgresConversationStoreOptions } from './conversation-store-postgres';

// The playground page (the chat protocol itself is @kakehashi/openai-compat's).
export { playgroundResponse } from './playground-page';
