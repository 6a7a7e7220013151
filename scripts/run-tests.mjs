// `npm test`: builds, typechecks, lints (publint) and tests every package through Nx, then prints one
// closing line that sums every package's vitest results: "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const extra = process.argv.slice(2);
// Lint and format check first (Biome, zero findings), then every package's Nx targets.
const biome = spawnSync(join(root, 'node_modules/.bin/biome'), ['ci', '.'], { cwd: root, stdio: 'inherit' });
if (biome.status !== 0) console.error('\nlint: Biome found problems (run `npm run format`, then fix what remains).');
const nx = spawnSync(
  join(root, 'scripts/bin/nx'),
  ['run-many', '-t', 'build', 'typecheck', 'lint', 'test', '--outputStyle=stream', ...extra],
  {
    cwd: root,
    stdio: 'inherit',
  },
);

let passed = 0;
let failed = 0;
let skipped = 0;
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const file = join(root, group, name, 'test-results.json');
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  }
}
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(biome.status !== 0 ? 1 : (nx.status ?? 1));
