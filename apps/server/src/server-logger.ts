import { redact, redactHeaders, REDACTED } from '@kakehashi/sse-core';
import { pino, type DestinationStream, type Logger } from 'pino';

/** Options of the server's own logger. */
export interface ServerLoggerOptions {
  /** `fatal`, `error`, `warn`, `info` (default), `debug`, `trace` or `silent` (`KAKEHASHI_LOG_LEVEL`). */
  level?: string;
  /** Where the JSON lines go. Default: stderr (stdout carries only the `listening on` line). */
  destination?: DestinationStream;
}

/** Field paths pino blanks out wherever they appear in a log object. */
export const LOG_REDACT_PATHS = [
  'authorization',
  'api_key',
  'apiKey',
  'x-api-key',
  '*.authorization',
  '*.api_key',
  '*.apiKey',
  '*["x-api-key"]',
  '*["x-kakehashi-webhook-secret"]',
  '*["x-hmac"]',
  '*.cookie',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
];

/** Serialises an error for a log line, every string passed through sse-core's `redact`. */
function errorSerializer(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: redact(String(error)) };
  const out: Record<string, unknown> = { type: error.name, message: redact(error.message) };
  if (error.stack) out.stack = redact(error.stack);
  const extra = error as unknown as Record<string, unknown>;
  for (const key of ['kind', 'status', 'code', 'provider', 'requestId', 'argument', 'setting', 'envVar']) {
    const value = extra[key];
    if (value !== undefined) out[key] = typeof value === 'string' ? redact(value) : value;
  }
  return out;
}

/**
 * Creates the server's structured logger: JSON lines (pino), ISO times, secret fields redacted by path
 * (`authorization`, `x-api-key`, `api_key`, …), errors and headers passed through sse-core's
 * `redact` / `redactHeaders` (which also catch every registered secret value).
 */
export function createServerLogger(options: ServerLoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ dest: 2, sync: true });
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'kakehashi-server' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: LOG_REDACT_PATHS, censor: REDACTED },
      serializers: {
        err: errorSerializer,
        error: errorSerializer,
        headers: (h: Record<string, string>) => redactHeaders(h),
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
