import { styleText } from 'node:util';
import type { AgentEvent } from '@kakehashi/sse-core';

type Style = Parameters<typeof styleText>[0];

/**
 * Colour only on a terminal and never with NO_COLOR. NO_COLOR is checked first, because Node lets
 * FORCE_COLOR override it (and warns); styleText then checks the stream is a TTY.
 */
export function paint(style: Style, text: string, stream: NodeJS.WriteStream = process.stderr): string {
  if (process.env.NO_COLOR) return text;
  return styleText(style, text, { stream });
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A spinner on stderr while waiting for the first token; silent when stderr is not a terminal. */
export class Spinner {
  private timer: ReturnType<typeof setInterval> | undefined;
  private frame = 0;
  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  start(): this {
    if (!this.stream.isTTY || this.timer) return this;
    this.timer = setInterval(() => {
      this.stream.write(
        `\r${paint('cyan', FRAMES[this.frame++ % FRAMES.length]!, this.stream)} ${paint('dim', this.label, this.stream)}`,
      );
    }, 80);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.stream.write('\r\x1b[2K');
  }
}

/** Renders an agent stream as text on stdout (answer) and dim status lines on stderr (steps, title). */
export class TextRenderer {
  private text = '';
  private atLineStart = true;
  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WriteStream = process.stderr,
  ) {}

  private status(line: string): void {
    if (!this.atLineStart) this.out.write('\n');
    this.atLineStart = true;
    this.err.write(`${paint('dim', line, this.err)}\n`);
  }

  private write(chunk: string): void {
    if (!chunk) return;
    this.out.write(chunk);
    this.atLineStart = chunk.endsWith('\n');
  }

  /** Handles one event; returns the text so far. */
  handle(event: AgentEvent): void {
    switch (event.type) {
      case 'text-delta':
        this.text += event.delta;
        this.write(event.delta);
        break;
      case 'text-replace': {
        // A terminal cannot unprint: show the rewrite from where it departs from what was printed.
        const common = commonPrefixLength(this.text, event.text);
        if (common < this.text.length) this.status(`↻ answer revised`);
        this.write(common < this.text.length ? event.text : event.text.slice(common));
        this.text = event.text;
        break;
      }
      case 'step-start':
        this.status(`▸ ${event.kind}: ${event.title ?? event.id}`);
        break;
      case 'step-end':
        this.status(`✓ ${event.kind}: ${event.title ?? event.id}${event.status ? ` (${event.status})` : ''}`);
        break;
      case 'title':
        this.status(`# ${event.title}`);
        break;
      case 'finish':
        if (!this.text && event.text) this.write(event.text);
        break;
      default:
        break;
    }
  }

  /** Ends the answer with a newline. */
  end(): void {
    this.out.write('\n');
    this.atLineStart = true;
  }
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
