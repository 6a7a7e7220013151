import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/main.ts', 'src/sqlite-worker.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node22',
  // Keep `node:` on built-ins: `node:sqlite` exists only under its prefixed name.
  removeNodeProtocol: false,
});
