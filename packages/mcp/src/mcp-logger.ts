import { redact } from '@kakehashi/sse-core';

/**
 * Logger hook of the MCP server, pino-compatible (`logger.warn({ fields }, 'message')`). Every member
 * is optional; a hook that throws is ignored. Messages and fields never carry a secret (errors from
 * the kakehashi SDKs are redacted, and the server redacts again before logging); answer text and
 * user messages are never logged.
 *
 * On stdio, stdout is the protocol channel: a logger must write somewhere else (stderr, a file).
 */
export interface McpLogger {
  debug?(fields: Record<string, unknown>, message: string): void;
  info?(fields: Record<string, unknown>, message: string): void;
  warn?(fields: Record<string, unknown>, message: string): void;
  error?(fields: Record<string, unknown>, message: string): void;
}

/** Severity of a log line, lowest first. */
export type McpLogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: readonly McpLogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Options of {@link createStderrLogger}. */
export interface StderrLoggerOptions {
  /** The lowest level written (default `info`). */
  level?: McpLogLevel;
  /** Where lines go instead of `process.stderr` (anything with `write(string)`). Never stdout on stdio. */
  stream?: { write(chunk: string): unknown };
}

function formatValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[\s"=]/.test(text ?? '') ? JSON.stringify(text) : String(text);
}

/**
 * A logger that writes one line per entry to stderr: `kakehashi-mcp warn: codeer_chat failed: …
 * tool=codeer_chat kind=upstream_auth`. Lines are redacted once more before they are written.
 */
export function createStderrLogger(options: StderrLoggerOptions = {}): McpLogger {
  const min = LEVELS.indexOf(options.level ?? 'info');
  const stream = options.stream ?? globalThis.process?.stderr;
  const at =
    (level: McpLogLevel) =>
    (fields: Record<string, unknown>, message: string): void => {
      if (LEVELS.indexOf(level) < min || stream === undefined) return;
      const pairs = Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${formatValue(v)}`);
      stream.write(`${redact(`kakehashi-mcp ${level}: ${message}${pairs.length ? ` ${pairs.join(' ')}` : ''}`)}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Calls a logger method, ignoring a logger that throws; message and string fields redacted. */
export function log(
  logger: McpLogger | undefined,
  level: McpLogLevel,
  fields: Record<string, unknown>,
  message: string,
): void {
  const method = logger?.[level];
  if (method === undefined) return;
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) clean[k] = typeof v === 'string' ? redact(v) : v;
  try {
    method.call(logger, clean, redact(message));
  } catch {
    // A broken logger must not break a tool call.
  }
}
