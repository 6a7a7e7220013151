import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodeerSimulator, type CodeerSimulator } from '@kakehashi/testkit';
import { KAKEHASHI_BIN, cleanEnv } from './cli-process';

// util-linux `script` runs the CLI on a pseudo-terminal, as a person at a terminal would.
const SCRIPT = '/usr/bin/script';

let codeer: CodeerSimulator;
beforeAll(async () => {
  codeer = await startCodeerSimulator();
});
afterAll(async () => {
  await codeer?.close();
});

describe.skipIf(!existsSync(SCRIPT))('interactive chat on a terminal', () => {
  it('keeps the conversation across turns (one Codeer chat for both questions) and ends on an empty line', async () => {
    const env = cleanEnv({
      CODEER_BASE_URL: codeer.url,
      CODEER_API_KEY: codeer.apiKey,
      CODEER_AGENT_ID: codeer.agentId,
    });
    const child = spawn(SCRIPT, ['-qfec', `${KAKEHASHI_BIN} chat codeer`, '/dev/null'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    const prompts = () => screen.split('> ').length - 1;
    const waitForPrompt = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (prompts() >= n ? resolve() : setTimeout(check, 20));
        check();
      });
    child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));

    await waitForPrompt(1);
    child.stdin.write('最初の質問\r');
    await waitForPrompt(2);
    child.stdin.write('二つ目の質問\r');
    await waitForPrompt(3);
    child.stdin.write('\r');
    expect(await closed).toBe(0);

    const created = codeer.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chats'));
    const sent = codeer.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    expect(created).toHaveLength(1);
    expect(sent).toHaveLength(2);
    expect(new Set(sent.map((r) => r.path)).size).toBe(1);
    expect(screen).toContain('営業時間');
  });
});
