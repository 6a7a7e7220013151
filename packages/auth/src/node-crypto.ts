import type * as NodeCrypto from 'node:crypto';
import { KakehashiError } from '@kakehashi/sse-core';

type BuiltinLoader = (id: string) => unknown;

let crypto: typeof NodeCrypto | undefined;

/**
 * `node:crypto`, fetched from the runtime on first use through `process.getBuiltinModule` (Node
 * >= 22.3, Bun, Deno, Cloudflare Workers with `nodejs_compat`) rather than imported: importing
 * `@kakehashi/auth` then pulls no Node built-in into a browser or Workers bundle, and only the
 * signers and the API-key check, which need it, fail where it is missing.
 *
 * @throws KakehashiError (`unsupported-runtime`) where the runtime has no `node:crypto`.
 */
export function nodeCrypto(): typeof NodeCrypto {
  if (crypto !== undefined) return crypto;
  const load = (globalThis as { process?: { getBuiltinModule?: BuiltinLoader } }).process?.getBuiltinModule;
  const found = typeof load === 'function' ? (load('node:crypto') as typeof NodeCrypto | undefined) : undefined;
  if (found === undefined) {
    throw new KakehashiError(
      'unsupported-runtime',
      'This needs node:crypto (HMAC and SHA-256 signing): run it on Node >= 22.19, Bun, Deno, or Cloudflare Workers with the nodejs_compat flag',
    );
  }
  crypto = found;
  return found;
}
