import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * An independent V3 (`ACS3-HMAC-SHA256`) signature check, written from the published algorithm and
 * sharing no code with the SDK's signer, so that a simulator using it is a real second opinion.
 */

/** What the verifier needs from a received request. */
export interface Acs3VerifyInput {
  /** HTTP method as received. */
  method: string;
  /** Path as received (without query). */
  path: string;
  /** The raw query string as received, without the leading `?` (may be empty). */
  rawQuery: string;
  /** Request headers with lower-cased names. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The raw body bytes. */
  body: Uint8Array;
  /** Returns the secret of an AccessKey id, or `undefined` when the id is unknown. */
  secretFor(accessKeyId: string): string | undefined;
}

/** The outcome: accepted (with the AccessKey id), or an Alibaba-style error to answer with. */
export type Acs3VerifyResult =
  | { ok: true; accessKeyId: string; signedHeaders: string[] }
  | { ok: false; status: number; code: string; message: string };

const ALGORITHM = 'ACS3-HMAC-SHA256';
const REQUIRED_SIGNED = [
  'host',
  'x-acs-action',
  'x-acs-content-sha256',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-version',
];

/** Lower-case hex SHA-256. */
export function acsSha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** RFC 3986 encoding as Alibaba signs it: `encodeURIComponent` plus `!'()*`. */
export function acsEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Query parameters decoded from a raw query string, in order of appearance. */
export function parseRawQuery(rawQuery: string): Array<[string, string]> {
  if (!rawQuery) return [];
  return rawQuery
    .split('&')
    .filter((pair) => pair.length > 0)
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1
        ? [decodeComponent(pair), '']
        : [decodeComponent(pair.slice(0, eq)), decodeComponent(pair.slice(eq + 1))];
    });
}

/** The canonical query string of decoded parameters: encoded, sorted by key (then value). */
export function canonicalQuery(params: ReadonlyArray<readonly [string, string]>): string {
  return [...params]
    .map(([k, v]) => [acsEncode(k), acsEncode(v)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Parses `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`. */
export function parseAcs3Authorization(
  value: string | undefined,
): { credential: string; signedHeaders: string[]; signature: string } | undefined {
  if (!value?.startsWith(`${ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || signedHeaders === undefined || !signature) return undefined;
  return { credential, signedHeaders: signedHeaders ? signedHeaders.split(';') : [], signature };
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The canonical request and string to sign the server expects, for error messages and tests. */
export function acs3ServerStringToSign(
  input: Omit<Acs3VerifyInput, 'secretFor' | 'body'>,
  signedHeaders: readonly string[],
  hashedPayload: string,
): string {
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${(input.headers[name] ?? '').trim()}\n`).join('');
  const canonicalRequest = [
    input.method.toUpperCase(),
    input.path || '/',
    canonicalQuery(parseRawQuery(input.rawQuery)),
    canonicalHeaders,
    signedHeaders.join(';'),
    hashedPayload,
  ].join('\n');
  return `${ALGORITHM}\n${acsSha256Hex(canonicalRequest)}`;
}

/**
 * Recomputes the request's V3 signature with the secret of the AccessKey id it names and compares.
 * Error codes follow Alibaba Cloud's common ones: `IncompleteSignature`, `InvalidAccessKeyId.NotFound`,
 * `SignatureDoesNotMatch`; messages never contain the secret.
 */
export function verifyAcs3Request(input: Acs3VerifyInput): Acs3VerifyResult {
  const auth = parseAcs3Authorization(input.headers.authorization);
  if (!auth) {
    return {
      ok: false,
      status: 400,
      code: 'IncompleteSignature',
      message: `The request signature does not conform to Aliyun standards: Authorization must be "${ALGORITHM} Credential=…,SignedHeaders=…,Signature=…".`,
    };
  }
  const sorted = [...auth.signedHeaders].sort();
  const missing = REQUIRED_SIGNED.filter(
    (name) => !auth.signedHeaders.includes(name) || input.headers[name] === undefined,
  );
  if (missing.length > 0 || sorted.join(';') !== auth.signedHeaders.join(';')) {
    return {
      ok: false,
      status: 400,
      code: 'IncompleteSignature',
      message: missing.length
        ? `The request signature does not conform to Aliyun standards: header(s) ${missing.join(', ')} must be sent and signed.`
        : 'The request signature does not conform to Aliyun standards: SignedHeaders must be sorted.',
    };
  }
  const secret = input.secretFor(auth.credential);
  if (secret === undefined) {
    return {
      ok: false,
      status: 404,
      code: 'InvalidAccessKeyId.NotFound',
      message: 'Specified access key is not found.',
    };
  }
  const bodyHash = acsSha256Hex(input.body);
  const claimedHash = input.headers['x-acs-content-sha256'] ?? '';
  if (claimedHash !== bodyHash) {
    return {
      ok: false,
      status: 400,
      code: 'SignatureDoesNotMatch',
      message: `The x-acs-content-sha256 header does not match the request body (expected ${bodyHash}).`,
    };
  }
  const stringToSign = acs3ServerStringToSign(input, auth.signedHeaders, claimedHash);
  const expected = createHmac('sha256', secret).update(stringToSign).digest('hex');
  if (!sameHex(expected, auth.signature)) {
    return {
      ok: false,
      status: 400,
      code: 'SignatureDoesNotMatch',
      message: `Specified signature does not match our calculation. server string to sign is:${stringToSign}`,
    };
  }
  return { ok: true, accessKeyId: auth.credential, signedHeaders: auth.signedHeaders };
}
