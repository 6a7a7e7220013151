import { InvalidArgumentError, registerSecret, type HeaderRecord, type Resolvable } from '@kakehashi/sse-core';
import type { HttpAuth } from './http-auth';
import {
  assertHeaderName,
  assertHeaderSafe,
  assertNonEmptyString,
  assertOptionsObject,
  assertResolvableString,
  resolveSetting,
} from './options-validation';

/** Codeer sends its workspace API key in this header. */
export const CODEER_API_KEY_HEADER = 'x-api-key';
/** miibo's agent-group (admin) endpoints take the admin key in this header. */
export const MIIBO_ADMIN_API_KEY_HEADER = 'X-API-Key';
/** miibo's conversation endpoint takes the agent's key in this JSON body field. */
export const MIIBO_API_KEY_FIELD = 'api_key';

function checkKey(key: unknown, field: string): asserts key is string {
  assertNonEmptyString(key, field);
  registerSecret(key);
  assertHeaderSafe(key, field);
}

/**
 * `{ [header]: key }` for APIs that take the key in a header (default `x-api-key`, as Codeer; miibo
 * agent groups use `X-API-Key`). Registers the key for redaction.
 */
export function apiKeyHeader(key: string, header: string = CODEER_API_KEY_HEADER): Record<string, string> {
  checkKey(key, 'apiKey');
  assertHeaderName(header, 'header');
  return { [header]: key };
}

/** `{ authorization: 'Bearer <token>' }`. Registers the token for redaction. */
export function bearerHeader(token: string): { authorization: string } {
  checkKey(token, 'token');
  return { authorization: `Bearer ${token}` };
}

/**
 * A copy of a JSON body with the key added in `field` (default `api_key`, as miibo's conversation
 * API). Registers the key for redaction; a key already in the body is replaced.
 */
export function withBodyApiKey<T extends Record<string, unknown>, F extends string = 'api_key'>(
  body: T,
  key: string,
  field: F = MIIBO_API_KEY_FIELD as F,
): T & Record<F, string> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidArgumentError('body', 'must be an object');
  }
  assertNonEmptyString(key, 'apiKey');
  registerSecret(key);
  assertNonEmptyString(field, 'field');
  return { ...body, [field]: key } as T & Record<F, string>;
}

/** Options of {@link apiKeyAuth}. Unknown keys are rejected. */
export interface ApiKeyAuthOptions {
  /** The key: a value, or a lazy function such as {@link lazySecret}'s, resolved for every request. */
  key: Resolvable<string>;
  /** `header` (default): the key in {@link ApiKeyAuthOptions.header}. `bearer`: `Authorization: Bearer <key>`. */
  scheme?: 'header' | 'bearer';
  /** Header name for `scheme: 'header'`. Default `x-api-key`. */
  header?: string;
  /** The option's name in errors. Default `apiKey`. */
  setting?: string;
}

/**
 * Header-based API key auth for sse-core's `createHttpClient({ baseURL, ...apiKeyAuth({ key }) })`.
 * The key is resolved per request (so a lazy key is read on first use) and registered for
 * redaction. API keys cannot be refreshed, so there is no `onUnauthorized`: a 401 is an error.
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): HttpAuth {
  assertOptionsObject(options, 'apiKeyAuth', ['key', 'scheme', 'header', 'setting']);
  const setting = options.setting ?? 'apiKey';
  assertNonEmptyString(setting, 'setting');
  assertResolvableString(options.key, setting, true);
  if (typeof options.key === 'string') registerSecret(options.key);
  const scheme = options.scheme ?? 'header';
  if (scheme !== 'header' && scheme !== 'bearer') {
    throw new InvalidArgumentError('scheme', `must be "header" or "bearer", got ${JSON.stringify(scheme)}`);
  }
  if (scheme === 'bearer' && options.header !== undefined) {
    throw new InvalidArgumentError('header', 'is only used with scheme "header"');
  }
  const header = options.header ?? CODEER_API_KEY_HEADER;
  assertHeaderName(header, 'header');
  return {
    async headers(): Promise<HeaderRecord> {
      const key = await resolveSetting(options.key, setting, { secret: true });
      assertHeaderSafe(key, setting);
      return scheme === 'bearer' ? { authorization: `Bearer ${key}` } : { [header]: key };
    },
  };
}
