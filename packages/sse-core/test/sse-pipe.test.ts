/**
 * pipeSSE on real loopback HTTP: a node:http server writes the SSE stream straight into its
 * ServerResponse; clients are undici's fetch and raw sockets.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  decodeSSE,
  pipeSSE,
  type SSEOutgoingEvent,
  type SSEPipeOutcome,
  type SSEStreamOptions,
} from '@kakehashi/sse-core';
import { whenSteady } from '@kakehashi/testkit';
import { collect } from './helpers';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** Serves one SSE stream per request from `source()`; `outcomes` receives how each pipe ended. */
async function serveSSE(source: () => AsyncIterable<SSEOutgoingEvent | string>, options: SSEStreamOptions = {}) {
  const outcomes: SSEPipeOutcome[] = [];
  const responses: ServerResponse[] = [];
  const server = createServer((_req, res) => {
    responses.push(res);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    void pipeSSE(source(), res, options).then((o) => outcomes.push(o));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, port, outcomes, responses };
}

async function until(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A source whose pending `next()` is settled by `return()`, as a gateway's upstream reader is. */
function silentAfter(first: string[]) {
  const state = { returned: false };
  let i = 0;
  let release: ((r: IteratorResult<string>) => void) | undefined;
  const iterator: AsyncIterableIterator<string> = {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (i < first.length) return Promise.resolve({ done: false, value: first[i++]! });
      return new Promise((resolve) => (release = resolve));
    },
    async return() {
      state.returned = true;
      release?.({ done: true, value: undefined });
      return { done: true, value: undefined };
    },
  };
  return { iterator, state };
}

describe('pipeSSE', () => {
  it('writes events and pre-encoded text (Japanese included), then ends the response', async () => {
    const { url, outcomes } = await serveSSE(async function* () {
      yield { event: 'delta', data: { text: 'こんにちは' } };
      yield 'data: 世界\n\n';
      yield { data: '[DONE]' };
    });
    const res = await fetch(url);
    const events = await collect(decodeSSE(res.body!));
    expect(events).toEqual([{ event: 'delta', data: '{"text":"こんにちは"}' }, { data: '世界' }, { data: '[DONE]' }]);
    await until(() => outcomes.length === 1, 'the pipe to end');
    expect(outcomes).toEqual(['finished']);
  });

  it('sends heartbeat comments while the source is silent', async () => {
    const { url } = await serveSSE(
      async function* () {
        await new Promise((r) => setTimeout(r, 200));
        yield { data: 1 };
      },
      { heartbeatMs: 30, heartbeatComment: 'ping' },
    );
    const comments: string[] = [];
    const events = await collect(decodeSSE((await fetch(url)).body!, { onComment: (c) => comments.push(c) }));
    expect(events).toEqual([{ data: '1' }]);
    expect(comments.length).toBeGreaterThanOrEqual(2);
    expect(new Set(comments)).toEqual(new Set(['ping']));
  });

  it('stops pulling while the client does not read, and resumes when it does (backpressure)', async () => {
    const piece = `data: ${'あ'.repeat(20_000)}\n\n`; // 60 KB of UTF-8 per event
    const total = 2000; // 120 MB: far more than the socket buffers hold
    let pulled = 0;
    const { port, outcomes } = await serveSSE(
      async function* () {
        for (let i = 0; i < total; i++) {
          pulled++;
          yield piece;
        }
      },
      { heartbeatMs: 0 },
    );
    const socket = connect(port, '127.0.0.1');
    socket.pause(); // a client that reads nothing
    socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    await until(() => pulled > 0, 'the first pull');
    await whenSteady(() => pulled); // the pipe has stopped pulling
    expect(pulled).toBeLessThan(total / 4);
    // Reading resumes the pulls until the end.
    let received = 0;
    socket.on('data', (b: Buffer) => (received += b.length));
    socket.resume();
    await until(() => outcomes.length === 1, 'the pipe to finish', 20_000);
    expect(outcomes).toEqual(['finished']);
    expect(pulled).toBe(total);
    await until(() => received >= total * Buffer.byteLength(piece), 'every byte', 20_000);
    socket.destroy();
  });

  it('a client that goes away returns the source at once, even while it waits on a silent upstream', async () => {
    const { iterator, state } = silentAfter(['data: 1\n\n']);
    const cancels: unknown[] = [];
    const { url, outcomes } = await serveSSE(() => iterator, { heartbeatMs: 0, onCancel: (r) => cancels.push(r) });
    const controller = new AbortController();
    const res = await fetch(url, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read(); // the first event arrived; the source now waits forever
    controller.abort();
    await until(() => state.returned, 'the source to be returned');
    await until(() => outcomes.length === 1, 'the pipe to end');
    expect(outcomes).toEqual(['closed']);
    expect(cancels).toHaveLength(1);
  });

  it('a writable that is already closed returns the source without writing', async () => {
    const { iterator, state } = silentAfter(['data: 1\n\n']);
    const written: string[] = [];
    const listeners = new Map<string, () => void>();
    const target = {
      destroyed: true,
      write: (chunk: string) => {
        written.push(chunk);
        return true;
      },
      end: () => {},
      destroy: () => {},
      once: (event: string, fn: () => void) => listeners.set(event, fn),
      off: (event: string) => listeners.delete(event),
    };
    await expect(pipeSSE(iterator, target)).resolves.toBe('closed');
    expect(state.returned).toBe(true);
    expect(written).toEqual([]);
  });

  it('events available in the same tick leave in one write; later ones in their own', async () => {
    const writes: string[] = [];
    let ended = false;
    const target = {
      destroyed: false,
      write: (chunk: string) => {
        writes.push(chunk);
        return true;
      },
      end: () => {
        ended = true;
      },
      destroy: () => {},
      once: () => {},
      off: () => {},
    };
    async function* source() {
      yield 'data: 1\n\n';
      yield 'data: 2\n\n';
      yield { data: 3 };
      await new Promise((r) => setTimeout(r, 10));
      yield 'data: 4\n\n';
    }
    await expect(pipeSSE(source(), target, { heartbeatMs: 0 })).resolves.toBe('finished');
    expect(writes).toEqual(['data: 1\n\ndata: 2\n\ndata: 3\n\n', 'data: 4\n\n']);
    expect(ended).toBe(true);
  });

  it('a source that throws cuts the response (the client sees an incomplete stream)', async () => {
    const { url, outcomes } = await serveSSE(async function* () {
      yield 'data: 1\n\n';
      await new Promise((r) => setTimeout(r, 50)); // the first event reaches the client
      throw new Error('upstream broke');
    });
    const res = await fetch(url);
    const events: unknown[] = [];
    const error = await (async () => {
      try {
        for await (const e of decodeSSE(res.body!)) events.push(e);
      } catch (e) {
        return e;
      }
    })();
    expect(events).toEqual([{ data: '1' }]);
    expect(error).toBeInstanceOf(Error);
    await until(() => outcomes.length === 1, 'the pipe to end');
    expect(outcomes).toEqual(['failed']);
  });
});
