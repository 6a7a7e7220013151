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
