import { InvalidArgumentError } from '@kakehashi/sse-core';
import { checkAcsCredentials } from './acs-credentials';
import { acsPercentEncode, acsQueryString, type AcsQuery } from './acs-percent-encode';
import { nodeCrypto } from './node-crypto';
import {
  assertHeaderSafe,
  assertNonEmptyString,
  assertOptionalPlainObject,
  assertOptionalString,
  assertOptionsObject,
  describeType,
} from './options-validation';

/** The V3 signature algorithm name, first line of the string to sign and scheme of the `Authorization` header. */
export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

/** `hex(sha256(''))`: the `x-acs-content-sha256` of an empty body. */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Header values; `undefined` leaves a header out. */
export type AcsHeaders = Readonly<Record<string, string | undefined>>;

/** Lower-case hex SHA-256 of a string (UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return nodeCrypto().createHash('sha256').update(data).digest('hex');
}

/** `YYYY-MM-DDTHH:mm:ssZ` in UTC, the `x-acs-date` format (no milliseconds). */
export function acs3Date(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The canonical URI: each path segment percent-encoded (RFC 3986, as the query), `/` kept. Segments
 * already percent-encoded are decoded first, so encoding is idempotent. `''` stays `''`.
 */
export function acs3CanonicalUri(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => {
      let decoded = segment;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        // Not valid percent-encoding: encode it as it stands.
      }
      return acsPercentEncode(decoded);
    })
    .join('/');
}

/** The canonical query string: parameters sorted by key, keys and values RFC 3986-encoded. */
export function acs3CanonicalQueryString(query: AcsQuery | undefined): string {
  return acsQueryString(query);
}

/** Canonical headers (`name:value\n` each) and the signed-header list (`a;b;c`). */
export interface Acs3CanonicalHeaders {
  /** `name:value\n` for each signed header, sorted by name. */
  canonicalHeaders: string;
  /** The signed header names, sorted, joined with `;`. */
  signedHeaders: string;
}

/**
 * Signs `host`, `content-type` and every `x-acs-*` header: names lower-cased and sorted, values
 * trimmed; a name given several times (in different cases) has its values sorted and joined with `,`.
 */
export function acs3CanonicalHeaders(headers: AcsHeaders | undefined): Acs3CanonicalHeaders {
  const byName = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower !== 'host' && lower !== 'content-type' && !lower.startsWith('x-acs-')) continue;
    const list = byName.get(lower) ?? [];
    list.push(value.trim());
    byName.set(lower, list);
  }
  const names = [...byName.keys()].sort();
  const canonicalHeaders = names.map((name) => `${name}:${byName.get(name)!.sort().join(',')}\n`).join('');
  return { canonicalHeaders, signedHeaders: names.join(';') };
}

/** Input of {@link acs3CanonicalRequest}. */
export interface Acs3CanonicalRequestInput {
  /** HTTP method, used as given (upper-case it yourself). */
  method: string;
  /** The request path. Default `/` (RPC style). */
  pathname?: string;
  /** Query parameters (`undefined` and `null` left out). */
  query?: AcsQuery;
  /** All request headers; only `host`, `content-type` and `x-acs-*` are signed. */
  headers?: AcsHeaders;
  /** `hex(sha256(body))`, the same value as the `x-acs-content-sha256` header. */
  hashedPayload: string;
}

/** The canonical request and the signed-header list it signs. */
export interface Acs3CanonicalRequest {
  /** The canonical request text that is hashed into the string to sign. */
  canonicalRequest: string;
  /** The signed header names, `;`-joined, for the `Authorization` header. */
  signedHeaders: string;
}

/**
 * `METHOD \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedPayload`
 * (CanonicalHeaders ends in `\n`, so a blank line precedes SignedHeaders when there are headers).
 */
export function acs3CanonicalRequest(input: Acs3CanonicalRequestInput): Acs3CanonicalRequest {
  const { canonicalHeaders, signedHeaders } = acs3CanonicalHeaders(input.headers);
  const canonicalRequest = [
    input.method,
    acs3CanonicalUri(input.pathname ?? '/'),
    acs3CanonicalQueryString(input.query),
    canonicalHeaders,
    signedHeaders,
    input.hashedPayload,
  ].join('\n');
  return { canonicalRequest, signedHeaders };
}

