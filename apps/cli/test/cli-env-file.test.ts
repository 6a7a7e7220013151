import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CodeerSimulator, startCodeerSimulator } from '@kakehashi/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, cleanEnv, KAKEHASHI_BIN, runCli } from './cli-process';

// `--env-file` is the CLI's: Node, which looks for `--env-file` among all of a script's arguments,
// never sees it (the bin starts `node --`). Run both ways a user starts the CLI: the package
// manager's shim, and the bin itself through its `#!` line.
const BIN = fileURLToPath(new URL('../bin/kakehashi.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kakehashi-cli-env-file-'));
let codeer: CodeerSimulator;
beforeAll(async () => {
  codeer = await startCodeerSimulator();
});
afterAll(async () => {
  await codeer?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `bin` with `args`; `node` on the PATH is the Node running the tests (for the `#!` line). */
async function start(bin: string, args: string[], env = cleanEnv()): Promise<CliRun> {
  const { spawn } = await import('node:child_process');
  const path = `${dirname(process.execPath)}${delimiter}${env.PATH ?? ''}`;
  const child = spawn(bin, args, { env: { ...env, PATH: path }, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe.each([
  ['the shim (node_modules/.bin/kakehashi)', KAKEHASHI_BIN],
  ['the bin through its #! line', BIN],
])('kakehashi --env-file, started by %s', (_, bin) => {
  it.each([
    [['--env-file', 'missing.env', 'chat', 'codeer', 'hi']],
    [['chat', 'codeer', '--env-file=missing.env', 'hi']],
  ])('%j: a missing file exits 2 with one line naming it (Node does not see the flag)', async (args) => {
    const run = await start(bin, args);
    expect(run).toMatchObject({ code: 2, stdout: '', stderr: 'kakehashi: --env-file missing.env: no such file\n' });
  });

  it('Node does not read the file either: a NODE_OPTIONS line in it does not reach Node', async () => {
    // Node, when it takes --env-file after the script, parses the file and applies its NODE_OPTIONS.
    writeFileSync(join(dir, 'preload.cjs'), "process.stderr.write('PRELOADED BY NODE\\n');\n");
    writeFileSync(join(dir, 'node-options.env'), `NODE_OPTIONS="--require ${join(dir, 'preload.cjs')}"\n`);
    const run = await start(bin, ['--env-file', 'node-options.env', '--version']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^kakehashi \S+\n$/);
  });

  it('a directory exits 2 saying so', async () => {
    mkdirSync(join(dir, 'a-directory'), { recursive: true });
    const run = await start(bin, ['chat', 'codeer', '--env-file', 'a-directory', 'hi']);
    expect(run).toMatchObject({
      code: 2,
      stderr: 'kakehashi: --env-file a-directory: is a directory, not a file\n',
    });
  });
});

describe('what --env-file reads', () => {
  it('comments, quoted values and `export` lines configure the platform', async () => {
    writeFileSync(
      join(dir, 'codeer.env'),
      [
        '# Codeer on the simulator',
        `export CODEER_API_KEY="${codeer.apiKey}"   # the key`,
        `CODEER_BASE_URL='${codeer.url}'`,
        `CODEER_AGENT_ID=${codeer.agentId} # a comment after an unquoted value`,
        '',
      ].join('\n'),
    );
    const run = await runCli(['chat', 'codeer', '--env-file', 'codeer.env', 'こんにちは'], cleanEnv(), dir);
    expect(run.stderr).not.toContain('kakehashi:');
    expect(run.code).toBe(0);
    expect(run.stdout.trim().length).toBeGreaterThan(0);
  });

  it('a variable already set wins over the file (as with Node’s own --env-file)', async () => {
    writeFileSync(
      join(dir, 'wrong-key.env'),
      `CODEER_API_KEY=sk-from-the-file-0123456789\nCODEER_BASE_URL=${codeer.url}\nCODEER_AGENT_ID=${codeer.agentId}\n`,
    );
    const set = await runCli(
      ['chat', 'codeer', '--env-file', 'wrong-key.env', 'hi'],
      cleanEnv({ CODEER_API_KEY: codeer.apiKey }),
      dir,
    );
    expect(set.code).toBe(0);
    // Without the variable set, the file's (refused) key is the one used.
    const unset = await runCli(['chat', 'codeer', '--env-file', 'wrong-key.env', 'hi'], cleanEnv(), dir);
    expect(unset.code).toBe(1);
    expect(unset.stderr).not.toContain('sk-from-the-file-0123456789');
  });
});
