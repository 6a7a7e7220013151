#!/usr/bin/env node
// NO_COLOR wins over FORCE_COLOR (Node would otherwise ignore NO_COLOR and print a warning). Settled
// before anything else loads, so Node's own colour detection never sees the conflict.
if (process.env.NO_COLOR && process.env.FORCE_COLOR) delete process.env.FORCE_COLOR;
await import('../dist/cli.js');
