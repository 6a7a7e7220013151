import type { AgentEvent } from '@kakehashi/sse-core';
import { describe, expect, it } from 'vitest';
import { AnswerRenderer } from '../src/cli-answer-renderer';
import { FakeTerminal, RecordingStream } from './fake-terminal';

const delta = (d: string): AgentEvent => ({ type: 'text-delta', delta: d });
const replace = (text: string): AgentEvent => ({ type: 'text-replace', text });
const finish = (text: string): AgentEvent => ({ type: 'finish', text, reason: 'stop' });
const step = (type: 'step-start' | 'step-end', title: string): AgentEvent => ({
  type,
  id: title,
  kind: 'task',
  title,
  ...(type === 'step-end' ? { status: 'completed' } : {}),
});

function render(renderer: AnswerRenderer, events: AgentEvent[]): void {
  for (const event of events) renderer.handle(event);
  renderer.end();
}

/** Where each status line landed on the shared screen: the text written to stdout just before it. */
function textBeforeEachStatus(term: FakeTerminal): string[] {
  const out: string[] = [];
  let text = '';
  for (const [stream, chunk] of term.log) {
    if (stream === 'out') text += chunk;
    else out.push(text);
  }
  return out;
}

describe('AnswerRenderer on a terminal (stdout and stderr on one screen)', () => {
  it('holds a status line until the answer’s line ends: never inside a word', () => {
    const term = new FakeTerminal(80);
    const r = new AnswerRenderer({ out: term.out, err: term.err });
    render(r, [
      step('step-start', '情報収集'),
      delta('経費精'),
      step('step-start', 'データ分析'), // arrives in the middle of 経費精算
      delta('算の手順'),
      step('step-end', 'データ分析'),
      delta('です。\n1. 領収'),
      delta('書を集める'),
      step('step-end', '情報収集'),
      finish('経費精算の手順です。\n1. 領収書を集める'),
    ]);
    expect(term.out.text()).toBe('経費精算の手順です。\n1. 領収書を集める\n');
    // Each status line was written when stdout stood at a line start (before any text, or after a \n).
    for (const before of textBeforeEachStatus(term)) expect(before === '' || before.endsWith('\n')).toBe(true);
    expect(term.lines()).toEqual([
      '▸ task: 情報収集',
      '経費精算の手順です。',
      '▸ task: データ分析',
      '✓ task: データ分析 (completed)',
      '1. 領収書を集める',
      '✓ task: 情報収集 (completed)',
    ]);
  });

  it('redraws a rewrite in place: the draft is erased, the final text is all the screen shows', () => {
    const term = new FakeTerminal(80);
    const r = new AnswerRenderer({ out: term.out, err: term.err });
    render(r, [
      delta('検索して'),
      replace('検索しています…'),
      replace('東京タワー'),
      delta('がおすすめです。'),
      finish('東京タワーがおすすめです。'),
    ]);
    expect(term.lines()).toEqual(['東京タワーがおすすめです。']);
  });

  it('counts wrapped rows with the terminal’s columns (wide characters take two)', () => {
    // 13 wide characters in 10 columns: 5 per row, so the draft spans 3 rows.
    const term = new FakeTerminal(10);
    term.out.write('prompt\n');
    const r = new AnswerRenderer({ out: term.out, err: term.err });
    const draft = 'あいうえおかきくけこさしす';
    render(r, [delta(draft), replace('短い答え'), finish('短い答え')]);
    expect(term.lines()).toEqual(['prompt', '短い答え']);
    expect(term.out.text()).toContain('\r\x1b[2A\x1b[J');
  });

  it('a wide character that does not fit in the last column wraps whole, and the redraw still reaches the top', () => {
    const term = new FakeTerminal(9); // odd width: each row holds "a" + 4 wide characters
    term.out.write('above\n');
    const r = new AnswerRenderer({ out: term.out, err: term.err });
    render(r, [delta('aあいうえかきくけ'), delta('こ'), replace('b'), finish('b')]);
    expect(term.lines()).toEqual(['above', 'b']);
  });

  it('text ending exactly at the right edge, and a draft with line breaks, are erased whole', () => {
    const term = new FakeTerminal(8);
    term.out.write('above\n');
    const r = new AnswerRenderer({ out: term.out, err: term.err });
    render(r, [delta('12345678'), delta('\nline 2\n'), delta('x'), replace('final'), finish('final')]);
    expect(term.lines()).toEqual(['above', 'final']);
  });

  it('status lines shown inside the answer survive a redraw (written again above the new text)', () => {
    const term = new FakeTerminal(40);
    const r = new AnswerRenderer({ out: term.out, err: term.err });
    render(r, [
      delta('下書き一行目\n'),
      step('step-start', '検索'),
      delta('下書き'),
      replace('清書'),
      finish('清書です'),
    ]);
    expect(term.lines()).toEqual(['▸ task: 検索', '清書です']);
  });

  it('a rewrite taller than the screen is written again below a "revised" line', () => {
    const term = new FakeTerminal(20, 3);
    const r = new AnswerRenderer({ out: term.out, err: term.err });
    render(r, [delta('1\n2\n3\n4\n5'), replace('new'), finish('new')]);
    const lines = term.lines();
    expect(lines.slice(-2)).toEqual(['↻ answer revised', 'new']);
    expect(term.out.text()).not.toContain('\x1b[J');
  });

  it('an extension sent as text-replace is appended, not redrawn', () => {
    const term = new FakeTerminal(80);
    const r = new AnswerRenderer({ out: term.out, err: term.err });
    render(r, [replace('こんに'), replace('こんにちは'), finish('こんにちは')]);
    expect(term.out.text()).toBe('こんにちは\n');
  });

  it('with stderr elsewhere (a log file) status lines are written at once and only the text is redrawn', () => {
    const out = new RecordingStream(true, 80);
    const err = new RecordingStream(false);
    const r = new AnswerRenderer({ out, err });
    render(r, [delta('ab'), step('step-start', 's'), delta('cd'), replace('xy'), finish('xy')]);
    expect(err.text()).toBe('▸ task: s\n');
    expect(out.text()).toBe('ab' + 'cd' + '\r\x1b[J' + 'xy' + '\n');
  });
});

