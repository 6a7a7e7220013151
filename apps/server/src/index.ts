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
  DEFAULT_AGENT_GROUP_MAX_WAIT_SECONDS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  WEBHOOK_SECRET_HEADER,
  type KakehashiServerConfig,
  type AgentGroupStoreConfig,
  type ServerAppServerOptions,
} from './server-config';

// Operations.
export { createServerMetrics, type ServerMetrics, type ServerMetricsOptions } from './server-metrics';
export { createServerLogger, LOG_REDACT_PATHS, type ServerLoggerOptions } from './server-logger';
export { buildOpenApiDocument, type OpenApiDocumentOptions } from './server-openapi';
export { apiKeyCheck, bearerToken, type ApiKeyCheck } from './server-auth';
export { chatMetricsHooks } from './chat-completions-mount';

// Agent group storage.
export {
  isFinalStatus,
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
export { AGENT_GROUP_PATHS } from './agent-group-routes';

// The OpenAI-compatible chat handler, framework-agnostic (Request → Response), for embedding elsewhere.
export {
  createChatCompletionsHandler,
  type ChatCompletionsHandler,
  type ChatCompletionsHandlerOptions,
  type ChatCompletionsTarget,
} from './chat-completions-handler';
export type { ChatCompletionsMetrics, ChatCompletionsLogger } from './chat-completions-hooks';
export { playgroundResponse } from './playground-page';
export type { ChatCompletionsPlatformOptions } from './chat-completions-platforms';
