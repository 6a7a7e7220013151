// Internal: writes the skeleton of a workspace package (used once per package; kept for contributors).
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
const [dir, name, description, deps = ''] = process.argv.slice(2);
const root = join(process.cwd(), dir);
mkdirSync(join(root, 'src'), { recursive: true });
mkdirSync(join(root, 'test'), { recursive: true });
const dependencies = Object.fromEntries(
  deps
    .split(',')
    .filter(Boolean)
    .map((d) => [d, d.startsWith('@kakehashi/') ? 'workspace:^' : '*']),
);
const pkg = {
  name,
  version: '0.0.0',
  description,
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './package.json': './package.json' },
  main: './dist/index.js',
  types: './dist/index.d.ts',
  files: ['dist', 'README.md', 'CHANGELOG.md'],
  engines: { node: '>=22.19' },
  repository: { type: 'git', url: 'git+https://github.com/kakehashi-dev/kakehashi.git', directory: dir },
  publishConfig: { access: 'public' },
  scripts: { build: 'tsup', test: 'vitest run', typecheck: 'tsc --noEmit', lint: 'publint --strict' },
  dependencies,
};
if (!existsSync(join(root, 'package.json')))
  writeFileSync(join(root, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
writeFileSync(
  join(root, 'tsconfig.json'),
  `${JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'test', '*.config.ts'] }, null, 2)}\n`,
);
writeFileSync(
  join(root, 'tsup.config.ts'),
  `import { defineConfig } from 'tsup';\n\nexport default defineConfig({\n  entry: ['src/index.ts'],\n  format: ['esm'],\n  dts: true,\n  clean: true,\n  sourcemap: true,\n  target: 'node22',\n});\n`,
);
writeFileSync(
  join(root, 'vitest.config.ts'),
  `import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({\n  test: { include: ['test/**/*.test.ts'], testTimeout: 20_000, hookTimeout: 20_000 },\n});\n`,
);
if (!existsSync(join(root, 'src/index.ts'))) writeFileSync(join(root, 'src/index.ts'), `export {};\n`);
