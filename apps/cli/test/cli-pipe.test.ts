import { spawn } from 'node:child_process';
import { type CodeerSimulator, startCodeerSimulator, simulatorEnv } from '@kakehashi/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, KAKEHASHI_BIN } from './cli-process';

// `kakehashi chat … | head -1`: once the reader has gone, the CLI cancels the turn (the platform
// sees its connection closed, long before the answer would have ended) and exits 0 without a word.
const LINES = Array.from({ length: 40 }, (_, i) => `${i + 1}行目の回答です。`);
let codeer: CodeerSimulator;
beforeAll(async () => {
  // 40 lines in deltas of 6 characters, 30 ms apart: several seconds of answer, if it were read to the end.
  codeer = await startCodeerSimulator({ answer: LINES.join('\n'), eventDelayMs: 30 });
});
afterAll(async () => {
  await codeer?.close();
});

/** Runs `<kakehashi args> | head -1` in bash with pipefail: the status is kakehashi's unless head failed. */
async function throughHead(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = cleanEnv(simulatorEnv({ codeer }));
  const child = spawn('bash', ['-c', 'set -o pipefail; "$@" | head -1', 'bash', KAKEHASHI_BIN, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

describe.each([
  ['text', [] as string[], (line: string) => expect(line).toBe(`${LINES[0]}\n`)],
  ['--json', ['--json'], (line: string) => expect(JSON.parse(line)).toMatchObject({ type: 'start' })],
])('kakehashi chat codeer %s | head -1', (_, flags, checkLine) => {
  it('exits 0 quietly and closes the platform’s connection at once', async () => {
    const before = codeer.requests.length;
    const run = await throughHead(['chat', 'codeer', ...flags, '質問です']);
    checkLine(run.stdout);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/EPIPE|Error|at .*\.js|kakehashi:/);
    const streamed = codeer.requests.slice(before).find((r) => r.method === 'POST' && r.path.endsWith('/messages'))!;
    expect(await streamed.closed).toEqual({ byClient: true });
  });
});
