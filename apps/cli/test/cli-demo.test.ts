import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKakehashiServer, type KakehashiServer } from '@kakehashi/server';
import { startMiiboSimulator, type MiiboSimulator, simulatorEnv } from '@kakehashi/testkit';
import { cleanEnv, runCli } from './cli-process';

describe('kakehashi demo', () => {
  it('walks through every platform on the simulators, with no credentials, and exits 0', async () => {
    const run = await runCli(['demo'], cleanEnv());
    expect(run.stderr).not.toContain('kakehashi:'); // only status lines (steps, tasks) on stderr
    expect(run.code).toBe(0);
    for (const heading of [
      'agenticstar: streamed chat',
      'codeer: streamed chat',
      'miibo: streamed chat',
      'gateway: OpenAI Chat Completions',
      'getRtcAuthToken',
      'miibo agent group',
    ]) {
      expect(run.stdout).toContain(heading);
    }
    expect(run.stdout).toContain('status: completed');
    expect(run.stdout).toMatch(/then \[DONE\]/);
  });
});

describe('kakehashi miibo group start --wait', () => {
  let miibo: MiiboSimulator;
  let server: KakehashiServer;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kakehashi-cli-group-'));
    miibo = await startMiiboSimulator({ adminApiKey: 'cli-group-admin-0001', webhookDelayMs: 200 });
    server = createKakehashiServer({
      host: '127.0.0.1',
      port: 0,
      apiKeys: ['cli-gateway-key-0001'],
      logger: false,
      store: { sqlitePath: join(dir, 'groups.sqlite') },
      env: simulatorEnv({ miibo }),
    });
    ({ url } = await server.listen());
  });

  afterAll(async () => {
    await server?.close(500);
    await miibo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a group through the gateway and prints the result that arrived by webhook', async () => {
    const run = await runCli(
      [
        'miibo',
        'group',
        'start',
        '--utterance',
        '議題を三つ挙げて',
        '--member',
        'a1:member-key-0001',
        '--member',
        'a2:member-key-0002',
        '--wait',
        '--server',
        url,
      ],
      cleanEnv({ KAKEHASHI_API_KEY: 'cli-gateway-key-0001' }),
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { status: string; result: unknown };
    expect(out.status).toBe('completed');
    expect(JSON.stringify(out.result)).toContain('a2');
    expect(run.stdout).not.toContain('member-key-0002');
  });

  it('exits 1 with one line when the gateway refuses the key', async () => {
    const run = await runCli(
      ['miibo', 'group', 'start', '--utterance', 'x', '--member', 'a1:k1', '--server', url],
      cleanEnv({ KAKEHASHI_API_KEY: 'wrong-key' }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/401/);
  });
});
