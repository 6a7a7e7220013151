// Makes node_modules/.bin/node a symlink to the pinned Node binary (from the `node` package).
// pnpm's generated wrapper for it runs node as a child of a shell instead of exec'ing it, so a signal
// sent to `kakehashi` or `kakehashi-server` (SIGINT, SIGTERM) would stop the shell and never reach
// Node. The `kakehashi*` bin wrappers exec `node_modules/.bin/node`; with the symlink they become the
// Node process itself. Runs after every install (root `postinstall`) and in `npm run setup`.
import { existsSync, lstatSync, readlinkSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'node_modules/.bin/node');
const target = '../node/bin/node';
if (!existsSync(join(root, 'node_modules/node/bin/node'))) {
  console.warn('link-node: node_modules/node/bin/node is missing; the pinned runtime was not installed');
  process.exit(0);
}
if (lstatSync(bin, { throwIfNoEntry: false })?.isSymbolicLink() && readlinkSync(bin) === target) process.exit(0);
const tmp = `${bin}.${process.pid}`;
symlinkSync(target, tmp);
if (existsSync(bin)) unlinkSync(bin);
renameSync(tmp, bin);
