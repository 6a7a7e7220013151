import { styleText } from 'node:util';
import type { CliStream } from './cli-context';
import { codePointWidth } from './cli-text-width';

type Style = Parameters<typeof styleText>[0];

/**
 * Whether to colour what goes to `stream`: never with `NO_COLOR`; with `FORCE_COLOR` (other than
 * `0` / `false`) even off a terminal; otherwise only on a terminal.
 */
export function colorFor(stream: CliStream, env: Record<string, string | undefined> = process.env): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return stream.isTTY === true;
}

/** `text` in `style` when `color` is on, else as it is. */
export function paintIf(color: boolean, style: Style, text: string): string {
  return color ? styleText(style, text, { validateStream: false }) : text;
}

/** `text` in `style` when `stream` takes colour (see {@link colorFor}). */
export function paint(style: Style, text: string, stream: CliStream = process.stderr): string {
  return paintIf(colorFor(stream), style, text);
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A spinner on stderr while waiting for the first token; silent when stderr is not a terminal. */
export class Spinner {
  private timer: ReturnType<typeof setInterval> | undefined;
  private frame = 0;
  private drawn = false;
  constructor(
    private readonly label: string,
    private readonly stream: CliStream = process.stderr,
  ) {}

  /** Starts drawing (on a terminal only). */
  start(): this {
    if (!this.stream.isTTY || this.timer) return this;
    const color = colorFor(this.stream);
    this.timer = setInterval(() => {
      this.drawn = true;
      // One row only, whatever the width: a frame that wrapped could not be erased by `\r` and ESC[2K.
      const columns = this.stream.columns !== undefined && this.stream.columns > 0 ? this.stream.columns : 80;
      const label = fitWidth(this.label, columns - 3);
      this.stream.write(
        `\r${paintIf(color, 'cyan', FRAMES[this.frame++ % FRAMES.length]!)}${label ? ` ${paintIf(color, 'dim', label)}` : ''}`,
      );
    }, 80);
    this.timer.unref();
    return this;
  }

  /** Whether it is running. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Erases the frame drawn (if any) so a line can be written where it was; keeps running. */
  clear(): void {
    if (!this.drawn) return;
    this.drawn = false;
    this.stream.write('\r\x1b[2K');
  }

  /** Stops and erases it. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }
}

/** `text` cut to at most `columns` terminal columns. */
function fitWidth(text: string, columns: number): string {
  let width = 0;
  let out = '';
  for (const ch of text) {
    width += codePointWidth(ch.codePointAt(0)!);
    if (width > columns) return out;
    out += ch;
  }
  return out;
}
