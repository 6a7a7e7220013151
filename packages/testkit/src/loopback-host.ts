import { isIPv4, isIPv6 } from 'node:net';

/** The host a scripted server binds when none is given. */
export const defaultLoopbackHost = '127.0.0.1';

function isIPv6Loopback(address: string): boolean {
  try {
    return new URL(`http://[${address}]/`).hostname === '[::1]';
  } catch {
    return false;
  }
}

/**
 * Check that `host` is a loopback address and return the address to bind.
 * Accepts `127.0.0.0/8`, `::1` (bracketed or not, any spelling) and
 * `localhost` (bound as `127.0.0.1`). Anything else throws.
 */
export function resolveLoopbackHost(host: string | undefined): string {
  if (host === undefined) return defaultLoopbackHost;
  if (typeof host !== 'string') {
    throw new TypeError(`testkit: option "host" must be a string (got ${typeof host})`);
  }
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return defaultLoopbackHost;
  if (isIPv4(bare) && bare.split('.')[0] === '127') return bare;
  if (isIPv6(bare) && isIPv6Loopback(bare)) return '::1';
  throw new Error(`testkit: host "${host}" is not a loopback address; simulators only bind 127.0.0.0/8 or ::1`);
}

/** Format a bound address for use in a URL (`[::1]` for IPv6). */
export function formatUrlHost(address: string): string {
  return isIPv6(address) ? `[${address}]` : address;
}
