import { afterEach, describe, expect, it, vi } from 'vitest';
import { colorFor, Spinner } from '../src/cli-output';
import { FakeTerminal, RecordingStream } from './fake-terminal';

afterEach(() => {
  vi.useRealTimers();
});

describe('Spinner', () => {
  it('draws on one row even on a narrow terminal, and stop() leaves the row empty', () => {
    vi.useFakeTimers();
    const term = new FakeTerminal(12);
    const spinner = new Spinner('codeer is thinking…', term.err).start();
    vi.advanceTimersToNextTimer();
    vi.advanceTimersToNextTimer();
    expect(term.lines()).toHaveLength(1);
    expect(term.lines()[0]!.length).toBeLessThan(12);
    spinner.stop();
    expect(term.lines()).toEqual([]);
  });

  it('clear() erases the frame for a status line and keeps spinning on the next row', () => {
    vi.useFakeTimers();
    const term = new FakeTerminal(40);
    const spinner = new Spinner('miibo is thinking…', term.err).start();
    vi.advanceTimersToNextTimer();
    spinner.clear();
    term.err.write('▸ task: 検索\n');
    vi.advanceTimersToNextTimer();
    expect(spinner.running).toBe(true);
    spinner.stop();
    expect(term.lines()).toEqual(['▸ task: 検索']);
  });

  it('writes nothing when stderr is not a terminal', () => {
    vi.useFakeTimers();
    const err = new RecordingStream(false);
    const spinner = new Spinner('x', err).start();
    vi.advanceTimersToNextTimer();
    spinner.stop();
    expect(err.chunks).toEqual([]);
    expect(spinner.running).toBe(false);
  });
});

describe('colorFor', () => {
  it('colour on a terminal only; NO_COLOR always wins; FORCE_COLOR forces it elsewhere', () => {
    const tty = new RecordingStream(true);
    const pipe = new RecordingStream(false);
    expect(colorFor(tty, {})).toBe(true);
    expect(colorFor(pipe, {})).toBe(false);
    expect(colorFor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorFor(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorFor(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorFor(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
  });
});
