#!/usr/bin/env -S node --
// `node --`: the `--` ends Node's options before this file. Without it Node looks through every
// argument, the script's included, for `--env-file` (it stops only at `--`; nodejs/node#54232) and
// exits 9 on a missing file before kakehashi starts. `kakehashi --env-file` is the CLI's own flag.
// The package managers' shims (pnpm, npm, also on Windows) copy the `--` from this line.
// The Node check comes first, before anything is imported: on an older Node the dependencies would
// fail with a stack trace instead of this one line.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`kakehashi needs Node >= 22.19 (this is v${process.versions.node})\n`);
  process.exit(1);
}
// NO_COLOR wins over FORCE_COLOR (Node would otherwise ignore NO_COLOR and print a warning). Settled
// before anything else loads, so Node's own colour detection never sees the conflict.
if (process.env.NO_COLOR && process.env.FORCE_COLOR) delete process.env.FORCE_COLOR;
await import('../dist/cli.js');
