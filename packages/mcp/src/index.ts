// The server: one `<platform>_chat` tool per configured chat platform, over the agent contract.
export {
  createKakehashiMcpServer,
  createKakehashiMcpServerFactory,
  MCP_SERVER_VERSION,
  type KakehashiMcpServerFactory,
} from './mcp-server';
export type { KakehashiMcpOptions } from './mcp-options';
export {
  chatToolInputShape,
  chatToolOutputShape,
  type ChatToolArgs,
  type ChatToolStructuredResult,
} from './mcp-chat-tool';

// The transports: stdio (`kakehashi mcp`) and streamable HTTP (the gateway's `/mcp`).
export { serveMcpStdio, runMcpStdio, type McpStdioOptions, type McpStdioServer } from './mcp-stdio';
export { createMcpHttpHandler, type McpHttpHandler, type McpHttpOptions } from './mcp-http';

// Logging: never to stdout.
export {
  createStderrLogger,
  type McpLogger,
  type McpLogLevel,
  type StderrLoggerOptions,
} from './mcp-logger';
