import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAgentEvent, type AgentEvent } from '@kakehashi/sse-core';
import {
  startAgenticStarSimulator,
  startCodeerSimulator,
  startMiiboSimulator,
  type AgenticStarSimulator,
  type CodeerSimulator,
  type MiiboSimulator,
  simulatorEnv,
} from '@kakehashi/testkit';
import { cleanEnv, runCli, startCli } from './cli-process';

let agenticstar: AgenticStarSimulator;
let codeer: CodeerSimulator;
let miibo: MiiboSimulator;
let env: Record<string, NodeJS.ProcessEnv>;

beforeAll(async () => {
  agenticstar = await startAgenticStarSimulator({ heartbeatIntervalMs: 50 });
  codeer = await startCodeerSimulator();
  miibo = await startMiiboSimulator({ apiKey: 'cli-test-miibo-key-0001', agentId: 'cli-agent' });
  env = {
    agenticstar: cleanEnv(simulatorEnv({ agenticstar })),
    codeer: cleanEnv(simulatorEnv({ codeer })),
    miibo: cleanEnv(simulatorEnv({ miibo })),
  };
});

afterAll(async () => {
  await Promise.all([agenticstar?.close(), codeer?.close(), miibo?.close()]);
});

describe.each(['agenticstar', 'codeer', 'miibo'] as const)('kakehashi chat %s', (provider) => {
  it('streams the answer text to stdout, ends it with a newline and exits 0', async () => {
    const run = await runCli(['chat', provider, 'こんにちは', '世界'], env[provider]!);
    expect(run.code).toBe(0);
    // stderr carries only dim status lines (steps, tasks, title), never an error line.
    expect(run.stderr).not.toContain('kakehashi:');
    if (provider === 'agenticstar') expect(run.stderr).toMatch(/▸ task: .+\n[\s\S]*✓ task: .+\(completed\)/);
    expect(run.stdout.endsWith('\n')).toBe(true);
    expect(run.stdout.trim().length).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/[\u3040-\u30ff\u4e00-\u9faf]/); // Japanese answer text
  });

  it('--json prints one AgentEvent per line whose text events add up to finish.text', async () => {
    const run = await runCli(['chat', provider, '--json', '日本語で答えて'], env[provider]!);
    expect(run.code).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AgentEvent);
    expect(events[0]!.type).toBe('start');
    const finish = events.at(-1)!;
    expect(finish.type).toBe('finish');
    expect(events.reduce(applyAgentEvent, '')).toBe((finish as Extract<AgentEvent, { type: 'finish' }>).text);
  });
});

describe('exit statuses', () => {
  it('2 and names the missing variable when a credential is not configured', async () => {
    const run = await runCli(
      ['chat', 'codeer', 'hi'],
      cleanEnv({ CODEER_BASE_URL: codeer.url, CODEER_AGENT_ID: codeer.agentId }),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CODEER_API_KEY');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('2 for bad usage: an unknown platform, an unknown flag', async () => {
    expect((await runCli(['chat', 'chatgpt', 'hi'], cleanEnv())).code).toBe(2);
    const flag = await runCli(['chat', 'codeer', '--nope', 'hi'], cleanEnv());
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--nope/);
  });

  it('1 with one clear line when the platform fails, and no secret in it', async () => {
    const run = await runCli(['chat', 'codeer', 'hi'], {
      ...env.codeer,
      CODEER_API_KEY: 'sk-cli-wrong-key-0123456789',
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/codeer/i);
    expect(run.stderr).not.toContain('sk-cli-wrong-key-0123456789');
  });

  it('reads configuration from a .env file in the working directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakehashi-cli-'));
    writeFileSync(
      join(dir, '.env'),
      `CODEER_BASE_URL=${codeer.url}\nCODEER_API_KEY=${codeer.apiKey}\nCODEER_AGENT_ID=${codeer.agentId}\n`,
    );
    const run = await runCli(['chat', 'codeer', 'hi'], cleanEnv(), dir);
    expect(run.code).toBe(0);
  });
});

describe('Ctrl-C', () => {
  it('cancels the request: the platform sees its connection closed, exit status 130', async () => {
    agenticstar.stall({ afterEvents: 2 });
    try {
      const cli = startCli(['chat', 'agenticstar', '--json', '止まる質問'], env.agenticstar!);
      const before = agenticstar.chatRequests.length;
      await agenticstar.waitForRequests(agenticstar.requests.length + 1);
      await new Promise<void>((resolve) => {
        const check = () => (cli.stdout().includes('"start"') ? resolve() : setTimeout(check, 20));
        check();
      });
      cli.child.kill('SIGINT');
      const run = await cli.done;
      expect(run.code).toBe(130);
      expect(run.stderr).toContain('cancelled');
      const request = agenticstar.chatRequests[before]!;
      expect(await request.closed).toEqual({ byClient: true });
    } finally {
      agenticstar.clearFaults();
    }
  });

  it('cancels a text-mode answer half shown: the connection closes, stdout keeps what arrived', async () => {
    codeer.stall({ afterEvents: 6 });
    try {
      const before = codeer.requests.length;
      const cli = startCli(['chat', 'codeer', '止まる質問'], env.codeer!);
      await new Promise<void>((resolve) => {
        const check = () => (cli.stdout().length > 0 ? resolve() : setTimeout(check, 20));
        check();
      });
      cli.child.kill('SIGINT');
      const run = await cli.done;
      expect(run.code).toBe(130);
      expect(run.stderr).toContain('kakehashi: cancelled');
      expect(run.stdout.endsWith('\n')).toBe(true);
      const streamed = codeer.requests.slice(before).find((r) => r.method === 'POST' && r.path.endsWith('/messages'))!;
      expect(await streamed.closed).toEqual({ byClient: true });
    } finally {
      codeer.clearFaults();
    }
  });
});
