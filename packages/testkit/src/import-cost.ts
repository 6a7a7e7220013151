import { spawnSync } from 'node:child_process';

/** Options of {@link countSchemasBuilt}. */
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
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: options.cwd,
    encoding: 'utf8',
  });
  if (run.status !== 0 || run.stdout === '')
    return { byImport: Number.NaN, byFirstUse: Number.NaN, stderr: run.stderr };
  const counts = JSON.parse(run.stdout) as { byImport: number; byFirstUse: number };
  return { ...counts, stderr: run.stderr };
}
