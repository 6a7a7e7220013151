import { InvalidArgumentError, registerSecret } from '@kakehashi/sse-core';
import { nodeCrypto } from './node-crypto';

/** Whether a key a caller presented is one of the accepted ones. */
export type ApiKeyCheck = (presented: string | null | undefined) => boolean;

const digest = (value: string) => nodeCrypto().createHash('sha256').update(value, 'utf8').digest();

/**
 * The check a server runs on the API key a caller presents (`Authorization: Bearer <key>`, or
 * however the route reads it), in constant time: each key is compared as a SHA-256 digest, so not
 * even its length leaks, and every accepted key is compared on every call, whatever the outcome.
 *
 * Keys are trimmed and registered with sse-core's redaction, so no log or error shows them; blank
 * entries are ignored, and with no key left the check accepts nobody. A missing or empty presented
 * key is refused.
 *
 * @throws InvalidArgumentError (`keys`, `keys[i]`) when `keys` is not an array of strings.
 */
export function createApiKeyCheck(keys: readonly string[]): ApiKeyCheck {
  if (!Array.isArray(keys)) throw new InvalidArgumentError('keys', 'must be an array of strings');
  const digests: Uint8Array[] = [];
  keys.forEach((key: unknown, i) => {
    if (typeof key !== 'string') throw new InvalidArgumentError(`keys[${i}]`, 'must be a string');
    const k = key.trim();
    if (k === '') return;
    registerSecret(k);
    digests.push(digest(k));
  });
  return (presented) => {
    if (typeof presented !== 'string' || presented === '') return false;
    const given = digest(presented);
    let ok = false;
    const { timingSafeEqual } = nodeCrypto();
    for (const d of digests) ok = timingSafeEqual(d, given) || ok;
    return ok;
  };
}
