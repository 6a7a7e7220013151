import type { CliStream } from '../src/index';

/**
 * Columns a character takes on the fake screen: two for the CJK blocks the tests write (kana, kanji,
 * fullwidth punctuation), one otherwise. Written apart from the CLI's own width table on purpose.
 */
function cellWidth(ch: string): number {
  const cp = ch.codePointAt(0)!;
  return (cp >= 0x3000 && cp <= 0x9fff) || (cp >= 0xff00 && cp <= 0xff60) ? 2 : 1;
}

/** A stream that records what is written to it, and may pretend to be a terminal. */
export class RecordingStream implements CliStream {
  readonly chunks: string[] = [];
  constructor(
    readonly isTTY = false,
    readonly columns?: number,
    readonly rows?: number,
    private readonly onWrite?: (chunk: string) => void,
  ) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    this.onWrite?.(chunk);
    return true;
  }
  text(): string {
    return this.chunks.join('');
  }
}

/**
 * A small terminal emulator: stdout and stderr share one screen `columns` wide, with the behaviour
 * the CLI relies on (wide characters take two cells and wrap whole; text that reaches the right edge
 * wraps only when the next character comes; `\n` moves to the next row's first column; `\r`, cursor
 * up `ESC[nA`, erase below `ESC[J` and erase line `ESC[2K`). SGR colour codes are ignored. The
 * screen never scrolls off: rows are kept, so tests can read the whole history.
 */
export class FakeTerminal {
  readonly out: RecordingStream;
  readonly err: RecordingStream;
  /** Every write to either stream, in order, as `[stream, chunk]`. */
  readonly log: ['out' | 'err', string][] = [];
  private screen: string[][] = [[]];
  private row = 0;
  private col = 0;
  private pendingWrap = false;

  constructor(
    readonly columns: number,
    readonly rows?: number,
  ) {
    this.out = new RecordingStream(true, columns, rows, (c) => this.feed('out', c));
    this.err = new RecordingStream(true, columns, rows, (c) => this.feed('err', c));
  }

  /** The screen's rows, trailing blanks trimmed, empty trailing rows dropped. */
  lines(): string[] {
    const lines = this.screen.map((cells) => cells.join('').replace(/\s+$/, ''));
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return lines;
  }

  private line(): string[] {
    while (this.screen.length <= this.row) this.screen.push([]);
    return this.screen[this.row]!;
  }

  private feed(stream: 'out' | 'err', chunk: string): void {
    this.log.push([stream, chunk]);
    let i = 0;
    while (i < chunk.length) {
      const ch = chunk[i]!;
      if (ch === '\x1b' && chunk[i + 1] === '[') {
        // ESC [ parameters (digits and ;) then one letter: the command.
        let end = i + 2;
        while (/[0-9;]/.test(chunk[end] ?? '')) end++;
        this.csi(chunk.slice(i + 2, end), chunk[end] ?? '');
        i = end + 1;
        continue;
      }
      const cp = chunk.codePointAt(i)!;
      const char = String.fromCodePoint(cp);
      i += char.length;
      if (char === '\n') {
        this.row++;
        this.col = 0;
        this.pendingWrap = false;
        this.line();
      } else if (char === '\r') {
        this.col = 0;
        this.pendingWrap = false;
      } else {
        this.put(char);
      }
    }
  }

  private put(char: string): void {
    const w = cellWidth(char);
    if (this.pendingWrap || this.col + w > this.columns) {
      this.row++;
      this.col = 0;
      this.pendingWrap = false;
    }
    const cells = this.line();
    while (cells.length < this.col) cells.push(' ');
    cells[this.col] = char;
    if (w === 2) cells[this.col + 1] = '';
    this.col += w;
    if (this.col >= this.columns) {
      this.col = this.columns - 1;
      this.pendingWrap = true;
    }
  }

  private csi(params: string, command: string): void {
    const n = params === '' ? 1 : Number(params.split(';')[0]);
    switch (command) {
      case 'A':
        this.row = Math.max(0, this.row - n);
        this.pendingWrap = false;
        break;
      case 'J':
        this.screen[this.row] = this.line().slice(0, this.col);
        this.screen.length = this.row + 1;
        break;
      case 'K':
        if (params === '2') this.screen[this.row] = [];
        break;
      default:
        break; // colours (m) and the rest change nothing the tests read
    }
  }
}
