import { InvalidArgumentError, KakehashiError, registerSecret } from '@kakehashi/sse-core';
import { parseAgentGroupWebhook, type MiiboAgentGroupWebhook } from './miibo-agent-group-webhook';

/** The header in which miibo signs its webhook calls. */
export const MIIBO_HMAC_HEADER = 'X-HMAC';

/** Request headers as a web `Headers` or a Node `IncomingHttpHeaders`-style record (any name case). */
export type WebhookHeaders = Headers | Readonly<Record<string, string | string[] | undefined>>;

/** The raw request body: verify the exact bytes received, before any JSON parsing. */
export type WebhookBody = string | Uint8Array;

/** A webhook call failed verification (missing or wrong secret header, missing or wrong `X-HMAC`). Answer 401. */
export class MiiboWebhookVerificationError extends KakehashiError {
  static override isInstance = (error: unknown): error is MiiboWebhookVerificationError =>
    KakehashiError.isInstance(error) && error.kind === 'webhook-verification';
  /** Which check failed: `secret-header` or `hmac`. */
  readonly check: 'secret-header' | 'hmac';
  constructor(check: 'secret-header' | 'hmac', message: string) {
    super('webhook-verification', message);
    this.name = 'MiiboWebhookVerificationError';
    this.check = check;
  }
}

const encoder = new TextEncoder();

function bytesOf(body: WebhookBody): Uint8Array<ArrayBuffer> {
  return (typeof body === 'string' ? encoder.encode(body) : body) as Uint8Array<ArrayBuffer>;
}

/** Web Crypto, which every runtime kakehashi supports has (Node, Bun, Deno, Workers, browsers in a secure context). */
function subtle(): SubtleCrypto {
  const found = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (found === undefined)
    throw new KakehashiError(
      'unsupported-runtime',
      'Webhook verification needs Web Crypto (crypto.subtle); a browser has it only on https: or localhost pages',
    );
  return found;
}

function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  return subtle().importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

