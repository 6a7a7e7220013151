import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node22',
  // The parts of zod this package uses are bundled into dist (tree-shaken: no locales but English),
  // so importing it loads one file instead of zod's 95 modules; the declaration files still import
  // zod's types. See "Dependencies" in the README.
  noExternal: ['zod'],
});
