import type { Readable, Writable } from 'node:stream';
import { InvalidArgumentError } from '@kakehashi/sse-core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createStderrLogger } from './mcp-logger';
import { type KakehashiMcpOptions, MCP_OPTION_KEYS, resolveMcpOptions } from './mcp-options';
import { announceTools, buildMcpServer, listChatTools } from './mcp-server';

/** Options of {@link serveMcpStdio}: the server's, plus where the protocol runs. */
export interface McpStdioOptions extends KakehashiMcpOptions {
  /** Where requests are read (default `process.stdin`). The server stops when it ends. */
  stdin?: Readable;
  /** Where responses are written (default `process.stdout`). Nothing else is ever written to it. */
  stdout?: Writable;
  /** Stops the server when aborted (like the client closing stdin): running calls are cancelled. */
  signal?: AbortSignal;
  /**
   * While serving on `process.stdout`, send `console.log`, `console.info` and `console.debug` of the
   * whole process to stderr, so that no library can corrupt the protocol. Default true.
   */
  guardConsole?: boolean;
}

/** A running stdio server. */
export interface McpStdioServer {
  /** The MCP server, connected. */
  readonly server: McpServer;
  /** Resolves when the server has stopped: stdin ended, `close()`, or the signal. */
  readonly closed: Promise<void>;
  /** Stops the server: running calls are cancelled (their upstream requests closed). Idempotent. */
  close(): Promise<void>;
}

const STDIO_KEYS = new Set([...MCP_OPTION_KEYS, 'stdin', 'stdout', 'signal', 'guardConsole']);

function redirectConsole(): () => void {
  const saved = { log: console.log, info: console.info, debug: console.debug };
  console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);
  return () => Object.assign(console, saved);
}

/**
 * Serves the kakehashi MCP server on stdio: JSON-RPC messages on stdin and stdout, everything else
 * (the tools offered, failures; `logger`, default a stderr logger at `info`, `false` for none) on
 * stderr. Resolves once it is listening; `closed` resolves when the client goes away (stdin ends).
 *
 * @throws InvalidArgumentError naming a bad option (`options.<key>`).
 */
export async function serveMcpStdio(options: McpStdioOptions = {}): Promise<McpStdioServer> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  const unknown = Object.keys(options).find((k) => !STDIO_KEYS.has(k));
  if (unknown !== undefined) throw new InvalidArgumentError(`options.${unknown}`, 'is not an option of serveMcpStdio');
  const { stdin, stdout, signal, guardConsole, ...rest } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new InvalidArgumentError('options.signal', 'must be an AbortSignal');
  if (guardConsole !== undefined && typeof guardConsole !== 'boolean')
    throw new InvalidArgumentError('options.guardConsole', 'must be a boolean');
  const resolved = resolveMcpOptions({ ...rest, logger: rest.logger ?? createStderrLogger() });
  const input = stdin ?? process.stdin;
  const output = stdout ?? process.stdout;
  if (typeof input?.on !== 'function') throw new InvalidArgumentError('options.stdin', 'must be a readable stream');
  if (typeof output?.write !== 'function')
    throw new InvalidArgumentError('options.stdout', 'must be a writable stream');

  const listed = await listChatTools(resolved);
  announceTools(resolved, listed);
  const server = await buildMcpServer(resolved, listed);
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  const transport = new StdioServerTransport(input, output);

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const restoreConsole = guardConsole !== false && output === process.stdout ? redirectConsole() : undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      input.off('end', onEnd);
      input.off('close', onEnd);
      signal?.removeEventListener('abort', onEnd);
      try {
        await server.close();
      } finally {
        restoreConsole?.();
        resolveClosed();
      }
    })();
    return closing;
  };
  const onEnd = () => {
    void close();
  };
  server.server.onclose = () => {
    void close();
  };
  await server.connect(transport);
  input.on('end', onEnd);
  input.on('close', onEnd);
  if (signal?.aborted) await close();
  else signal?.addEventListener('abort', onEnd, { once: true });
  return { server, closed, close };
}

/**
 * What `kakehashi mcp` runs: {@link serveMcpStdio} on the process's stdin and stdout until the client
 * goes away (stdin ends) or `options.signal` aborts. Configuration comes from `process.env`
 * (or `options.env`); the tools offered and failures are logged on stderr.
 */
export async function runMcpStdio(options: McpStdioOptions = {}): Promise<void> {
  const running = await serveMcpStdio(options);
  await running.closed;
}
