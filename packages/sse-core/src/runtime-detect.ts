/**
 * Which JavaScript runtime this is, as far as the transport cares: undici's `dispatch` runs on Node
 * only. Bun and Deno ship a `process` object that claims a Node version, and Cloudflare Workers do
 * too with `nodejs_compat`, so each is recognised by its own mark first. Nothing here throws or needs
 * a permission (Deno lets anyone read `process.versions`).
 */
interface RuntimeGlobals {
  Bun?: unknown;
  Deno?: unknown;
  navigator?: { userAgent?: unknown };
  process?: { versions?: Record<string, string | undefined> };
}

let node: boolean | undefined;

/** True on Node.js itself: not Bun, Deno, a Worker or a browser. Decided once per process. */
export function isNodeRuntime(): boolean {
  node ??= detectNode(globalThis as RuntimeGlobals);
  return node;
}

function detectNode(g: RuntimeGlobals): boolean {
  if (g.Bun !== undefined || g.Deno !== undefined) return false;
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return false;
  const versions = g.process?.versions;
  return typeof versions?.node === 'string' && versions.bun === undefined && versions.deno === undefined;
}

/** The oldest Node kakehashi supports, as in every package's `engines` (`>=22.19`). */
export const MIN_NODE_VERSION = '22.19';

/** On Node older than {@link MIN_NODE_VERSION}, its version (`20.20.2`); otherwise undefined. */
export function unsupportedNodeVersion(): string | undefined {
  if (!isNodeRuntime()) return undefined;
  const version = (globalThis as RuntimeGlobals).process?.versions?.node ?? '';
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [minMajor = 0, minMinor = 0] = MIN_NODE_VERSION.split('.').map(Number);
  return major < minMajor || (major === minMajor && minor < minMinor) ? version : undefined;
}
