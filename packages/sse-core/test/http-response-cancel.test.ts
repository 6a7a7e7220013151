import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '@kakehashi/testkit';
import {
  AbortError,
  guardAgentStream,
  httpRequest,
  mapAgentEvents,
  type AgentEvent,
  type FetchFunction,
  type SSEJsonMessage,
} from '@kakehashi/sse-core';
import { rejectionOf } from './helpers';

const SSE = { 'content-type': 'text/event-stream' };
let server: ScriptedServer;

afterEach(async () => {
  await server?.close();
});

/** The error is sse-core's AbortError (recognised by marker and by name), not a transport's own. */
function expectAbortError(error: unknown): void {
  expect(AbortError.isInstance(error)).toBe(true);
  expect((error as Error).name).toBe('AbortError');
}

// Both transports must honour cancel(): the default (undici dispatch) and an injected fetch.
const transports: [string, FetchFunction | undefined][] = [
  ['the default undici transport', undefined],
  ['an injected fetch', (input, init) => fetch(input, init)],
];

describe.each(transports)('HttpResponse.cancel() over %s', (_name, fetchFn) => {
  const open = (url: string) => httpRequest({ url, fetch: fetchFn });

  it('rejects a pending SSE read with AbortError, closes the connection, and later reads end', async () => {
    server = await startScriptedServer();
    server.reply({ headers: SSE, body: ['data: 一\n\n', { stall: true }] });
    const res = await open(server.url);
    const events = res.sse();
    expect(await events.next()).toEqual({ done: false, value: { data: '一' } });
    const pending = events.next();
    await res.cancel();
    expectAbortError(await rejectionOf(pending));
    await expect(server.requests[0]!.closed).resolves.toEqual({ byClient: true });
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it('rejects a pending raw body read with AbortError, and later reads end', async () => {
    server = await startScriptedServer();
    server.reply({ body: ['first', { stall: true }] });
    const res = await open(server.url);
    const body = res.body();
    expect(new TextDecoder().decode((await body.next()).value as Uint8Array)).toBe('first');
    const pending = body.next();
    await res.cancel();
    expectAbortError(await rejectionOf(pending));
    await expect(server.requests[0]!.closed).resolves.toEqual({ byClient: true });
    expect(await body.next()).toEqual({ done: true, value: undefined });
  });

  it('closes the connection at once while no read is waiting; the next read rejects, later ones end', async () => {
    server = await startScriptedServer();
    server.reply({ headers: SSE, body: ['data: 一\n\n', { stall: true }] });
    const res = await open(server.url);
    const events = res.sse();
    expect((await events.next()).value).toEqual({ data: '一' });
    await res.cancel();
    // The server sees the close before anything else is read.
    await expect(server.requests[0]!.closed).resolves.toEqual({ byClient: true });
    expectAbortError(await rejectionOf(events.next()));
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it('before any read: closes the connection, and reading afterwards rejects with AbortError', async () => {
    server = await startScriptedServer();
    server.reply({ headers: SSE, body: ['data: 一\n\n', { stall: true }] });
    const res = await open(server.url);
    await res.cancel();
    await expect(server.requests[0]!.closed).resolves.toEqual({ byClient: true });
    expectAbortError(await rejectionOf(res.text()));
  });

  it('ends a for-await decodeSSE loop that is waiting for the next event (a stop button)', async () => {
    server = await startScriptedServer();
    server.reply({ headers: SSE, body: ['data: {"n":1}\n\n', { stall: true }] });
    const res = await open(server.url);
    const seen: unknown[] = [];
    let firstSeen!: () => void;
    const first = new Promise<void>((resolve) => (firstSeen = resolve));
    const loop = (async () => {
      for await (const message of res.sseJson()) {
        seen.push(message);
        firstSeen();
      }
    })();
    await first;
    await res.cancel();
    expectAbortError(await rejectionOf(loop));
    expect(seen).toEqual([{ done: false, data: { n: 1 } }]);
    await expect(server.requests[0]!.closed).resolves.toEqual({ byClient: true });
  });

  it('is safe to call twice, concurrently, and after the body was read to its end', async () => {
    server = await startScriptedServer();
    server.reply({ headers: SSE, body: ['data: 一\n\n', { stall: true }] }, { body: 'whole' });
    const res = await open(server.url);
    const events = res.sse();
    await events.next();
    const pending = events.next();
    await Promise.all([res.cancel(), res.cancel()]);
    expectAbortError(await rejectionOf(pending));
    await res.cancel();

    const done = await open(server.url);
    expect(await done.text()).toBe('whole');
    await done.cancel();
    expect(await server.requests[1]!.closed).toEqual({ byClient: false });
  });
});

describe('HttpResponse.cancel() seen from a plain node:http server', () => {
  it('the request and its socket close on the server as soon as cancel() resolves', async () => {
    let serverRequest!: IncomingMessage;
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const node = createServer((req: IncomingMessage, res: ServerResponse) => {
      serverRequest = req;
      res.writeHead(200, SSE);
      res.write('data: {"n":1}\n\n'); // then nothing: a slow agent thinking
      arrived();
    });
    await new Promise<void>((r) => node.listen(0, '127.0.0.1', r));
    try {
      const res = await httpRequest({ url: `http://127.0.0.1:${(node.address() as AddressInfo).port}/` });
      await requestArrived;
      const socketClosed = new Promise<void>((resolve) => serverRequest.socket.once('close', () => resolve()));
      const requestClosed = new Promise<void>((resolve) => serverRequest.once('close', () => resolve()));
      const events = res.sseJson();
      expect((await events.next()).value).toEqual({ done: false, data: { n: 1 } });
      const pending = events.next();
      await res.cancel();
      expectAbortError(await rejectionOf(pending));
      await Promise.all([requestClosed, socketClosed]);
      expect(serverRequest.socket.destroyed).toBe(true);
    } finally {
      node.closeAllConnections();
      await new Promise((r) => node.close(r));
    }
  });
});

describe('AgentEvent streams over a response', () => {
  const toAgentEvents = (messages: AsyncIterator<SSEJsonMessage<{ t?: string; end?: boolean }>>) =>
    guardAgentStream(
      'test',
      mapAgentEvents(messages, {
        push(m, out: AgentEvent[]) {
          if (m.done) return false;
          if (m.data.end) {
            out.push({ type: 'finish', text: '', reason: 'stop' });
            return true;
          }
          out.push({ type: 'text-delta', delta: m.data.t ?? '' });
          return false;
        },
      }),
    );

  it('leaving the loop early still closes the connection at once', async () => {
    server = await startScriptedServer();
    server.reply({ headers: SSE, body: ['data: {"t":"一"}\n\n', 'data: {"t":"二"}\n\n', { stall: true }] });
    const res = await httpRequest({ url: server.url });
    for await (const event of toAgentEvents(res.sseJson())) {
      expect(event).toEqual({ type: 'text-delta', delta: '一' });
      break;
    }
    await expect(server.requests[0]!.closed).resolves.toEqual({ byClient: true });
  });

  it('cancel() while an AgentEvent read waits: the read rejects with AbortError and the connection closes', async () => {
    server = await startScriptedServer();
    server.reply({ headers: SSE, body: ['data: {"t":"一"}\n\n', { stall: true }] });
    const res = await httpRequest({ url: server.url });
    const events = toAgentEvents(res.sseJson());
    expect((await events.next()).value).toEqual({ type: 'text-delta', delta: '一' });
    const pending = events.next();
    await res.cancel();
    expectAbortError(await rejectionOf(pending));
    await expect(server.requests[0]!.closed).resolves.toEqual({ byClient: true });
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it('a mapping that stops at its finish keeps the connection for the next request', async () => {
    server = await startScriptedServer();
    server.handle(() => ({ headers: SSE, body: ['data: {"t":"一"}\n\n', 'data: {"end":true}\n\n'] }));
    for (let i = 0; i < 4; i++) {
      const res = await httpRequest({ url: server.url });
      const seen: AgentEvent[] = [];
      for await (const event of toAgentEvents(res.sseJson())) seen.push(event);
      expect(seen.map((e) => e.type)).toEqual(['text-delta', 'finish']);
    }
    expect(server.requests).toHaveLength(4);
    expect(server.acceptedConnections).toBeLessThanOrEqual(2);
  });
});
