import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CodeerSimulator, startCodeerSimulator, simulatorEnv } from '@kakehashi/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, KAKEHASHI_BIN, SCRIPT } from './cli-process';

const ANSWER = '営業時間は平日の9時から18時までです。';
let codeer: CodeerSimulator;
const dir = mkdtempSync(join(tmpdir(), 'kakehashi-cli-interactive-'));
beforeAll(async () => {
  codeer = await startCodeerSimulator({ answer: ANSWER });
});
afterAll(async () => {
  await codeer?.close();
  rmSync(dir, { recursive: true, force: true });
});

const CTRL_C = '\x03';

/**
 * `kakehashi chat codeer` on a pseudo-terminal (util-linux `script`), as a person at a terminal
 * would run it; `shell` is the command line after `kakehashi` (it may redirect stdout).
 */
function session(shell: string) {
  const env = cleanEnv(simulatorEnv({ codeer }));
  const child = spawn(SCRIPT, ['-qfec', `${KAKEHASHI_BIN} ${shell}`, '/dev/null'], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const waitFor = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => (done() ? resolve() : setTimeout(check, 20));
      check();
    });
  return {
    closed,
    screen: () => screen,
    type: (keys: string) => child.stdin.write(keys),
    /** Waits until the screen shows the `n`th prompt. */
    prompt: (n: number) => waitFor(() => screen.split('> ').length - 1 >= n),
    waitFor,
  };
}

/** The streamed answers (POST …/messages) sent since request `from`. */
const messagesSince = (from: number) =>
  codeer.requests.slice(from).filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
const chatsSince = (from: number) =>
  codeer.requests.slice(from).filter((r) => r.method === 'POST' && r.path.endsWith('/chats'));

describe.skipIf(!existsSync(SCRIPT))('interactive chat on a terminal', () => {
  it('keeps the conversation across turns (one Codeer chat for both questions) and ends on an empty line', async () => {
    const from = codeer.requests.length;
    const s = session('chat codeer');
    await s.prompt(1);
    s.type('最初の質問\r');
    await s.prompt(2);
    s.type('二つ目の質問\r');
    await s.prompt(3);
    s.type('\r');
    expect(await s.closed).toBe(0);
    expect(chatsSince(from)).toHaveLength(1);
    const sent = messagesSince(from);
    expect(sent).toHaveLength(2);
    expect(new Set(sent.map((r) => r.path)).size).toBe(1);
    expect(s.screen()).toContain('営業時間');
  });

  it.each([
    ['on the terminal', 'chat codeer', undefined],
    ['with stdout redirected to a file', 'chat codeer > answers.txt', 'answers.txt'],
  ])(
    'Ctrl-C during an answer cancels it (connection closed) and the session goes on in the same chat, %s',
    async (_, shell, file) => {
      const from = codeer.requests.length;
      codeer.stall({ afterEvents: 4 }); // the first answer stops half way and never ends
      const s = session(file === undefined ? shell : `${shell.replace(file, join(dir, file))}`);
      await s.prompt(1);
      s.type('止まる質問\r');
      await s.waitFor(() => messagesSince(from).length === 1);
      s.type(CTRL_C);
      expect(await messagesSince(from)[0]!.closed).toEqual({ byClient: true });
      await s.prompt(2);
      expect(s.screen()).toContain('↳ answer cancelled');
      s.type('続きの質問\r');
      await s.prompt(3);
      s.type('\r');
      expect(await s.closed).toBe(0);
      // One chat: the second question went to the chat the cancelled one started.
      expect(chatsSince(from)).toHaveLength(1);
      const sent = messagesSince(from);
      expect(sent).toHaveLength(2);
      expect(sent[1]!.path).toBe(sent[0]!.path);
      const answers = file === undefined ? s.screen() : readFileSync(join(dir, file), 'utf8');
      expect(answers).toContain(ANSWER);
      if (file !== undefined) expect(answers.endsWith(`${ANSWER}\n`)).toBe(true);
    },
  );

  it('Ctrl-C at an empty prompt ends the session with exit status 130', async () => {
    const s = session('chat codeer');
    await s.prompt(1);
    s.type(CTRL_C);
    expect(await s.closed).toBe(130);
    expect(s.screen()).toContain('kakehashi: cancelled');
  });

  it('Ctrl-C on a line being typed clears it and prompts again; nothing is sent', async () => {
    const from = codeer.requests.length;
    const s = session('chat codeer');
    await s.prompt(1);
    s.type('書きかけ');
    await s.waitFor(() => s.screen().includes('書きかけ'));
    s.type(CTRL_C);
    await s.prompt(2);
    s.type('\r');
    expect(await s.closed).toBe(0);
    expect(messagesSince(from)).toHaveLength(0);
  });

  it('Ctrl-C twice during an answer exits 130, the connection closed', async () => {
    const from = codeer.requests.length;
    codeer.stall({ afterEvents: 4 });
    const s = session('chat codeer');
    await s.prompt(1);
    s.type('止まる質問\r');
    await s.waitFor(() => messagesSince(from).length === 1);
    s.type(CTRL_C + CTRL_C);
    expect(await s.closed).toBe(130);
    expect(await messagesSince(from)[0]!.closed).toEqual({ byClient: true });
  });
});
