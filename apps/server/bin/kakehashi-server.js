#!/usr/bin/env node
// The Node check comes first, before anything is imported: on an older Node the dependencies would
// fail with a stack trace instead of this one line.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`kakehashi needs Node >= 22.19 (this is v${process.versions.node})\n`);
  process.exit(1);
}
await import('../dist/main.js');
