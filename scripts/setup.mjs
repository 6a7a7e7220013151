#!/usr/bin/env node
// One-command set-up for a fresh clone. Runs on any Node >= 18 with npm (a new machine has Node 20):
// it brings pnpm at the pinned version from the npm registry, installs the workspace (which pins the
// Node >= 22 runtime every workspace script runs on, through the `node` package), then builds.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmSpec = pkg.packageManager; // "pnpm@x.y.z"
const frozen = process.env.CI ? ['--frozen-lockfile'] : [];

function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false' } });
  if (r.status !== 0) {
    console.error(`set-up failed: ${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
    process.exit(r.status || 1);
  }
}

run('npx', ['--yes', pnpmSpec, 'install', ...frozen]);
// From here on the workspace's own pnpm runs, and `node_modules/.bin/node` (the pinned runtime) is first on PATH.
run(join(root, 'node_modules/.bin/pnpm'), ['run', 'build']);
console.log('\nset-up done: `npm run demo` runs the demo, `npm test` runs every test.');
