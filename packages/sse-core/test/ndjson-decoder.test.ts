import { describe, expect, it } from 'vitest';
import { everySplit, splitEvery, utf8 } from '@kakehashi/testkit';
import { decodeNDJSON, ResponseDecodeError } from '@kakehashi/sse-core';
import { chunksOf, collect, rejectionOf } from './helpers';
import { ndjsonExpected, ndjsonStream } from './recorded-streams';

describe('decodeNDJSON', () => {
  it('decodes several objects in one chunk, blank lines, CRLF, a data: prefix and a last line without newline', async () => {
    expect(await collect(decodeNDJSON(chunksOf([utf8(ndjsonStream)])))).toEqual(ndjsonExpected);
  });

  it('gives identical objects at every split offset and byte by byte', async () => {
    for (const [offset, parts] of everySplit(ndjsonStream)) {
      expect(await collect(decodeNDJSON(chunksOf(parts))), `split at ${offset}`).toEqual(ndjsonExpected);
    }
    expect(await collect(decodeNDJSON(chunksOf(splitEvery(ndjsonStream, 1))))).toEqual(ndjsonExpected);
  });

  it('fails with a bounded error on an endless line', async () => {
    async function* endless() {
      for (let i = 0; i < 10_000; i++) yield utf8(`{"x":"${'y'.repeat(1000)}`);
    }
    const error = await rejectionOf(collect(decodeNDJSON(endless(), { maxLineLength: 32 * 1024 })));
    expect((error as ResponseDecodeError).reason).toBe('buffer-overflow');
  });

  it('rejects a malformed line, naming the problem', async () => {
    const error = await rejectionOf(collect(decodeNDJSON(chunksOf([utf8('{"a":1}\n{not json}\n')]))));
    expect(ResponseDecodeError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/Malformed JSON line/);
  });
});
