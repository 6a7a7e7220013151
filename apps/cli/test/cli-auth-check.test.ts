import { createEchoPlatform, defaultPlatforms } from '@kakehashi/platforms';
import type { AgentPlatformCheckOptions } from '@kakehashi/sse-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptedPlatform } from './contract-platforms';
import { runMain } from './run-main';
import {
  startAgenticStarSimulator,
  startAliyunIceSimulator,
  startCodeerSimulator,
  startMiiboSimulator,
  type AgenticStarSimulator,
  type AliyunIceSimulator,
  type CodeerSimulator,
  type MiiboSimulator,
  simulatorEnv,
} from '@kakehashi/testkit';
import { cleanEnv, runCli } from './cli-process';

let agenticstar: AgenticStarSimulator;
let codeer: CodeerSimulator;
let miibo: MiiboSimulator;
let ice: AliyunIceSimulator;
const MIIBO_KEY = 'auth-check-miibo-key-0001';

beforeAll(async () => {
  [agenticstar, codeer, miibo, ice] = await Promise.all([
    startAgenticStarSimulator(),
    startCodeerSimulator(),
    startMiiboSimulator({ apiKey: MIIBO_KEY, agentId: 'auth-agent' }),
    startAliyunIceSimulator(),
  ]);
});
afterAll(async () => {
  await Promise.all([agenticstar?.close(), codeer?.close(), miibo?.close(), ice?.close()]);
});

function envs(): Record<string, { env: NodeJS.ProcessEnv; secret: string }> {
  return {
    agenticstar: {
      env: cleanEnv(simulatorEnv({ agenticstar })),
      secret: agenticstar.clientSecret,
    },
    codeer: {
      env: cleanEnv(simulatorEnv({ codeer })),
      secret: codeer.apiKey,
    },
    miibo: {
      env: cleanEnv(simulatorEnv({ miibo })),
      secret: MIIBO_KEY,
    },
    aliyun: {
      env: cleanEnv(simulatorEnv({ ice })),
      secret: ice.accessKeySecret,
    },
  };
}

describe.each(['agenticstar', 'codeer', 'miibo', 'aliyun'])('kakehashi auth check %s', (provider) => {
  it('proves the credentials work and never prints the secret', async () => {
    const { env, secret } = envs()[provider]!;
    const run = await runCli(['auth', 'check', provider], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${provider} credentials work`);
    expect(run.stdout + run.stderr).not.toContain(secret);
  });
});

describe('kakehashi auth check failures', () => {
  it('exits 1 with one line for a refused key, without the key', async () => {
    const { env } = envs().codeer!;
    const run = await runCli(['auth', 'check', 'codeer'], { ...env, CODEER_API_KEY: 'sk-refused-key-0123456789' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toContain('sk-refused-key-0123456789');
  });

  it('exits 1 when the AccessKey secret is wrong (signature refused)', async () => {
    const { env } = envs().aliyun!;
    const run = await runCli(['auth', 'check', 'aliyun'], {
      ...env,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'wrong-secret-0123456789',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain('wrong-secret-0123456789');
  });

  it('exits 2 naming the missing variable', async () => {
    const run = await runCli(
      ['auth', 'check', 'miibo'],
      cleanEnv({ MIIBO_BASE_URL: miibo.url, MIIBO_AGENT_ID: 'auth-agent' }),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('MIIBO_API_KEY');
  });
});

describe('kakehashi auth check through the registry', () => {
  it('calls the platform’s own checkCredentials with the variables given, and prints its detail', async () => {
    const { platform } = scriptedPlatform({ name: 'needy' });
    const calls: AgentPlatformCheckOptions[] = [];
    const env = { NO_COLOR: '1', NEEDY_API_KEY: 'needy-secret-key-0123456789' };
    const platforms = defaultPlatforms.with({
      ...platform,
      async checkCredentials(options = {}) {
        calls.push(options);
        return { detail: 'key …6789, all good' };
      },
    });
    const r = await runMain(['auth', 'check', 'needy'], { platforms, env });
    expect(r).toEqual({ code: 0, stdout: '✓ needy credentials work (key …6789, all good)\n', stderr: '' });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.settings).toEqual({ env });
    expect(calls[0]!.signal).toBeInstanceOf(AbortSignal);
  });

  it('a platform without checkCredentials says so: exit 2, one line', async () => {
    const platforms = defaultPlatforms.with(createEchoPlatform());
    const r = await runMain(['auth', 'check', 'echo'], { platforms, env: { NO_COLOR: '1' } });
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'kakehashi: echo has no credentials check (see --help)\n',
    });
  });

  it('the usage line and the help list the registered platforms; an unknown one is a usage error', async () => {
    const platforms = defaultPlatforms.with(createEchoPlatform());
    const usage = await runMain(['auth', 'check'], { platforms, env: {} });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('kakehashi auth check <agenticstar|codeer|miibo|echo|aliyun>');
    const help = await runMain(['auth', '--help'], { platforms, env: {} });
    expect(help.stdout).toMatch(/^kakehashi auth check <agenticstar\|codeer\|miibo\|echo\|aliyun>/);
    const unknown = await runMain(['auth', 'check', 'nope'], { platforms, env: {} });
    expect(unknown).toMatchObject({
      code: 2,
      stderr: 'kakehashi: unknown platform "nope" for auth check (see --help)\n',
    });
  });

  it('codeer: the SDK’s check reads the variables given to main, not process.env', async () => {
    const { env } = envs().codeer!;
    const r = await runMain(['auth', 'check', 'codeer'], { env: { ...env } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ codeer credentials work \(key .*, \d+ agent\(s\) visible\)\n$/);
  });
});
