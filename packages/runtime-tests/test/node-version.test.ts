/**
 * The CLI and server bins on a Node older than `engines` (>= 22.19): one line naming the versions and
 * exit 1, before anything is imported (whose failure would otherwise be an undici stack trace). And
 * sse-core and the chat SDKs imported there directly: the first request fails with sse-core's
 * UnsupportedRuntimeError naming the version, before anything is sent, not retried. Run with the
 * machine's own Node when it is older (Debian's is 20); the workspace's pinned Node passes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bareEnv,
  packageDir,
  parseResults,
  runProcess,
  startSimulators,
  type CaseResult,
  type Simulators,
} from './runtime-harness';

const repoRoot = join(packageDir, '../..');
const BINS = [join(repoRoot, 'apps/cli/bin/kakehashi.js'), join(repoRoot, 'apps/server/bin/kakehashi-server.js')];

function versionOf(node: string): string | undefined {
  try {
    return execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    return undefined;
  }
}

function tooOld(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < 22 || (major === 22 && minor < 19);
}

/** The first Node on this machine older than 22.19, outside the workspace. */
function findOldNode(): { path: string; version: string } | undefined {
  for (const path of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    if (!existsSync(path)) continue;
    const version = versionOf(path);
    if (version !== undefined && tooOld(version)) return { path, version };
  }
  return undefined;
}

const old = findOldNode();
if (!old) console.warn('runtime tests: no Node older than 22.19 on this machine; the old-Node bin checks are skipped');

describe.skipIf(!old)(`the bins on Node ${old?.version ?? '(none)'}`, () => {
  it.each(BINS)('%s says which Node it needs and exits 1', async (bin) => {
    const outcome = await runProcess(old!.path, [bin, '--help'], { env: bareEnv(), timeoutMs: 20_000 });
    expect(outcome).toEqual({
      code: 1,
      stdout: '',
      stderr: `kakehashi needs Node >= 22.19 (this is v${old!.version})\n`,
    });
  });
});

const OLD_NODE_CASES = [
  'sse-core: the first request',
  'codeer: streamChat',
  'miibo: streamChat',
  'agenticstar: chat (its token request first)',
];

describe.skipIf(!old)(`sse-core and the chat SDKs imported on Node ${old?.version ?? '(none)'}`, () => {
  let sims: Simulators;
  let results: Record<string, CaseResult>;
  let stderr: string;

  beforeAll(async () => {
    sims = await startSimulators();
    const outcome = await runProcess(old!.path, ['fixtures/old-node-cases.mjs', JSON.stringify(sims.config)], {
      env: bareEnv(),
      timeoutMs: 60_000,
    });
    stderr = outcome.stderr;
    results = parseResults(outcome);
  }, 90_000);
  afterAll(async () => {
    await sims?.close();
  });

  it.each(OLD_NODE_CASES)('%s: UnsupportedRuntimeError naming Node >= 22.19, not retryable', (name) => {
    expect(stderr).toBe('');
    const result = results[name];
    if (!result?.ok) throw new Error(`the case threw ${result?.error}\n${result?.stack}`);
    expect(result.value).toEqual({
      unsupportedRuntime: true,
      name: 'UnsupportedRuntimeError',
      kind: 'unsupported-runtime',
      message: `kakehashi needs Node >= 22.19 (this is v${old!.version})`,
      retryable: false,
      required: '22.19',
    });
  });

  it('nothing reached the simulators', () => {
    expect(sims.requestCount()).toBe(0);
  });
});

describe('the bins on the workspace Node', () => {
  it(`the CLI passes the check (${process.version}) and answers --help`, async () => {
    const outcome = await runProcess(process.execPath, [BINS[0]!, '--help'], { env: bareEnv(), timeoutMs: 30_000 });
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain('kakehashi');
    expect(outcome.stderr).not.toContain('needs Node');
  });
});
