import type { McpHttpHandler } from '@kakehashi/mcp';
import { parseJsonRequestBody } from '@kakehashi/sse-core';
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

/** The JSON-RPC 2.0 field at fault in a message or batch, named; undefined when the shape is right (the SDK checks the rest). */
function jsonRpcProblem(value: unknown): string | undefined {
  const messages = Array.isArray(value) ? value : [value];
  if (messages.length === 0) return 'the body must be a JSON-RPC message or a non-empty batch of them';
  for (const message of messages) {
    if (typeof message !== 'object' || message === null || Array.isArray(message))
      return 'each JSON-RPC message must be an object';
    const m = message as Record<string, unknown>;
    if (m.jsonrpc !== '2.0') return 'field "jsonrpc" must be "2.0"';
    if ('method' in m && typeof m.method !== 'string') return 'field "method" must be a string';
    if (!('method' in m) && !('result' in m) && !('error' in m))
      return 'field "method" is missing (or "result" / "error" for a response)';
    if ('params' in m && (typeof m.params !== 'object' || m.params === null || Array.isArray(m.params)))
      return 'field "params" must be an object';
    if ('id' in m && m.id !== null && typeof m.id !== 'string' && typeof m.id !== 'number')
      return 'field "id" must be a string, a number or null';
  }
  return undefined;
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
  app.on(['POST', 'GET', 'DELETE'], '/mcp', async (c) => {
    const request = c.req.raw;
    if (request.method !== 'POST' || request.body === null) return (await load()).handle(request);
    // The one JSON body reader (depth limit included) before the MCP SDK, and JSON-RPC problems named.
    const text = await request.text();
    const parsed = parseJsonRequestBody(text);
    const problem = parsed.ok ? jsonRpcProblem(parsed.value) : undefined;
    if (!parsed.ok || problem) {
      const error = parsed.ok
        ? { code: -32600, message: `Invalid Request: ${problem}` }
        : { code: -32700, message: `Parse error: ${parsed.message}` };
      return new Response(JSON.stringify({ jsonrpc: '2.0', error, id: null }), {
        status: 400,
        headers: { 'content-type': 'application/json' },
      });
    }
    const headers = new Headers(request.headers);
    headers.delete('content-length');
    return (await load()).handle(
      new Request(request.url, { method: 'POST', headers, body: text, signal: request.signal }),
    );
  });
  return {
    async close() {
      if (handler) await (await handler).close();
    },
  };
}
