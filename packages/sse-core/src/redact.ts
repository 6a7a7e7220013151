/**
 * Secret redaction. Every error message, body excerpt and log line that kakehashi produces passes
 * through {@link redact}. Two mechanisms work together:
 *
 * 1. Registered values: credentials layers call {@link registerSecret} with every secret they handle
 *    (client secrets, access tokens, API keys, AccessKey secrets, app keys). Any later occurrence of
 *    such a value is replaced, wherever it appears.
 * 2. Patterns: values of well-known secret fields (`"access_token": "…"`, `client_secret=…`,
 *    `Authorization: Bearer …`) are replaced even if they were never registered.
 *
 * The registry lives on `globalThis` under a `Symbol.for` key, so duplicate installs of this package
 * share it.
 */

const REGISTRY_KEY = Symbol.for('kakehashi.secret-registry');
const MIN_SECRET_LENGTH = 6;
const MAX_SECRETS = 1024;

/** The text that replaces a secret. */
export const REDACTED = '[REDACTED]';

interface SecretRegistry {
  values: Set<string>;
}

function registry(): SecretRegistry {
  const g = globalThis as { [REGISTRY_KEY]?: SecretRegistry };
  g[REGISTRY_KEY] ??= { values: new Set() };
  return g[REGISTRY_KEY];
}

/**
 * Remembers a secret so that {@link redact} replaces it everywhere. Values shorter than 6 characters
 * are ignored (they would redact ordinary words). The registry keeps the most recent 1,024 values.
 */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  const { values } = registry();
  values.delete(value);
  values.add(value);
  if (values.size > MAX_SECRETS) {
    const oldest = values.values().next().value;
    if (oldest !== undefined) values.delete(oldest);
  }
}

/** Forgets a secret registered with {@link registerSecret} (for example a token that was replaced). */
export function forgetSecret(value: string | undefined | null): void {
  if (value) registry().values.delete(value);
}

/** Names of fields whose values are always secret, in JSON, form bodies, query strings and headers. */
export const SECRET_FIELD_NAMES = [
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'id_token',
  'client_secret',
  'clientSecret',
  'api_key',
  'apiKey',
  'x-api-key',
  'app_key',
  'appKey',
  'AccessKeySecret',
  'accessKeySecret',
  'access_key_secret',
  'SecurityToken',
  'securityToken',
  'password',
  'secret',
  'token',
] as const;

const fieldAlternation = SECRET_FIELD_NAMES.map((n) => n.replace(/[-]/g, '\\-')).join('|');
// "name": "value"   (JSON)
const JSON_FIELD = new RegExp(`("(?:${fieldAlternation})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi');
// name=value        (form bodies and query strings)
const FORM_FIELD = new RegExp(`((?:^|[?&\\s])(?:${fieldAlternation})=)[^&\\s"']*`, 'gi');
// Authorization: Bearer xxx / Basic xxx / ACS3-HMAC-SHA256 Credential=…,Signature=…
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/g;
const ACS_SIGNATURE = /(Signature=)[0-9a-fA-F]{16,}/g;

/**
 * Returns `text` with every registered secret and every value of a well-known secret field replaced
 * by `[REDACTED]`. Safe to call on any string; cheap when there is nothing to replace.
 */
export function redact(text: string): string {
  if (!text) return text;
  let out = text;
  for (const secret of registry().values) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  out = out.replace(JSON_FIELD, `$1"${REDACTED}"`);
  out = out.replace(FORM_FIELD, `$1${REDACTED}`);
  out = out.replace(AUTH_SCHEME, `$1 ${REDACTED}`);
  out = out.replace(ACS_SIGNATURE, `$1${REDACTED}`);
  return out;
}

const SECRET_HEADER_NAMES = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'cookie',
  'set-cookie',
  'x-acs-security-token',
]);

/** Returns a copy of `headers` safe to log: secret header values replaced, others passed through {@link redact}. */
export function redactHeaders(headers: Record<string, string | undefined> | Headers): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADER_NAMES.has(name.toLowerCase()) ? REDACTED : redact(value);
  }
  return out;
}

/** Redacts `text` and cuts it to at most `maxLength` characters (an ellipsis marks the cut). */
export function redactedExcerpt(text: string, maxLength = 500): string {
  const clean = redact(text);
  return clean.length <= maxLength ? clean : `${clean.slice(0, maxLength)}…`;
}
