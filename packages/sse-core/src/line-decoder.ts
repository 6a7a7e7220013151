import { ResponseDecodeError } from './errors';

const LF = 10;
/** Characters of an overlong line kept for the error's excerpt. */
const EXCERPT_CHARS = 200;

/**
 * Splits a byte stream into text lines, one batch of lines per network chunk.
 *
 * - Line ends are `\n`, `\r` and `\r\n`, each possibly split across chunks anywhere: a `\r` that ends
 *   one chunk and a `\n` that starts the next are one line end, not two.
 * - Byte-safe: a multibyte character split across chunks is decoded whole (`TextDecoder` in stream mode).
 * - Linear: the pieces of an unfinished line are kept in a list and joined once, when the line ends,
 *   so a line that arrives in many chunks costs time in proportion to its length.
 * - Bounded: a line (finished or not) longer than `maxLineLength` characters throws
 *   {@link ResponseDecodeError} (`buffer-overflow`), counting the pieces held so far.
 * - The last line is returned even without a line end; an empty last line is not.
 */
export async function* decodeLines(
  chunks: AsyncIterable<Uint8Array>,
  maxLineLength: number,
): AsyncGenerator<string[], void, undefined> {
  const decoder = new TextDecoder();
  const splitter = new LineSplitter(maxLineLength);
  for await (const chunk of chunks) {
    const lines = splitter.feed(decoder.decode(chunk, { stream: true }));
    if (lines.length > 0) yield lines;
  }
  const last = splitter.end(decoder.decode());
  if (last !== undefined) yield [last];
}

/** The synchronous core of {@link decodeLines}: text in, finished lines out. */
class LineSplitter {
  /** Pieces of the line not finished yet, from earlier chunks. */
  private fragments: string[] = [];
  private pendingLength = 0;
  /** The previous piece of text ended in `\r`: a `\n` at the start of the next one belongs to that line end. */
  private afterCR = false;

  constructor(private readonly maxLineLength: number) {}

  /** Splits one decoded chunk; returns the lines it finished (possibly none). */
  feed(text: string): string[] {
    const lines: string[] = [];
    const n = text.length;
    if (n === 0) return lines;
    const max = this.maxLineLength;
    let start = 0;
    if (this.afterCR) {
      this.afterCR = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    // Whether pieces of the first line are held from earlier chunks: only the first line end of a chunk
    // can finish them, every later line lies inside this chunk.
    let held = this.pendingLength > 0;
    // The next line-end characters at or after `start` (-1: none left in this chunk). Each is searched
    // again only once it has been used, so the chunk is scanned about once per character.
    let cr = text.indexOf('\r', start);
    let lf = text.indexOf('\n', start);
    for (;;) {
      let end: number;
      let next: number;
      if (lf !== -1 && (cr === -1 || lf < cr)) {
        end = lf;
        next = lf + 1;
        lf = text.indexOf('\n', next);
      } else if (cr !== -1) {
        end = cr;
        next = cr + 1;
        if (next === n) this.afterCR = true;
        else if (text.charCodeAt(next) === LF) {
          next++;
          lf = text.indexOf('\n', next);
        }
        cr = text.indexOf('\r', next);
      } else {
        break;
      }
      if (held) {
        lines.push(this.finish(text, start, end));
        held = false;
      } else {
        if (end - start > max) throw this.overflowAt(text, start, end);
        lines.push(text.slice(start, end));
      }
      start = next;
    }
    if (start < n) {
      const rest = start === 0 ? text : text.slice(start);
      this.pendingLength += rest.length;
      this.fragments.push(rest);
      if (this.pendingLength > max) throw this.overflow();
    }
    return lines;
  }

  /** The stream ended cleanly: the last line without a line end, if there is one. */
  end(tail: string): string | undefined {
    // `tail` is what the decoder held back: at most a replacement character for a cut multibyte sequence.
    if (tail.length > 0) {
      this.fragments.push(tail);
      this.pendingLength += tail.length;
      if (this.pendingLength > this.maxLineLength) throw this.overflow();
    }
    if (this.pendingLength === 0) return undefined;
    const last = this.fragments.length === 1 ? this.fragments[0]! : this.fragments.join('');
    this.fragments = [];
    this.pendingLength = 0;
    return last;
  }

  /** The line that ends at `text[end]`: the held pieces plus `text[start, end)`, joined once. */
  private finish(text: string, start: number, end: number): string {
    if (this.pendingLength + (end - start) > this.maxLineLength) throw this.overflowAt(text, start, end);
    const fragments = this.fragments;
    const last = text.slice(start, end);
    const line = fragments.length === 1 ? fragments[0]! + last : `${fragments.join('')}${last}`;
    this.fragments = [];
    this.pendingLength = 0;
    return line;
  }

  /** The overflow error for a line ending at `text[end]` (its excerpt taken from the held pieces first). */
  private overflowAt(text: string, start: number, end: number): ResponseDecodeError {
    this.fragments.push(text.slice(start, Math.min(end, start + EXCERPT_CHARS)));
    return this.overflow();
  }

  private overflow(): ResponseDecodeError {
    let excerpt = '';
    for (const piece of this.fragments) {
      excerpt += piece.slice(0, EXCERPT_CHARS - excerpt.length);
      if (excerpt.length >= EXCERPT_CHARS) break;
    }
    return new ResponseDecodeError(
      'buffer-overflow',
      `Stream has a line longer than ${this.maxLineLength} characters`,
      { excerpt },
    );
  }
}