function fromHex(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function requireSecret(secret: unknown, field: string): asserts secret is string {
  if (typeof secret !== 'string' || secret.length === 0)
    throw new InvalidArgumentError(field, 'must be a non-empty string');
  registerSecret(secret);
}

/**
 * miibo's webhook signature: the lowercase hex HMAC-SHA256 of the raw body, keyed with the webhook's
 * secret. Web Crypto, so it resolves asynchronously.
 */
export async function signMiiboWebhook(rawBody: WebhookBody, secret: string): Promise<string> {
  requireSecret(secret, 'secret');
  const key = await hmacKey(secret, 'sign');
  return hex(new Uint8Array(await subtle().sign('HMAC', key, bytesOf(rawBody))));
}

/** Options of {@link verifyMiiboHmac}. */
export interface VerifyMiiboHmacOptions {
  /** The body exactly as received (bytes, or the UTF-8 text). */
  rawBody: WebhookBody;
  /** The `X-HMAC` header value. Missing, repeated or malformed counts as a mismatch. */
  signature: string | readonly string[] | null | undefined;
  /** The webhook's secret from the miibo console. */
  secret: string;
}

/**
 * Checks miibo's `X-HMAC` signature (hex HMAC-SHA256 of the raw body) with Web Crypto's constant-time
 * `verify`. Resolves false for a missing, repeated, malformed or wrong signature; never rejects for
 * bad input from the caller of the webhook (a missing `secret`, your own input, rejects with
 * `InvalidArgumentError`).
 */
export async function verifyMiiboHmac(options: VerifyMiiboHmacOptions): Promise<boolean> {
  requireSecret(options.secret, 'secret');
  const signature = single(options.signature)?.trim();
  if (signature === undefined || !/^[0-9a-fA-F]{64}$/.test(signature)) return false;
  const key = await hmacKey(options.secret, 'verify');
  return subtle().verify('HMAC', key, fromHex(signature), bytesOf(options.rawBody));
}

/** Whether two byte strings of the same length are equal, looking at every byte whatever it finds. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * Compares a received shared-secret header value with the expected secret in constant time (both
 * are hashed with SHA-256 first, so not even the length leaks). Missing or repeated values are a
 * mismatch. Web Crypto, so it resolves asynchronously.
 */
export async function verifySharedSecret(
  received: string | readonly string[] | null | undefined,
  expected: string,
): Promise<boolean> {
  requireSecret(expected, 'expected');
  const value = single(received);
  if (value === undefined) return false;
  const [a, b] = await Promise.all([
    subtle().digest('SHA-256', encoder.encode(value)),
    subtle().digest('SHA-256', encoder.encode(expected)),
  ]);
  return sameBytes(new Uint8Array(a), new Uint8Array(b));
}

/** One header's value from either header shape, case-insensitively; repeated values come back as an array. */
export function webhookHeader(headers: WebhookHeaders, name: string): string | string[] | undefined {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

function single(value: string | readonly string[] | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  return value.length === 1 ? value[0] : undefined;
}

/** Options of {@link verifyAgentGroupWebhook}. At least one check is required. */
export interface VerifyAgentGroupWebhookOptions {
  /** The body exactly as received. */
  rawBody: WebhookBody;
  /** The request headers. */
  headers: WebhookHeaders;
  /**
   * The shared secret you put in `webhookHeaders` when starting the group: the header's name and
   * the expected value. miibo documents no signature for agent group webhooks, so this is the usual check.
   */
  sharedSecret?: { header: string; value: string };
  /** A signing secret: require a valid `X-HMAC` header (miibo's agent webhooks sign this way). */
  hmacSecret?: string;
}

/**
 * Verifies an agent group webhook call (constant-time, Web Crypto), then parses it. Resolves with the
 * parsed webhook; every failure is a rejection.
 *
 * @throws MiiboWebhookVerificationError (answer 401) when a configured check fails.
 * @throws InvalidArgumentError when no check is configured, or (answer 400) when the verified body is malformed.
 */
export async function verifyAgentGroupWebhook(
  options: VerifyAgentGroupWebhookOptions,
): Promise<MiiboAgentGroupWebhook> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  const { rawBody, headers, sharedSecret, hmacSecret } = options;
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array))
    throw new InvalidArgumentError('options.rawBody', 'must be the raw body (string or Uint8Array)');
  if (typeof headers !== 'object' || headers === null)
    throw new InvalidArgumentError('options.headers', 'must be the request headers');
  if (sharedSecret === undefined && hmacSecret === undefined) {
    throw new InvalidArgumentError(
      'options',
      'give sharedSecret and/or hmacSecret (use parseAgentGroupWebhook to parse without verifying)',
    );
  }
  if (sharedSecret !== undefined) {
    if (
      typeof sharedSecret !== 'object' ||
      sharedSecret === null ||
      typeof sharedSecret.header !== 'string' ||
      sharedSecret.header === ''
    ) {
      throw new InvalidArgumentError('options.sharedSecret.header', 'must be a header name');
    }
    requireSecret(sharedSecret.value, 'options.sharedSecret.value');
    if (!(await verifySharedSecret(webhookHeader(headers, sharedSecret.header), sharedSecret.value))) {
      throw new MiiboWebhookVerificationError(
        'secret-header',
        `Webhook rejected: header ${sharedSecret.header} is missing or wrong`,
      );
    }
  }
  if (hmacSecret !== undefined) {
    requireSecret(hmacSecret, 'options.hmacSecret');
    if (
      !(await verifyMiiboHmac({ rawBody, signature: webhookHeader(headers, MIIBO_HMAC_HEADER), secret: hmacSecret }))
    ) {
      throw new MiiboWebhookVerificationError(
        'hmac',
        `Webhook rejected: ${MIIBO_HMAC_HEADER} signature is missing or does not match the body`,
      );
    }
  }
  return parseAgentGroupWebhook(rawBody);
}
