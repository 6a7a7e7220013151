import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidArgumentError, validateArgument } from '@kakehashi/sse-core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { z } from 'zod';
import { log } from './mcp-logger';
import { type KakehashiMcpOptions, MCP_OPTION_KEYS, resolveMcpOptions } from './mcp-options';
import { serverFactory } from './mcp-server';

/** Options of {@link createMcpHttpHandler}: the server's, plus how HTTP sessions are kept. */
export interface McpHttpOptions extends KakehashiMcpOptions {
  /**
   * Serve without MCP sessions: every POST gets a server of its own and no `Mcp-Session-Id`. Suits
   * several instances behind a load balancer without sticky sessions, but a client's
   * `notifications/cancelled` then reaches another server and cannot stop a running call (closing the
   * HTTP connection still does). Default false: sessions, kept in memory.
   */
  stateless?: boolean;
  /** A session unused this long is closed (its next request gets 404, and the client starts a new one). Default 30 minutes. */
  sessionIdleMs?: number;
  /** Most sessions kept at once; beyond it the least recently used is closed. Default 1,000. */
  maxSessions?: number;
  /** Largest accepted request body (413 above). Default 1 MiB. */
  maxBodyBytes?: number;
  /** The clock session idleness is measured with, in milliseconds (default `Date.now`; tests pass their own). */
  now?: () => number;
}

/** The streamable HTTP endpoint, for any server that speaks web-standard `Request`/`Response`, or for `node:http`. */
export interface McpHttpHandler {
  /**
   * Answers one request to the MCP endpoint: `POST` (JSON-RPC messages; a tool call answers as an SSE
   * stream carrying its progress notifications, then its result), `DELETE` (ends a session), and
   * `GET`, which answers 405 (this server sends nothing unprompted, so it offers no standalone stream).
   * Authenticate callers before calling it.
   */
  handle(request: Request): Promise<Response>;
  /** The same for `node:http` (`http.createServer(handler.node)`). */
  node(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Sessions open now (0 when stateless). */
  readonly sessionCount: number;
  /** Closes every session (running calls are cancelled). The handler still serves new ones afterwards. */
  close(): Promise<void>;
}

interface SessionEntry {
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  lastSeen: number;
}

const HTTP_KEYS = new Set([...MCP_OPTION_KEYS, 'stateless', 'sessionIdleMs', 'maxSessions', 'maxBodyBytes', 'now']);
const httpSchema = z.object({
  stateless: z.boolean().optional(),
  sessionIdleMs: z.number().finite().positive().optional(),
  maxSessions: z.number().int().positive().optional(),
  maxBodyBytes: z.number().int().positive().optional(),
  now: z.custom<() => number>((v) => typeof v === 'function', 'must be a function returning milliseconds').optional(),
});

function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** Runs `cleanup` once when the response body has been read to its end or cancelled (the client went away). */
function onBodyDone(response: Response, cleanup: () => void): Response {
  if (response.body === null) {
    cleanup();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          cleanup();
        } else controller.enqueue(value);
      } catch (error) {
        cleanup();
        controller.error(error);
      }
    },
    cancel(reason) {
      cleanup();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * The kakehashi MCP server on streamable HTTP, for the gateway's `POST /mcp` (mount `DELETE` and
 * `GET` on the same path too) or any `node:http` server. Built on the SDK's web-standard transport.
 *
 * By default each client gets an MCP session (an `Mcp-Session-Id`, kept in this process's memory, one
 * MCP server per session sharing one agent directory), so that progress notifications and
 * `notifications/cancelled` reach the right call. `stateless: true` serves every POST on its own.
 * Either way a tool call's answer streams as SSE on its POST, and a client that closes that
 * connection in stateless mode cancels its call.
 *
 * @throws InvalidArgumentError naming a bad option (`options.<key>`).
 */
