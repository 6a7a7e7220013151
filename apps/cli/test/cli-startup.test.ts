import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defaultPlatforms } from '@kakehashi/platforms';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_PLATFORM_NAMES } from '../src/cli-help';
import { cleanEnv } from './cli-process';

const BIN = fileURLToPath(new URL('../bin/kakehashi.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kakehashi-cli-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Loaded with --import: records every file module the CLI loads and writes the list at exit.
const hook = join(dir, 'record-modules.mjs');
writeFileSync(
  hook,
  `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const loaded = [];
registerHooks({ load(url, context, next) { if (url.startsWith('file:')) loaded.push(url); return next(url, context); } });
process.on('exit', () => writeFileSync(process.env.RECORD_MODULES_TO, JSON.stringify(loaded)));
`,
);

let runs = 0;
/** Runs the built CLI and returns the exit code and the packages it loaded (`@kakehashi/<name>` or the npm name). */
async function loadedBy(args: string[]): Promise<{ code: number | null; packages: string[]; cliFiles: number }> {
  const out = join(dir, `modules-${runs++}.json`);
  const child = spawn(process.execPath, ['--import', pathToFileURL(hook).href, BIN, ...args], {
    cwd: dir,
    env: cleanEnv({ RECORD_MODULES_TO: out }),
    stdio: 'ignore',
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const urls: string[] = JSON.parse(readFileSync(out, 'utf8'));
  const packages = new Set<string>();
  let cliFiles = 0;
  for (const url of urls) {
    if (url.includes('/apps/cli/')) cliFiles++;
    else if (url === pathToFileURL(hook).href) continue;
    else {
      const own = url.match(/\/packages\/([^/]+)\//);
      const npm = url.match(/\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//);
      packages.add(own ? `@kakehashi/${own[1]}` : (npm?.[1] ?? url));
    }
  }
  return { code, packages: [...packages].sort(), cliFiles };
}

describe('start-up: each command loads only what it runs', () => {
  it('the help names the platforms of defaultPlatforms without loading them', () => {
    expect(DEFAULT_PLATFORM_NAMES).toEqual(defaultPlatforms.names);
  });

  it.each([
    [['--help']],
    [['--version']],
    [['chat', '--help']],
    [['mcp', '--help']],
    [['demo', '--help']],
    [['auth', '--help']],
    [['aliyun', '--help']],
    [['miibo', '--help']],
  ])('%j loads no package, only the CLI’s own files', async (args) => {
    const run = await loadedBy(args);
    expect(run.code).toBe(0);
    expect(run.packages).toEqual([]);
    expect(run.cliFiles).toBeGreaterThan(0);
  });

  it('a usage error loads the error report (sse-core), and no SDK', async () => {
    const run = await loadedBy(['nope']);
    expect(run.code).toBe(2);
    expect(run.packages.filter((p) => p.startsWith('@kakehashi/'))).toEqual(['@kakehashi/sse-core']);
  });

  it('chat codeer loads the registry and the codeer SDK, not the other platforms', async () => {
    const run = await loadedBy(['chat', 'codeer', 'こんにちは']); // no CODEER_API_KEY: exit 2 before any request
    expect(run.code).toBe(2);
    const ours = run.packages.filter((p) => p.startsWith('@kakehashi/'));
    expect(ours).toContain('@kakehashi/codeer');
    for (const other of ['@kakehashi/agenticstar', '@kakehashi/miibo', '@kakehashi/aliyun-aiagent', '@kakehashi/mcp']) {
      expect(ours).not.toContain(other);
    }
  });

  it('auth check miibo loads the miibo SDK only', async () => {
    const run = await loadedBy(['auth', 'check', 'miibo']); // no MIIBO_API_KEY: fails before any request
    expect(run.code).not.toBe(0);
    const ours = run.packages.filter((p) => p.startsWith('@kakehashi/'));
    expect(ours).toContain('@kakehashi/miibo');
    for (const other of ['@kakehashi/agenticstar', '@kakehashi/codeer', '@kakehashi/aliyun-aiagent']) {
      expect(ours).not.toContain(other);
    }
  });
});