describe('AnswerRenderer into a pipe or a file', () => {
  it('streams the text and writes status lines to stderr at once: stdout is exactly the text and one newline', () => {
    const out = new RecordingStream();
    const err = new RecordingStream();
    const r = new AnswerRenderer({ out, err });
    render(r, [
      delta('経費'),
      step('step-start', 'a'),
      delta('精算'),
      { type: 'title', title: 'T' },
      finish('経費精算'),
    ]);
    expect(out.chunks).toEqual(['経費', '精算', '\n']);
    expect(err.text()).toBe('▸ task: a\n# T\n');
  });

  it('holdText: nothing is written until the end, then only the final text (the draft never reaches stdout)', () => {
    const out = new RecordingStream();
    const err = new RecordingStream();
    const r = new AnswerRenderer({ out, err, holdText: true });
    for (const e of [delta('検索しています…'), replace('答え'), delta('です')]) r.handle(e);
    expect(out.chunks).toEqual([]);
    render(r, [finish('答えです')]);
    expect(out.chunks).toEqual(['答えです\n']);
  });

  it('an empty answer is one newline; a failure before any text writes nothing; a failure after some keeps it', () => {
    const empty = new RecordingStream();
    render(new AnswerRenderer({ out: empty, err: new RecordingStream() }), [finish('')]);
    expect(empty.text()).toBe('\n');

    const none = new RecordingStream();
    render(new AnswerRenderer({ out: none, err: new RecordingStream() }), [
      { type: 'error', message: 'x', retryable: false },
    ]);
    expect(none.text()).toBe('');

    const partial = new RecordingStream();
    render(new AnswerRenderer({ out: partial, err: new RecordingStream(), holdText: true }), [
      delta('途中'),
      { type: 'error', message: 'cut', retryable: true },
    ]);
    expect(partial.text()).toBe('途中\n');
  });

  it('an unannounced rewrite keeps the first version: later deltas of the new text are not written, one warning', () => {
    const out = new RecordingStream();
    const err = new RecordingStream();
    render(new AnswerRenderer({ out, err }), [
      delta('下書き'),
      replace('答え'),
      delta('です'),
      replace('答えです。'),
      delta('以上'),
      finish('答えです。以上'),
    ]);
    expect(out.text()).toBe('下書き\n');
    expect(err.text().match(/rewrote text/g)).toHaveLength(1);
  });

  it('a rewrite that comes back to the text shown resumes streaming from there', () => {
    const out = new RecordingStream();
    const err = new RecordingStream();
    render(new AnswerRenderer({ out, err }), [
      delta('経費'),
      replace('別'),
      replace('経費精算'),
      delta('の手順'),
      finish('経費精算の手順'),
    ]);
    expect(out.text()).toBe('経費精算の手順\n');
  });

  it('a long answer of small deltas is written delta by delta, exactly', () => {
    const out = new RecordingStream();
    const r = new AnswerRenderer({ out, err: new RecordingStream() });
    const pieces = Array.from({ length: 20_000 }, (_, i) => `第${i}項。${i % 50 === 49 ? '\n' : ''}`);
    render(r, [...pieces.map(delta), finish(pieces.join(''))]);
    expect(out.chunks).toHaveLength(pieces.length + 1);
    expect(out.text()).toBe(`${pieces.join('')}\n`);
  });

  it('end() is idempotent and later status lines go straight to stderr', () => {
    const out = new RecordingStream();
    const err = new RecordingStream();
    const r = new AnswerRenderer({ out, err });
    render(r, [delta('a'), finish('a')]);
    r.end();
    r.status('↳ session 1');
    expect(out.text()).toBe('a\n');
    expect(err.text()).toBe('↳ session 1\n');
  });
});
