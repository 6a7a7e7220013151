import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const dist = pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href;

// zod gives every schema it builds its `_zod` internals with Object.defineProperty; counting those
// calls in a fresh process tells how many schemas an import builds (zod's own import is subtracted).
const script = `
const define = Object.defineProperty;
let built = 0;
Object.defineProperty = function (target, key, descriptor) {
  if (key === '_zod') built++;
  return define.call(this, target, key, descriptor);
};
await import('zod');
const byZod = built;
const sdk = await import(${JSON.stringify(dist)});
const byImport = built - byZod;
sdk.createMiibo({ apiKey: 'key', agentId: 'agent' });
process.stdout.write(JSON.stringify({ byImport, byFirstUse: built - byZod - byImport }));
`;

describe('import cost', () => {
  it('importing the package builds no zod schema; creating a client builds them', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: packageDir,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    const { byImport, byFirstUse } = JSON.parse(run.stdout);
    expect(byImport).toBe(0);
    expect(byFirstUse).toBeGreaterThan(0);
  });
});
