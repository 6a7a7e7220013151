import { parseJsonObject, type ErrorBodyDetails } from '@kakehashi/sse-core';

/** A token response read tolerantly: snake_case or camelCase, numbers or numeric strings, unknown fields kept. */
export interface ParsedTokenResponse {
  /** `access_token` / `accessToken`. */
  accessToken: string;
  /** Seconds, when the server sent a usable value. */
  expiresIn?: number;
  /** `token_type` / `tokenType`, as sent. */
  tokenType?: string;
  /** The granted `scope` (an array is joined with spaces). */
  scope?: string;
  /** The whole body, unknown fields included. */
  raw: Record<string, unknown>;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function seconds(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function pick(sources: Array<Record<string, unknown> | undefined>, names: readonly string[]): unknown {
  for (const source of sources) {
    if (!source) continue;
    for (const name of names) if (source[name] !== undefined && source[name] !== null) return source[name];
  }
  return undefined;
}

/**
 * Reads a token endpoint's JSON body: `access_token` / `accessToken`, `expires_in` / `expiresIn` (seconds,
 * number or numeric string), `token_type` / `tokenType`, `scope`. Fields nested one level under `data` are
 * accepted too. Returns undefined when there is no access token.
 */
export function parseTokenResponse(body: unknown): ParsedTokenResponse | undefined {
  const raw = asRecord(body);
  if (!raw) return undefined;
  const sources = [raw, asRecord(raw.data)];
  const accessToken = nonEmptyString(pick(sources, ['access_token', 'accessToken']));
  if (!accessToken) return undefined;
  const parsed: ParsedTokenResponse = { accessToken, raw };
  const expiresIn = seconds(pick(sources, ['expires_in', 'expiresIn']));
  if (expiresIn !== undefined) parsed.expiresIn = expiresIn;
  const tokenType = nonEmptyString(pick(sources, ['token_type', 'tokenType']));
  if (tokenType) parsed.tokenType = tokenType;
  const scope = pick(sources, ['scope']);
  if (typeof scope === 'string') parsed.scope = scope;
  else if (Array.isArray(scope)) parsed.scope = scope.filter((s) => typeof s === 'string').join(' ');
  return parsed;
}

/**
 * Extracts what a token endpoint's error body says, for sse-core's `parseErrorBody`: RFC 6749
 * `{error, error_description}`, `{success: false, message, code}` and `{error: {code, message}}`.
 * Returns undefined for bodies it does not recognise (sse-core then applies its own defaults).
 */
export function parseOAuthErrorBody(text: string): ErrorBodyDetails | undefined {
  const b = parseJsonObject(text);
  if (!b) return undefined;
  const nested = asRecord(b.error);
  const code =
    nonEmptyString(b.error) ??
    (typeof nested?.code === 'string' || typeof nested?.code === 'number' ? nested.code : undefined) ??
    (typeof b.code === 'string' || typeof b.code === 'number' ? b.code : undefined) ??
    nonEmptyString(b.error_code);
  const description =
    nonEmptyString(b.error_description) ??
    nonEmptyString(nested?.message) ??
    nonEmptyString(b.message) ??
    nonEmptyString(b.errorDescription);
  if (code === undefined && description === undefined) return undefined;
  const details: ErrorBodyDetails = {
    message: description === undefined ? 'token request failed' : `token request failed: ${description}`,
  };
  if (code !== undefined) details.code = code;
  const requestId = nonEmptyString(b.request_id) ?? nonEmptyString(b.requestId);
  if (requestId) details.requestId = requestId;
  return details;
}
