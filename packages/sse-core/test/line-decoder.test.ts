import { describe, expect, it } from 'vitest';
import { everySplit, splitEvery, utf8 } from '@kakehashi/testkit';
import { decodeLines, decodeNDJSON, ResponseDecodeError } from '@kakehashi/sse-core';
import { chunksOf, collect, rejectionOf } from './helpers';

/** Every line the decoder yields, batches flattened. */
async function linesOf(parts: Iterable<Uint8Array>, maxLineLength = 4 * 1024 * 1024): Promise<string[]> {
  return (await collect(decodeLines(chunksOf(parts), maxLineLength))).flat();
}

// LF, CRLF and a bare CR, Japanese and an emoji next to each line end, an empty line of each kind,
// a CR directly followed by an LF-ended line, and a last line without a line end.
const mixed = '日本語の行\r\nsecond 行\n三行目🌏\r\r\n\n改行\rなし\n\rlast 末尾';
const mixedLines = ['日本語の行', 'second 行', '三行目🌏', '', '', '改行', 'なし', '', 'last 末尾'];

describe('decodeLines', () => {
  it('splits on LF, CRLF and CR, and keeps the last line without a line end', async () => {
    expect(await linesOf([utf8(mixed)])).toEqual(mixedLines);
  });

  it('gives the same lines at every split offset (inside characters and between \\r and \\n)', async () => {
    for (const [offset, parts] of everySplit(mixed)) {
      expect(await linesOf(parts), `split at byte ${offset}`).toEqual(mixedLines);
    }
  });

  it('gives the same lines at every pair of split offsets', async () => {
    const bytes = utf8(mixed);
    for (let a = 0; a <= bytes.length; a++) {
      for (let b = a; b <= bytes.length; b++) {
        const parts = [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)];
        expect(await linesOf(parts), `split at ${a} and ${b}`).toEqual(mixedLines);
      }
    }
  });

  it('decodes a stream delivered one byte at a time', async () => {
    expect(await linesOf(splitEvery(mixed, 1))).toEqual(mixedLines);
  });

  it('treats \\r at the end of one chunk and \\n at the start of the next as one line end, empty chunks between', async () => {
    const parts = [utf8('a\r'), new Uint8Array(0), utf8('\nb\r'), utf8('\r'), utf8('\nc')];
    expect(await linesOf(parts)).toEqual(['a', 'b', '', 'c']);
    // A \r before the first byte of a split character: the character does not swallow the line end.
    const ja = utf8('語');
    expect(await linesOf([utf8('x\r'), ja.subarray(0, 1), ja.subarray(1), utf8('\n')])).toEqual(['x', '語']);
  });

  it('joins a line that arrives in many chunks, Japanese cut inside characters', async () => {
    const long = '架け橋の長い一行 with ASCII, '.repeat(5_000);
    const lines = await linesOf(splitEvery(`${long}\r\nnext\n${long}`, 7));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(long);
    expect(lines[1]).toBe('next');
    expect(lines[2]).toBe(long);
  });

  it('yields one batch per chunk that finishes lines, none for a chunk inside a line', async () => {
    const batches = await collect(decodeLines(chunksOf([utf8('a\nb\nc'), utf8('cc'), utf8('c\n')]), 100));
    expect(batches).toEqual([['a', 'b'], ['cccc']]);
  });

  it('ends with nothing for an empty stream or a stream of line ends only', async () => {
    expect(await linesOf([])).toEqual([]);
    expect(await linesOf([utf8('\r')])).toEqual(['']);
    expect(await linesOf([utf8('\n\r\n')])).toEqual(['', '']);
  });

  it('turns a character cut off by the end of the stream into U+FFFD on the last line', async () => {
    expect(await linesOf([utf8('ok\nab'), utf8('語').subarray(0, 2)])).toEqual(['ok', 'ab\uFFFD']);
  });

  it('accepts a line of exactly maxLineLength characters, finished or last', async () => {
    expect(await linesOf(splitEvery('あいうえお\nかきくけこ', 2), 5)).toEqual(['あいうえお', 'かきくけこ']);
  });

  it('fails with buffer-overflow on a pending line longer than maxLineLength, counting every held piece', async () => {
    let yielded = 0;
    async function* endless() {
      for (;;) {
        yielded++;
        yield utf8('長'.repeat(100));
      }
    }
    const error = await rejectionOf(collect(decodeLines(endless(), 1_000)));
    expect(ResponseDecodeError.isInstance(error)).toBe(true);
    expect((error as ResponseDecodeError).reason).toBe('buffer-overflow');
    expect((error as Error).message).toContain('1000 characters');
    expect((error as ResponseDecodeError).excerpt).toBe('長'.repeat(200));
    // The 1,001st character arrives in chunk 11: the decoder stops there, not at some later bound.
    expect(yielded).toBe(11);
  });

  it('fails with buffer-overflow on a finished line longer than maxLineLength, after the lines before it', async () => {
    const seen: string[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const batch of decodeLines(chunksOf([utf8('short\n'), utf8(`${'x'.repeat(11)}\n`)]), 10))
          seen.push(...batch);
      })(),
    );
    expect((error as ResponseDecodeError).reason).toBe('buffer-overflow');
    expect(seen).toEqual(['short']);
    // The same line split so that its pieces are held first, then finished: still counted in full.
    const split = await rejectionOf(linesOf([utf8('xxxxxx'), utf8('xxxxx\n')], 10));
    expect((split as ResponseDecodeError).reason).toBe('buffer-overflow');
    const last = await rejectionOf(linesOf([utf8('xxxxxx'), utf8('xxxxx')], 10));
    expect((last as ResponseDecodeError).reason).toBe('buffer-overflow');
  });
});

describe('decodeNDJSON line ends', () => {
  it('reads objects separated by CR, CRLF and LF, at every split offset', async () => {
    const body = '{"t":"一"}\r{"t":"二"}\r\n\r\n{"t":"三🌏"}\n{"t":"四"}';
    const expected = [{ t: '一' }, { t: '二' }, { t: '三🌏' }, { t: '四' }];
    for (const [offset, parts] of everySplit(body)) {
      expect(await collect(decodeNDJSON(chunksOf(parts))), `split at byte ${offset}`).toEqual(expected);
    }
  });
});
