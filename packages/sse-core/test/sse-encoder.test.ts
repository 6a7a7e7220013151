import { describe, expect, it } from 'vitest';
import { splitEvery, utf8 } from '@kakehashi/testkit';
import { createSSEStream, decodeSSE, encodeSSE, encodeSSEComment } from '@kakehashi/sse-core';
import { chunksOf, collect } from './helpers';

describe('encodeSSE', () => {
  it('round-trips through the decoder: names, ids, JSON, multi-line text, Japanese', async () => {
    const wire =
      encodeSSE({ event: 'delta', id: '7', data: { text: '日本語' } }) +
      encodeSSEComment('heartbeat') +
      encodeSSE({ data: '一行目\n二行目\r\n三行目' }) +
      encodeSSE({ data: '[DONE]', retry: 1500 });
    const comments: string[] = [];
    const retries: number[] = [];
    const events = await collect(
      decodeSSE(chunksOf([utf8(wire)]), { onComment: (c) => comments.push(c), onRetry: (r) => retries.push(r) }),
    );
    expect(events).toEqual([
      { event: 'delta', id: '7', data: '{"text":"日本語"}' },
      { data: '一行目\n二行目\n三行目' },
      { data: '[DONE]' },
    ]);
    expect(comments).toEqual(['heartbeat']);
    expect(retries).toEqual([1500]);
  });

  it('cannot be tricked into a new field by a newline in an event name', () => {
    expect(encodeSSE({ event: 'a\ndata: injected', data: 'x' })).toBe('event: a data: injected\ndata: x\n\n');
  });
});

describe('createSSEStream', () => {
  it('sends heartbeat comments while the source is silent, then the events', async () => {
    async function* slow() {
      await new Promise((r) => setTimeout(r, 250));
      yield { data: { n: 1 } };
    }
    const stream = createSSEStream(slow(), { heartbeatMs: 40 });
    const comments: string[] = [];
    const events = await collect(decodeSSE(stream, { onComment: (c) => comments.push(c) }));
    expect(events).toEqual([{ data: '{"n":1}' }]);
    expect(comments.length).toBeGreaterThanOrEqual(2);
    expect(new Set(comments)).toEqual(new Set(['heartbeat']));
  });

  it('pulls from the source only as fast as the reader reads (backpressure)', async () => {
    let produced = 0;
    async function* many() {
      for (let i = 0; i < 1000; i++) {
        produced++;
        yield { data: i };
      }
    }
    const reader = createSSEStream(many(), { heartbeatMs: 0 }).getReader();
    await reader.read();
    await reader.read();
    await new Promise((r) => setTimeout(r, 20));
    expect(produced).toBeLessThanOrEqual(3);
    await reader.cancel();
  });

  it('cancelling the stream returns the source, so upstream work stops', async () => {
    let finalized = false;
    let cancelReason: unknown;
    async function* source() {
      try {
        yield { data: 1 };
        await new Promise(() => {});
      } finally {
        finalized = true;
      }
    }
    const stream = createSSEStream(source(), { heartbeatMs: 0, onCancel: (r) => (cancelReason = r) });
    const reader = stream.getReader();
    await reader.read();
    // The source is now suspended at its first yield; cancelling must run its finally block.
    await reader.cancel('client left');
    expect(cancelReason).toBe('client left');
    expect(finalized).toBe(true);
  });
});

describe('readRequestText / readBodyWithin', () => {
  it('reads bodies within the limit, with or without a declared length', async () => {
    const { readRequestText } = await import('@kakehashi/sse-core');
    const text = '日本語のリクエスト';
    expect(await readRequestText(new Request('http://127.0.0.1/', { method: 'POST', body: text }), 1024)).toBe(text);
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        for (const part of splitEvery(text, 5)) c.enqueue(part);
        c.close();
      },
    });
    expect(
      await readRequestText(
        new Request('http://127.0.0.1/', { method: 'POST', body: chunked, duplex: 'half' } as RequestInit),
        1024,
      ),
    ).toBe(text);
    expect(await readRequestText(new Request('http://127.0.0.1/'), 10)).toBe('');
  });

  it('refuses a declared length over the limit without reading, and cuts off an undeclared one', async () => {
    const { readRequestText } = await import('@kakehashi/sse-core');
    const declared = new Request('http://127.0.0.1/', {
      method: 'POST',
      body: 'x'.repeat(100),
      headers: { 'content-length': '100' },
    });
    expect(await readRequestText(declared, 10)).toBeUndefined();
    expect(declared.bodyUsed).toBe(false);
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(1024));
      },
    });
    expect(
      await readRequestText(
        new Request('http://127.0.0.1/', { method: 'POST', body: endless, duplex: 'half' } as RequestInit),
        4096,
      ),
    ).toBeUndefined();
    expect(pulled).toBeLessThan(10);
  });
});
