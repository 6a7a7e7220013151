import { spawnSync } from 'node:child_process';

/** Options of {@link countSchemasBuilt} and {@link packagesLoaded}. */
export interface CountSchemasBuiltOptions {
  /** The module to import, as a `file:` URL (a package's built `dist/index.js`). */
  entry: string;
  /** Code run after the import, with the module as `sdk` (for example `sdk.createCodeer({ apiKey: 'k' })`). */
  firstUse: string;
  /** Where `zod` resolves from: the package's folder. */
  cwd: string;
}

/** What {@link countSchemasBuilt} measured. */
export interface SchemasBuilt {
  /** zod schemas built by importing `entry` (zod's own import subtracted). */
  byImport: number;
  /** zod schemas built by `firstUse`. */
  byFirstUse: number;
  /** The child process's stderr (empty when all went well). */
  stderr: string;
}

/**
 * Counts the zod schemas a module builds at import and on first use, in a fresh Node process. zod
 * gives every schema it builds its `_zod` internals with `Object.defineProperty`; counting those calls
 * tells how many were built. For tests that hold a package to "importing builds no schema".
 */
export function countSchemasBuilt(options: CountSchemasBuiltOptions): SchemasBuilt {
  const script = `
const define = Object.defineProperty;
let built = 0;
Object.defineProperty = function (target, key, descriptor) {
  if (key === '_zod') built++;
  return define.call(this, target, key, descriptor);
};
await import('zod');
const byZod = built;
const sdk = await import(${JSON.stringify(options.entry)});
const byImport = built - byZod;
${options.firstUse};
process.stdout.write(JSON.stringify({ byImport, byFirstUse: built - byZod - byImport }));
`;
  const run = runModuleScript(script, options.cwd);
  if (run.result === undefined) return { byImport: Number.NaN, byFirstUse: Number.NaN, stderr: run.stderr };
  return { ...(run.result as { byImport: number; byFirstUse: number }), stderr: run.stderr };
}

/** What {@link packagesLoaded} saw. */
export interface PackagesLoaded {
  /**
   * The packages a file was loaded from, sorted: the npm name for a file under `node_modules`
   * (`zod`, `eventsource-parser`), `@kakehashi/<folder>` for a file of this repository's `packages/`.
   */
  packages: string[];
  /** The child process's stderr (empty when all went well). */
  stderr: string;
}

/**
 * The packages whose files a module loads, at import and on first use, in a fresh Node process (a
 * `registerHooks` load hook records every `file:` module). For tests that hold a package to what its
 * import pulls in, for example "zod is bundled: no file of the zod package is loaded".
 */
export function packagesLoaded(options: CountSchemasBuiltOptions): PackagesLoaded {
  const script = `
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ load(url, context, next) { if (url.startsWith('file:')) loaded.push(url); return next(url, context); } });
const sdk = await import(${JSON.stringify(options.entry)});
${options.firstUse};
process.stdout.write(JSON.stringify(loaded));
`;
  const run = runModuleScript(script, options.cwd);
  if (run.result === undefined) return { packages: [], stderr: run.stderr || 'the script printed nothing' };
  const packages = new Set<string>();
  for (const url of run.result as string[]) {
    const npm = url.match(/\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//);
    const own = url.match(/\/packages\/([^/]+)\//);
    if (npm?.[1] !== undefined) packages.add(npm[1]);
    else if (own?.[1] !== undefined) packages.add(`@kakehashi/${own[1]}`);
  }
  return { packages: [...packages].sort(), stderr: run.stderr };
}

/** Runs an ES module script in a fresh Node process from `cwd`; its stdout read as JSON. */
function runModuleScript(script: string, cwd: string): { result: unknown; stderr: string } {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8' });
  if (run.status !== 0 || run.stdout === '') return { result: undefined, stderr: run.stderr };
  return { result: JSON.parse(run.stdout), stderr: run.stderr };
}
