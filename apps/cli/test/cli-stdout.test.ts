import { existsSync } from 'node:fs';
import {
  type AgenticStarSimulator,
  type CodeerSimulator,
  type MiiboSimulator,
  startAgenticStarSimulator,
  startCodeerSimulator,
  startMiiboSimulator,
  simulatorEnv,
} from '@kakehashi/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTerminal } from './fake-terminal';
import { type CliRun, cleanEnv, runCli, runCliOnTerminal, runCliToFile, SCRIPT } from './cli-process';

// The stdout contract: whatever else is shown, stdout holds exactly the final answer and one newline.
// Each platform is scripted to show something besides the text: AgenticStar tasks in the middle of
// the answer, Codeer reasoning steps, a miibo draft that the answer then rewrites.
const ANSWER = {
  agenticstar: '経費精算の手順です。\n1. 領収書を集める\n2. 精算システムで申請する',
  codeer: '締め日は毎月25日です。\n支払いは翌月10日です。',
  miibo: '東京タワーと浅草寺がおすすめです。',
} as const;
type Platform = keyof typeof ANSWER;
/** What miibo streams first and then rewrites: long enough to wrap over several rows of a narrow terminal. */
const MIIBO_DRAFT = '下書き：東京の観光地を調べています。少々お待ちください。';

let agenticstar: AgenticStarSimulator;
let codeer: CodeerSimulator;
let miibo: MiiboSimulator;
let env: Record<Platform, NodeJS.ProcessEnv>;

beforeAll(async () => {
  agenticstar = await startAgenticStarSimulator({ answer: ANSWER.agenticstar });
  codeer = await startCodeerSimulator({
    answer: ANSWER.codeer,
    deltaSize: 3,
    steps: [
      { type: 'consultant_retrieve_context_source', content: 'ナレッジベースを検索中' },
      { type: 'consultant_search_web', content: 'ウェブを検索中' },
    ],
  });
  miibo = await startMiiboSimulator({
    apiKey: 'cli-stdout-miibo-key-0001',
    agentId: 'cli-agent',
    // Growing snapshots of a draft, then the answer, which does not extend it: a rewrite (text-replace).
    snapshots: [MIIBO_DRAFT.slice(0, 10), MIIBO_DRAFT, ANSWER.miibo.slice(0, 5), ANSWER.miibo],
  });
  env = {
    agenticstar: cleanEnv(simulatorEnv({ agenticstar })),
    codeer: cleanEnv(simulatorEnv({ codeer })),
    miibo: cleanEnv(simulatorEnv({ miibo })),
  };
});

afterAll(async () => {
  await Promise.all([agenticstar?.close(), codeer?.close(), miibo?.close()]);
});

/** What each platform shows besides the text, on stderr. */
function expectShownBesides(platform: Platform, run: CliRun): void {
  if (platform === 'agenticstar') expect(run.stderr).toMatch(/▸ task: データ分析\n✓ task: データ分析 \(completed\)/);
  if (platform === 'codeer') expect(run.stderr).toMatch(/ナレッジベースを検索中[\s\S]*ウェブを検索中/);
  expect(run.stderr).not.toContain('kakehashi:');
}

describe.each(['agenticstar', 'codeer', 'miibo'] as const)(
  'kakehashi chat %s: stdout is the answer only',
  (platform) => {
    it('redirected to a file', async () => {
      const run = await runCliToFile(['chat', platform, '質問です'], env[platform]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${ANSWER[platform]}\n`);
      expectShownBesides(platform, run);
    });

    it('into a pipe', async () => {
      const run = await runCli(['chat', platform, '質問です'], env[platform]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${ANSWER[platform]}\n`);
      expectShownBesides(platform, run);
    });
  },
);

describe('miibo: the rewrite really happens', () => {
  it('the stream carries the draft and a text-replace; stdout never sees the draft', async () => {
    const json = await runCli(['chat', 'miibo', '--json', '質問です'], env.miibo);
    expect(json.stdout).toContain('下書き');
    expect(json.stdout).toContain('"type":"text-replace"');
    const text = await runCli(['chat', 'miibo', '質問です'], env.miibo);
    expect(text.stdout).not.toContain('下書き');
  });
});

describe.skipIf(!existsSync(SCRIPT))('on a terminal (a pseudo-terminal)', () => {
  /** The screen's rows that are not status lines. */
  const answerRows = (term: FakeTerminal) => term.lines().filter((line) => !/^[▸✓↳#]/.test(line));

  it('agenticstar: a task that arrives in the middle of a line waits for the line to end', async () => {
    // One line of answer: the simulator's second task comes halfway through it.
    const line = '経費精算の手順は、領収書を集めてから精算システムで申請することです。';
    agenticstar.configure({ answer: line });
    try {
      const { code, screen } = await runCliOnTerminal(['chat', 'agenticstar', '質問です'], env.agenticstar, 100);
      expect(code).toBe(0);
      const term = new FakeTerminal(100);
      term.out.write(screen);
      expect(answerRows(term)).toEqual([line]);
      const rows = term.lines();
      expect(rows.indexOf('▸ task: データ分析')).toBeGreaterThan(rows.indexOf(line));
    } finally {
      agenticstar.configure({ answer: undefined });
    }
  });

  it('miibo: the draft is shown, then erased and replaced by the answer', async () => {
    // 16 columns: the draft wraps over four rows, which the redraw has to count and erase. (--uid: a session
    // given is not announced again, so the screen holds the answer alone.)
    const { code, screen } = await runCliOnTerminal(['chat', 'miibo', '--uid', 'tty-user', '質問です'], env.miibo, 16);
    expect(code).toBe(0);
    expect(screen).toContain('下書き');
    const term = new FakeTerminal(16);
    term.out.write(screen);
    expect(answerRows(term).join('')).toBe(ANSWER.miibo);
    expect(term.lines().join('\n')).not.toContain('下書き');
  });
});
