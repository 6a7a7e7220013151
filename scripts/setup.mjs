#!/usr/bin/env node
// One-command set-up for a fresh clone. Runs on any Node >= 18 with npm (a new machine has Node 20):
// it brings pnpm at the pinned version from the npm registry, installs the workspace (which pins the
// Node >= 22 runtime every workspace script runs on, through the `node` package), then builds.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
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

// PostgreSQL for the server's multi-instance tests: they start a throwaway cluster with initdb/pg_ctl.
// Found → nothing to do. Missing, as root on Debian → apt-get installs it. Otherwise → a note: the
// PostgreSQL tests are then skipped (and fail in CI, where they must run).
function findPostgresBin() {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  if (existsSync('/usr/lib/postgresql')) {
    for (const v of readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)))
      dirs.push(join('/usr/lib/postgresql', v, 'bin'));
  }
  const executable = (file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  return dirs.find((dir) => executable(join(dir, 'initdb')) && executable(join(dir, 'pg_ctl')));
}

function ensurePostgres() {
  const found = findPostgresBin();
  if (found) {
    console.log(`\nPostgreSQL found (${found}): the server's PostgreSQL tests will run.`);
    return;
  }
  const isRoot = process.getuid?.() === 0;
  if (process.platform === 'linux' && isRoot && existsSync('/etc/debian_version')) {
    console.log('\nPostgreSQL (initdb/pg_ctl) not found: installing it with apt-get for the server tests.');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'postgresql']]) {
      console.log(`$ apt-get ${args.join(' ')}`);
      const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
      if (r.status !== 0) {
        console.warn(
          `note: apt-get ${args[0]} failed (${r.status ?? r.signal}); the PostgreSQL tests will be skipped (and fail in CI).`,
        );
        return;
      }
    }
    if (findPostgresBin()) console.log('PostgreSQL installed.');
    else
      console.warn(
        'note: PostgreSQL was installed but initdb/pg_ctl were not found; the PostgreSQL tests will be skipped.',
      );
    return;
  }
  console.log(
    '\nnote: PostgreSQL (initdb/pg_ctl) was not found and cannot be installed here (needs root on Debian): ' +
      "the server's PostgreSQL tests will be skipped (in CI they fail). Install the PostgreSQL server package to run them.",
  );
}

// Chromium for the playground's browser test (Debian's package, driven by playwright-core: no browser
// download). Installed like PostgreSQL: as root on Debian when missing, else a note.
function ensureChromium() {
  if (existsSync('/usr/bin/chromium')) {
    console.log('Chromium found (/usr/bin/chromium): the playground browser test will run.');
    return;
  }
  if (process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/etc/debian_version')) {
    console.log("\nChromium not found: installing Debian's chromium (and CJK fonts) for the playground test.");
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium', 'fonts-noto-cjk']]) {
      console.log(`$ apt-get ${args.join(' ')}`);
      const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
      if (r.status !== 0) {
        console.warn(
          `note: apt-get ${args[0]} failed (${r.status ?? r.signal}); the playground browser test will be skipped (and fail in CI).`,
        );
        return;
      }
    }
    return;
  }
  console.log(
    '\nnote: /usr/bin/chromium is missing and cannot be installed here: the playground browser test will be skipped (in CI it fails).',
  );
}

ensurePostgres();
ensureChromium();
run('npx', ['--yes', pnpmSpec, 'install', ...frozen]);
// Also run by the root postinstall; repeated here in case install scripts were switched off.
run(process.execPath, [join(root, 'scripts/link-node.mjs')]);
// From here on the workspace's own pnpm runs, and `node_modules/.bin/node` (the pinned runtime) is first on PATH.
run(join(root, 'node_modules/.bin/pnpm'), ['run', 'build']);
console.log('\nset-up done: `npm run demo` runs the demo, `npm test` runs every test.');
