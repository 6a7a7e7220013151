import { describe, expect, it } from 'vitest';
import { everySplit, splitEvery, utf8 } from '@kakehashi/testkit';
import { decodeSSE, decodeSSEJson, ResponseDecodeError } from '@kakehashi/sse-core';
import { chunksOf, collect, rejectionOf } from './helpers';
import { namedEventsCRLF, namedEventsExpected, openaiStyleSSE, openaiStyleTexts } from './recorded-streams';

async function decodeAll(parts: Uint8Array[]) {
  const comments: string[] = [];
  const events = await collect(decodeSSE(chunksOf(parts), { onComment: (c) => comments.push(c) }));
  return { events, comments };
}

describe('decodeSSE', () => {
  it('replays an OpenAI-style stream split at every byte offset with identical events', async () => {
    const whole = await decodeAll([utf8(openaiStyleSSE)]);
    expect(whole.events).toHaveLength(4);
    expect(whole.comments).toEqual(['connected', 'heartbeat']);
    for (const [offset, parts] of everySplit(openaiStyleSSE)) {
      const split = await decodeAll(parts);
      expect(split, `split at byte ${offset}`).toEqual(whole);
    }
  });

  it('decodes a stream delivered one byte at a time (Japanese split inside characters)', async () => {
    const { events } = await decodeAll(splitEvery(openaiStyleSSE, 1));
    const texts = events
      .filter((e) => e.data !== '[DONE]')
      .map((e) => (JSON.parse(e.data) as { choices: { delta: { content: string } }[] }).choices[0]!.delta.content);
    expect(texts).toEqual(openaiStyleTexts);
  });

  it('keeps event names, ids and multi-line data with CRLF, at every split', async () => {
    for (const [offset, parts] of everySplit(namedEventsCRLF)) {
      const { events, comments } = await decodeAll(parts);
      expect(events, `split at ${offset}`).toEqual(namedEventsExpected);
      expect(comments).toEqual(['ping']);
    }
  });

  it('handles \\r\\n split exactly between \\r and \\n', async () => {
    const text = 'data: a\r\n\r\ndata: b\r\n\r\n';
    const cut = text.indexOf('\n');
    const { events } = await decodeAll([utf8(text.slice(0, cut)), utf8(text.slice(cut))]);
    expect(events).toEqual([{ data: 'a' }, { data: 'b' }]);
  });

  it('delivers a final event that lacks its blank line, or even its newline', async () => {
    expect((await decodeAll([utf8('data: one\n\ndata: last\n')])).events).toEqual([{ data: 'one' }, { data: 'last' }]);
    expect((await decodeAll([utf8('data: one\n\ndata: last')])).events).toEqual([{ data: 'one' }, { data: 'last' }]);
    expect((await decodeAll([utf8('data: 末尾\r')])).events).toEqual([{ data: '末尾' }]);
  });

  it('fails with a bounded-buffer error on a line that never ends, instead of buffering it all', async () => {
    async function* endless() {
      yield utf8('data: ');
      for (let i = 0; i < 10_000; i++) yield utf8('x'.repeat(1024));
    }
    const error = await rejectionOf(collect(decodeSSE(endless(), { maxBufferSize: 64 * 1024 })));
    expect(ResponseDecodeError.isInstance(error)).toBe(true);
    expect((error as ResponseDecodeError).reason).toBe('buffer-overflow');
  });

  it('rethrows a failing source without inventing an event from the partial line', async () => {
    async function* cut() {
      yield utf8('data: {"a":1}\n\ndata: {"trunc');
      throw new Error('socket hang up');
    }
    const seen: unknown[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const e of decodeSSE(cut())) seen.push(e);
      })(),
    );
    expect((error as Error).message).toBe('socket hang up');
    expect(seen).toEqual([{ data: '{"a":1}' }]);
  });
});

describe('decodeSSEJson', () => {
  it('parses data as JSON and turns [DONE] into a done marker', async () => {
    const events = await collect(decodeSSEJson(chunksOf(splitEvery(openaiStyleSSE, 7))));
    expect(events.at(-1)).toEqual({ done: true });
    expect(events.filter((e) => !e.done)).toHaveLength(3);
  });

  it('rejects malformed JSON with a redacted excerpt', async () => {
    const body = 'data: {"ok":1}\n\ndata: {"access_token":"sk-should-not-leak", oops}\n\n';
    const error = await rejectionOf(collect(decodeSSEJson(chunksOf([utf8(body)]))));
    expect(ResponseDecodeError.isInstance(error)).toBe(true);
    expect((error as ResponseDecodeError).reason).toBe('invalid-json');
    expect(JSON.stringify(error)).not.toContain('sk-should-not-leak');
    expect((error as ResponseDecodeError).excerpt).toContain('[REDACTED]');
  });
});

describe('decodeSSEWith', () => {
  it('maps inside the decoder, drops undefined, and is identical at every split', async () => {
    const { decodeSSEWith } = await import('@kakehashi/sse-core');
    const map = (m: { event?: string; data: string }) =>
      m.event === 'message.delta' ? (JSON.parse(m.data) as { delta: string }).delta : undefined;
    for (const [offset, parts] of everySplit(namedEventsCRLF)) {
      expect(await collect(decodeSSEWith(chunksOf(parts), map)), `split at ${offset}`).toEqual([
        '日本語の',
        'テキスト',
      ]);
    }
  });
});