export function createMcpHttpHandler(options: McpHttpOptions = {}): McpHttpHandler {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  const unknown = Object.keys(options).find((k) => !HTTP_KEYS.has(k));
  if (unknown !== undefined)
    throw new InvalidArgumentError(`options.${unknown}`, 'is not an option of createMcpHttpHandler');
  const { stateless, sessionIdleMs, maxSessions, maxBodyBytes, now: clock, ...rest } = options;
  const http = validateArgument(
    httpSchema,
    { stateless, sessionIdleMs, maxSessions, maxBodyBytes, now: clock },
    'options',
  );
  const now = http.now ?? Date.now;
  const resolved = resolveMcpOptions(rest);
  const newServer = serverFactory(resolved);
  const idleMs = http.sessionIdleMs ?? 30 * 60_000;
  const limit = http.maxSessions ?? 1000;
  const maxRequestBodySize = http.maxBodyBytes ?? 1024 * 1024;
  const sessions = new Map<string, SessionEntry>();
  let transportClass: typeof WebStandardStreamableHTTPServerTransport | undefined;
  const loadTransport = async () => {
    transportClass ??= (await import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'))
      .WebStandardStreamableHTTPServerTransport;
    return transportClass;
  };

  const closeEntry = (id: string, entry: SessionEntry, why: string) => {
    if (sessions.get(id) === entry) sessions.delete(id);
    log(resolved.logger, 'debug', { reason: why }, 'mcp session closed');
    entry.server.close().catch(() => {});
  };
  const sweep = (now: number) => {
    for (const [id, entry] of sessions) {
      if (now - entry.lastSeen > idleMs) closeEntry(id, entry, 'idle');
    }
  };

  const handleStateless = async (request: Request): Promise<Response> => {
    if (request.method !== 'POST')
      return jsonRpcError(405, -32000, 'Method not allowed: this endpoint is stateless (POST only)', { allow: 'POST' });
    const Transport = await loadTransport();
    const server = await newServer();
    const transport = new Transport({ sessionIdGenerator: undefined, maxRequestBodySize });
    await server.connect(transport);
    let done = false;
    const cleanup = () => {
      if (done) return;
      done = true;
      request.signal?.removeEventListener('abort', cleanup);
      server.close().catch(() => {});
    };
    request.signal?.addEventListener('abort', cleanup, { once: true });
    try {
      return onBodyDone(await transport.handleRequest(request), cleanup);
    } catch (error) {
      cleanup();
      throw error;
    }
  };

  const handleStateful = async (request: Request): Promise<Response> => {
    const at = now();
    const id = request.headers.get('mcp-session-id');
    const entry = id === null ? undefined : sessions.get(id);
    if (entry !== undefined) entry.lastSeen = at; // this request keeps its own session alive
    sweep(at);
    if (request.method === 'GET')
      return jsonRpcError(405, -32000, 'Method not allowed: this server sends no unprompted messages', {
        allow: 'POST, DELETE',
      });
    if (id !== null) {
      if (entry === undefined) return jsonRpcError(404, -32001, 'Session not found');
      return entry.transport.handleRequest(request);
    }
    if (request.method !== 'POST') return jsonRpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    const Transport = await loadTransport();
    const server = await newServer();
    const created: SessionEntry = { server, transport: undefined as never, lastSeen: at };
    created.transport = new Transport({
      sessionIdGenerator: () => globalThis.crypto.randomUUID(),
      maxRequestBodySize,
      onsessioninitialized: (sessionId) => {
        sessions.set(sessionId, created);
        while (sessions.size > limit) {
          const [oldestId, oldest] = [...sessions].reduce((a, b) => (b[1].lastSeen < a[1].lastSeen ? b : a));
          closeEntry(oldestId, oldest, 'limit');
        }
      },
      onsessionclosed: (sessionId) => {
        sessions.delete(sessionId);
      },
    });
    server.server.onclose = () => {
      const sessionId = created.transport.sessionId;
      if (sessionId !== undefined && sessions.get(sessionId) === created) sessions.delete(sessionId);
    };
    await server.connect(created.transport);
    const response = await created.transport.handleRequest(request);
    if (created.transport.sessionId === undefined) await server.close(); // not an initialize request: nothing to keep
    return response;
  };

  const handle = (request: Request): Promise<Response> =>
    http.stateless ? handleStateless(request) : handleStateful(request);

  let listener: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  return {
    handle,
    async node(req, res) {
      if (listener === undefined) {
        const { getRequestListener } = await import('@hono/node-server');
        listener = getRequestListener(handle, { overrideGlobalObjects: false });
      }
      await listener(req, res);
    },
    get sessionCount() {
      return sessions.size;
    },
    async close() {
      const entries = [...sessions];
      sessions.clear();
      await Promise.all(entries.map(([, entry]) => entry.server.close().catch(() => {})));
    },
  };
}
