import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from './cli-process';

describe('help', () => {
  it.each([
    [['--help']],
    [['chat', '--help']],
    [['aliyun', '--help']],
    [['auth', 'check', '--help']],
    [['miibo', 'group', 'start', '--help']],
  ])('%j prints usage with exit 0', async (args) => {
    const run = await runCli(args, cleanEnv());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/kakehashi/);
  });

  it('no arguments: usage on stdout, exit 2', async () => {
    const run = await runCli([], cleanEnv());
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Usage:');
  });
});

describe('colour', () => {
  it('NO_COLOR wins even when FORCE_COLOR is set: no escape codes, no warning', async () => {
    const run = await runCli(['chat', 'nope', 'x'], { ...cleanEnv(), FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).not.toContain('\x1b[');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
