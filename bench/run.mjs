// Runs every bench/*.bench.mjs in its own process, one after another (so they do not share a JIT or
// compete for the 2 cores), on the pinned Node runtime. `pnpm bench` or `npm run bench`;
// `npm run bench -- sse` runs only the files whose name contains "sse".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs') && f.includes(filter))
  .sort();
console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file}`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, file)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
