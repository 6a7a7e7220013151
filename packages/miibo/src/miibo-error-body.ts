import { redact, type ErrorBodyDetails } from '@kakehashi/sse-core';

const MAX_CODE_LENGTH = 64;

/**
 * Reads miibo's error bodies, whose shape is not documented: `{ "error": "…" }`, `{ "message": "…" }`
 * or `{ "error": { "message", "code" } }`. The text becomes the message; only a short code-like value
 * becomes `code`. Both are redacted, as a server may echo what it was sent (the API key travels in the body).
 */
export function parseMiiboErrorBody(body: string): ErrorBodyDetails | undefined {
  const trimmed = body.trimStart();
  if (!trimmed.startsWith('{')) return trimmed ? { message: redact(trimmed.slice(0, 200)) } : undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const b = value as Record<string, unknown>;
  const nested = typeof b.error === 'object' && b.error !== null ? (b.error as Record<string, unknown>) : undefined;
  const text = (v: unknown) => (typeof v === 'string' && v ? redact(v) : undefined);
  const code = (v: unknown) =>
    typeof v === 'number' || (typeof v === 'string' && v.length > 0 && v.length <= MAX_CODE_LENGTH && !/\s/.test(v))
      ? typeof v === 'string'
        ? redact(v)
        : v
      : undefined;
  const details: ErrorBodyDetails = {};
  const message = text(nested?.message) ?? text(b.message) ?? text(b.error) ?? text(b.detail);
  if (message !== undefined) details.message = message.slice(0, 300);
  const c = code(nested?.code) ?? code(b.code) ?? code(b.error_code);
  if (c !== undefined) details.code = c;
  return details;
}
