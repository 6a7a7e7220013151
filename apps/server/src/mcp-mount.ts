import type { McpHttpHandler } from '@kakehashi/mcp';
import type { AgentDirectory } from '@kakehashi/platforms';
import type { Hono } from 'hono';
import type { Logger } from 'pino';

/** Internal: what the MCP mount needs from the server. */
export interface McpMountContext {
  /** The chat handler's directory: the MCP tools use the same agents as `/v1`. */
  directory: AgentDirectory;
  bodyLimitBytes: number;
  logger: Logger;
}

/** The mounted MCP endpoint; `close()` ends its sessions (their running calls are cancelled). */
export interface McpMount {
  close(): Promise<void>;
}

/**
 * `POST /mcp` (and `DELETE` to end a session, `GET` answered 405): `@kakehashi/mcp`'s streamable HTTP
 * endpoint, one `<platform>_chat` tool per configured platform, behind the same API keys as `/v1`
 * (the caller mounts the key check on `/mcp` first). The MCP SDK loads on the first request.
 */
export function mountMcpRoutes(app: Hono, ctx: McpMountContext): McpMount {
  let handler: Promise<McpHttpHandler> | undefined;
  const load = () => {
    handler ??= import('@kakehashi/mcp').then((m) =>
      m.createMcpHttpHandler({
        directory: ctx.directory,
        logger: ctx.logger.child({ component: 'mcp' }),
        maxBodyBytes: ctx.bodyLimitBytes,
      }),
    );
    return handler;
  };
  app.on(['POST', 'GET', 'DELETE'], '/mcp', async (c) => (await load()).handle(c.req.raw));
  return {
    async close() {
      if (handler) await (await handler).close();
    },
  };
}
