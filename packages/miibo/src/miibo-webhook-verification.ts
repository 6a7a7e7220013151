import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
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

function bytesOf(body: WebhookBody): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

function requireSecret(secret: unknown, field: string): asserts secret is string {
  if (typeof secret !== 'string' || secret.length === 0)
    throw new InvalidArgumentError(field, 'must be a non-empty string');
  registerSecret(secret);
}

/** miibo's webhook signature: the lowercase hex HMAC-SHA256 of the raw body, keyed with the webhook's secret. */
export function signMiiboWebhook(rawBody: WebhookBody, secret: string): string {
  requireSecret(secret, 'secret');
  return createHmac('sha256', secret).update(bytesOf(rawBody)).digest('hex');
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
 * Checks miibo's `X-HMAC` signature (hex HMAC-SHA256 of the raw body) in constant time. Returns
 * false for a missing, repeated, malformed or wrong signature; never throws for bad input from the
 * caller of the webhook.
 */
export function verifyMiiboHmac(options: VerifyMiiboHmacOptions): boolean {
  requireSecret(options.secret, 'secret');
  const signature = single(options.signature)?.trim();
  if (signature === undefined || !/^[0-9a-fA-F]{64}$/.test(signature)) return false;
  const expected = createHmac('sha256', options.secret).update(bytesOf(options.rawBody)).digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

/**
 * Compares a received shared-secret header value with the expected secret in constant time (both
 * are hashed first, so not even the length leaks). Missing or repeated values are a mismatch.
 */
export function verifySharedSecret(received: string | readonly string[] | null | undefined, expected: string): boolean {
  requireSecret(expected, 'expected');
  const value = single(received);
  if (value === undefined) return false;
  const a = createHash('sha256').update(value, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
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
 * Verifies an agent group webhook call (constant-time), then parses it.
 *
 * @throws MiiboWebhookVerificationError (answer 401) when a configured check fails.
 * @throws InvalidArgumentError when no check is configured, or (answer 400) when the verified body is malformed.
 */
export function verifyAgentGroupWebhook(options: VerifyAgentGroupWebhookOptions): MiiboAgentGroupWebhook {
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
    if (!verifySharedSecret(webhookHeader(headers, sharedSecret.header), sharedSecret.value)) {
      throw new MiiboWebhookVerificationError(
        'secret-header',
        `Webhook rejected: header ${sharedSecret.header} is missing or wrong`,
      );
    }
  }
  if (hmacSecret !== undefined) {
    requireSecret(hmacSecret, 'options.hmacSecret');
    if (!verifyMiiboHmac({ rawBody, signature: webhookHeader(headers, MIIBO_HMAC_HEADER), secret: hmacSecret })) {
      throw new MiiboWebhookVerificationError(
        'hmac',
        `Webhook rejected: ${MIIBO_HMAC_HEADER} signature is missing or does not match the body`,
      );
    }
  }
  return parseAgentGroupWebhook(rawBody);
}