/** `ACS3-HMAC-SHA256\n` + `hex(sha256(canonicalRequest))`. */
export function acs3StringToSign(canonicalRequest: string): string {
  return `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

/** `hex(HMAC-SHA256(key = accessKeySecret, stringToSign))`. */
export function acs3Signature(accessKeySecret: string, stringToSign: string): string {
  return nodeCrypto().createHmac('sha256', accessKeySecret).update(stringToSign).digest('hex');
}

/** `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<list>,Signature=<hex>`. */
export function acs3Authorization(accessKeyId: string, signedHeaders: string, signature: string): string {
  return `${ACS3_ALGORITHM} Credential=${accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
}

/** Options of {@link signAcs3Request}. Unknown keys are rejected. */
export interface SignAcs3RequestOptions {
  /** HTTP method. Default `POST` (the ICE SDK's). */
  method?: string;
  /** The endpoint host without scheme, for example `ice.cn-shanghai.aliyuncs.com`. Must match the URL's host. */
  host: string;
  /** The request path. Default `/` (RPC style). */
  pathname?: string;
  /**
   * Query parameters (`undefined` and `null` are left out). Send them with {@link acsQueryString} so
   * the URL carries exactly what was signed.
   */
  query?: AcsQuery;
  /** Further headers to send and (for `content-type` and `x-acs-*`) sign. */
  headers?: AcsHeaders;
  /** The exact body bytes (or UTF-8 string) that will be sent. Default: empty. */
  body?: string | Uint8Array;
  /** The AccessKey id (not secret; appears in the `Authorization` header). */
  accessKeyId: string;
  /** The AccessKey secret. Registered for redaction; never sent. */
  accessKeySecret: string;
  /** The STS security token, sent as `x-acs-security-token` (and registered for redaction). */
  securityToken?: string;
  /** The API action, for example `GenerateMessageChatToken`. */
  action: string;
  /** The API version, for example `2020-11-09`. */
  version: string;
  /** The request time: a `Date` (default now) or an `x-acs-date` string `YYYY-MM-DDTHH:mm:ssZ`. */
  date?: Date | string;
  /** The unique `x-acs-signature-nonce`. Default: 32 random hex characters. */
  nonce?: string;
}

const SIGN_KEYS = [
  'method',
  'host',
  'pathname',
  'query',
  'headers',
  'body',
  'accessKeyId',
  'accessKeySecret',
  'securityToken',
  'action',
  'version',
  'date',
  'nonce',
] as const;

const ACS_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function validateSignOptions(options: SignAcs3RequestOptions): void {
  assertOptionsObject(options, 'signAcs3Request', SIGN_KEYS);
  checkAcsCredentials(options);
  assertNonEmptyString(options.host, 'host');
  if (/[\s/:?#@]/.test(options.host.replace(/:\d+$/, ''))) {
    throw new InvalidArgumentError('host', `"${options.host}" must be a bare host name (no scheme or path)`);
  }
  assertNonEmptyString(options.action, 'action');
  assertNonEmptyString(options.version, 'version');
  assertOptionalString(options.method, 'method');
  if (options.method !== undefined && !/^[A-Za-z]+$/.test(options.method)) {
    throw new InvalidArgumentError('method', `"${options.method}" is not an HTTP method`);
  }
  assertOptionalString(options.pathname, 'pathname');
  if (options.pathname !== undefined && !options.pathname.startsWith('/')) {
    throw new InvalidArgumentError('pathname', 'must start with "/"');
  }
  assertOptionalPlainObject(options.query, 'query');
  assertOptionalPlainObject(options.headers, 'headers');
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value !== undefined && typeof value !== 'string') {
      throw new InvalidArgumentError(`headers.${name}`, `must be a string, got ${describeType(value)}`);
    }
    if (value !== undefined) assertHeaderSafe(value, `headers.${name}`);
  }
  if (options.body !== undefined && typeof options.body !== 'string' && !(options.body instanceof Uint8Array)) {
    throw new InvalidArgumentError('body', `must be a string or a Uint8Array, got ${describeType(options.body)}`);
  }
  if (options.date !== undefined) {
    if (options.date instanceof Date) {
      if (Number.isNaN(options.date.getTime())) throw new InvalidArgumentError('date', 'is an invalid Date');
    } else if (typeof options.date !== 'string' || !ACS_DATE.test(options.date)) {
      throw new InvalidArgumentError('date', 'must be a Date or a string like 2025-01-01T00:00:00Z');
    }
  }
  if (options.nonce !== undefined) {
    assertNonEmptyString(options.nonce, 'nonce');
    assertHeaderSafe(options.nonce, 'nonce');
  }
}

/**
 * Signs an Alibaba Cloud OpenAPI request with V3 `ACS3-HMAC-SHA256` and returns every header to send:
 * the given `headers`, then `host`, `x-acs-action`, `x-acs-version`, `x-acs-date`,
 * `x-acs-signature-nonce`, `x-acs-content-sha256`, `x-acs-security-token` (STS only) and `Authorization`.
 * Dependency-free (`node:crypto`); checked against the published test vectors.
 *
 * @throws InvalidArgumentError naming the field, before anything is signed.
 */
export function signAcs3Request(options: SignAcs3RequestOptions): Record<string, string> {
  validateSignOptions(options);
  const own: Record<string, string> = {
    host: options.host,
    'x-acs-action': options.action,
    'x-acs-version': options.version,
    'x-acs-date':
      options.date === undefined
        ? acs3Date(new Date())
        : typeof options.date === 'string'
          ? options.date
          : acs3Date(options.date),
    'x-acs-signature-nonce': options.nonce ?? nodeCrypto().randomBytes(16).toString('hex'),
    'x-acs-content-sha256': options.body === undefined ? EMPTY_BODY_SHA256 : sha256Hex(options.body),
  };
  if (options.securityToken) own['x-acs-security-token'] = options.securityToken;

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    const lower = name.toLowerCase();
    if (value === undefined || lower in own || lower === 'authorization') continue;
    headers[name] = value;
  }
  Object.assign(headers, own);

  const { canonicalRequest, signedHeaders } = acs3CanonicalRequest({
    method: (options.method ?? 'POST').toUpperCase(),
    pathname: options.pathname ?? '/',
    query: options.query,
    headers,
    hashedPayload: own['x-acs-content-sha256']!,
  });
  const signature = acs3Signature(options.accessKeySecret, acs3StringToSign(canonicalRequest));
  headers.Authorization = acs3Authorization(options.accessKeyId, signedHeaders, signature);
  return headers;
}
