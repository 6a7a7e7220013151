import type { AgentEvent } from '@kakehashi/sse-core';
import type { CliStream } from './cli-context';
import { paintIf, type Spinner } from './cli-output';
import { screenRows } from './cli-text-width';

/** Options of {@link AnswerRenderer}. */
export interface AnswerRendererOptions {
  /** Where the answer goes (stdout). Only the answer and its final newline are ever written here, plus redraws on a terminal. */
  out: CliStream;
  /** Where status lines go (stderr). */
  err: CliStream;
  /**
   * Hold the text until the turn ends and write it once. For an `out` that cannot take text back
   * (a pipe or a file) when the platform may rewrite what it streamed (`ChatAgent.rewritesText`).
   */
  holdText?: boolean;
  /** Colour the status lines. Default false. */
  color?: boolean;
  /** The waiting spinner on `err`: stopped by the first text, cleared for status lines. */
  spinner?: Spinner;
}

/**
 * Shows an agent's answer. The text goes to `out` as it arrives (or, with `holdText`, at the end),
 * steps and titles go to `err` as dim status lines, and `out` ends up holding exactly the final text
 * and one newline.
 *
 * On a terminal (`out.isTTY`), when `err` shares the screen (`err.isTTY`), a status line that arrives
 * while the answer's current line is open waits for that line to end (or for the answer to end), so it
 * never lands inside a word; and a rewrite (a `text-replace` that does not extend the text shown) is
 * redrawn in place: the rows shown so far are erased, counted with `out.columns` (wide characters
 * take two columns), and the new text is written. A rewrite taller than `out.rows` cannot be erased
 * and is written again below a "revised" line instead.
 */
export class AnswerRenderer {
  private readonly out: CliStream;
  private readonly err: CliStream;
  private readonly hold: boolean;
  private readonly color: boolean;
  private readonly spinner: Spinner | undefined;
  private readonly terminal: boolean;
  private readonly sameScreen: boolean;
  /** The answer so far (every text event applied). */
  private text = '';
  /** The answer text `out` shows now. */
  private shown = '';
  /**
   * `shown` is the whole text and deltas go straight to `out`: a delta is then written as it is,
   * without comparing the text so far (which would make a long answer quadratic).
   */
  private live: boolean;
  /** The last character written to `out` is not a newline (the answer's current line is open). */
  private open = false;
  /** Terminal: everything on the screen since the answer's first character (text and the status lines among it). */
  private region = '';
  /** The status lines inside {@link region}, in order (a redraw writes them again). */
  private regionStatuses: string[] = [];
  /** Status lines waiting for the answer's line to end. */
  private held: string[] = [];
  private finished = false;
  private ended = false;
  private warned = false;

  constructor(options: AnswerRendererOptions) {
    this.out = options.out;
    this.err = options.err;
    this.hold = options.holdText ?? false;
    this.color = options.color ?? false;
    this.spinner = options.spinner;
    this.terminal = this.out.isTTY === true;
    this.sameScreen = this.terminal && this.err.isTTY === true;
    this.live = !this.hold;
  }

  /** The answer so far. */
  get answer(): string {
    return this.text;
  }

  /** Shows one event. */
  handle(event: AgentEvent): void {
    switch (event.type) {
      case 'text-delta':
        this.text += event.delta;
        if (this.live) this.append(event.delta);
        else this.sync();
        break;
      case 'text-replace':
        this.text = event.text;
        this.sync();
        break;
      case 'finish':
        this.finished = true;
        this.text = event.text;
        this.sync();
        break;
      case 'step-start':
        this.status(`▸ ${event.kind}: ${event.title ?? event.id}`);
        break;
      case 'step-end':
        this.status(`✓ ${event.kind}: ${event.title ?? event.id}${event.status ? ` (${event.status})` : ''}`);
        break;
      case 'title':
        this.status(`# ${event.title}`);
        break;
      default:
        break;
    }
  }

  /** A status line on `err`; on a shared terminal it waits while the answer's line is open. */
  status(line: string): void {
    if (this.sameScreen && !this.ended && this.lineOpen()) this.held.push(line);
    else this.writeStatus(line);
  }

  /**
   * Ends the answer: writes the held text (with `holdText`), the one final newline, and the status
   * lines that waited for it. After a finish the newline is always written (an empty answer is one
   * newline); after a failure only when some text was shown. Safe to call more than once.
   */
  end(): void {
    if (this.ended) return;
    this.spinner?.stop();
    if (this.hold) {
      if (this.finished || this.text !== '') this.out.write(`${this.text}\n`);
    } else if (this.finished || this.shown !== '') {
      this.out.write('\n');
    }
    this.ended = true;
    this.live = false;
    this.flushHeld();
  }

  private lineOpen(): boolean {
    return this.open;
  }

  private writeStatus(line: string): void {
    if (this.spinner?.running) this.spinner.clear();
    this.err.write(`${paintIf(this.color, 'dim', line)}\n`);
    if (this.sameScreen && this.region !== '' && !this.ended) {
      this.region += `${line}\n`;
      this.regionStatuses.push(line);
    }
  }

  private flushHeld(): void {
    const held = this.held;
    this.held = [];
    for (const line of held) this.writeStatus(line);
  }

  /** Brings what `out` shows in line with the text. */
  private sync(): void {
    if (this.hold || this.ended) return;
    if (this.text.startsWith(this.shown)) {
      this.append(this.text.slice(this.shown.length));
      this.live = true;
    } else if (this.terminal) {
      this.redraw();
      this.live = true;
    } else {
      // Only a platform that breaks its `rewritesText` promise gets here: a pipe cannot take text back.
      this.live = false;
      if (this.warned) return;
      this.warned = true;
      this.writeStatus(
        'kakehashi: the platform rewrote text already written to stdout; stdout keeps the first version',
      );
    }
  }

  private append(chunk: string): void {
    if (!chunk) return;
    this.spinner?.stop();
    if (this.held.length > 0) {
      const nl = chunk.indexOf('\n');
      if (nl !== -1) {
        this.writeText(chunk.slice(0, nl + 1));
        this.flushHeld();
        chunk = chunk.slice(nl + 1);
      }
    }
    this.writeText(chunk);
  }

  private writeText(chunk: string): void {
    if (!chunk) return;
    this.out.write(chunk);
    this.shown += chunk;
    this.open = !chunk.endsWith('\n');
    if (this.terminal) this.region += chunk;
  }

  /** Erases the answer's rows (with the status lines among them) and writes the status lines and the new text again. */
  private redraw(): void {
    this.spinner?.stop();
    const statuses = [...this.regionStatuses, ...this.held];
    this.held = [];
    const columns = this.out.columns;
    const rows = screenRows(this.region, columns !== undefined && columns > 0 ? columns : 80);
    const height = this.out.rows;
    this.region = '';
    this.regionStatuses = [];
    this.shown = '';
    this.open = false;
    if (height !== undefined && height > 0 && rows > height) {
      // The answer's first rows have scrolled off the screen, out of the cursor's reach: write it again below.
      this.out.write('\n');
      this.err.write(`${paintIf(this.color, 'dim', '↻ answer revised')}\n`);
    } else {
      this.out.write(`\r${rows > 1 ? `\x1b[${rows - 1}A` : ''}\x1b[J`);
    }
    for (const line of statuses) this.err.write(`${paintIf(this.color, 'dim', line)}\n`);
    if (this.sameScreen && statuses.length > 0) {
      this.region = statuses.map((l) => `${l}\n`).join('');
      this.regionStatuses = statuses;
    }
    this.writeText(this.text);
  }
}
