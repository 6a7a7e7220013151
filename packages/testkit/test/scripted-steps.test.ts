import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { splitEvery, startScriptedServer, utf8, type ScriptedServer } from '../src/index';

const servers: ScriptedServer[] = [];

async function start(): Promise<ScriptedServer> {
  const server = await startScriptedServer();
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Send a raw HTTP/1.1 request and return everything the server sent until it closed. */
function rawRequest(server: ScriptedServer, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

describe('scripted bodies', () => {
  it('delivers steps whose concatenation is the body, even split inside characters', async () => {
    const server = await start();
    const text = 'data: {"delta":"こんにちは、世界"}\n\n';
    server.reply({
      headers: { 'content-type': 'text/event-stream' },
      body: [...splitEvery(text, 1), { wait: 5 }, 'data: [DONE]\n\n'],
    });
    const response = await fetch(server.url);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    expect(await response.text()).toBe(`${text}data: [DONE]\n\n`);
  });

  it('writes each step as its own chunk and ends with the chunked terminator', async () => {
    const server = await start();
    server.reply({ body: ['ab', utf8('日'), '', 'c'] });
    const raw = await rawRequest(server, '/raw');
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw).toMatch(/\r\n\r\n2\r\nab\r\n3\r\n日\r\n1\r\nc\r\n0\r\n\r\n$/);
  });

  it('uses content-length instead of chunks when the reply sets it', async () => {
    const server = await start();
    server.reply({ headers: { 'content-length': '6' }, body: ['abc', 'def'] });
    const response = await fetch(server.url);
    expect(response.headers.get('transfer-encoding')).toBeNull();
    expect(await response.text()).toBe('abcdef');
  });

  it('a stalled body makes a fetch with a timeout reject, and the request closes by the client', async () => {
    const server = await start();
    server.reply({ headers: { 'content-type': 'text/event-stream' }, body: ['data: a\n\n', { stall: true }] });
    const response = await fetch(server.url, { signal: AbortSignal.timeout(300) });
    await expect(response.text()).rejects.toThrow();
    await expect(server.requests[0]?.closed).resolves.toEqual({ byClient: true });
  });

  it('leaving a body read early closes the connection, seen as byClient', async () => {
    const server = await start();
    server.reply({ body: ['first', { wait: 60_000 }, 'never'] });
    const response = await fetch(server.url);
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first');
    await reader.cancel(); // what leaving a `for await` early does
    await expect(server.requests[0]?.closed).resolves.toEqual({ byClient: true });
  });

  it('a finished response closes with byClient false', async () => {
    const server = await start();
    server.reply({ body: ['a', 'b'] });
    expect(await (await fetch(server.url)).text()).toBe('ab');
    await expect(server.requests[0]?.closed).resolves.toEqual({ byClient: false });
  });

  it('destroy mid-body delivers what came before, then the body read rejects', async () => {
    const server = await start();
    server.reply({ body: ['data: partial\n\n', { destroy: true }, 'never'] });
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let received = '';
    const decoder = new TextDecoder();
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          received += decoder.decode(value, { stream: true });
        }
      })(),
    ).rejects.toThrow();
    expect(received).toBe('data: partial\n\n');
    await expect(server.requests[0]?.closed).resolves.toEqual({ byClient: false });
  });

  it('destroy with reset makes the body read reject', async () => {
    const server = await start();
    server.reply({ body: ['x', { wait: 10 }, { destroy: true, reset: true }] });
    const response = await fetch(server.url);
    await expect(response.text()).rejects.toThrow();
  });

  it('resetBeforeHeaders makes fetch reject without any response', async () => {
    const server = await start();
    server.reply({ resetBeforeHeaders: true, body: 'never' });
    await expect(fetch(server.url, { method: 'POST', body: 'payload' })).rejects.toThrow();
    expect(server.requests[0]?.body).toBe('payload');
    await expect(server.requests[0]?.closed).resolves.toEqual({ byClient: false });
  });

  it('headersDelayMs holds the status line back', async () => {
    const server = await start();
    server.handle((request) => (request.path === '/slow' ? { headersDelayMs: 400, body: 'slow' } : { body: 'fast' }));
    const order: string[] = [];
    const startedAt = Date.now();
    const slow = fetch(`${server.url}/slow`).then(async (response) => {
      order.push('slow');
      return [Date.now() - startedAt, await response.text()] as const;
    });
    await server.waitForRequests(1);
    const fast = await fetch(`${server.url}/fast`);
    order.push('fast');
    expect(await fast.text()).toBe('fast');
    const [elapsed, text] = await slow;
    expect(text).toBe('slow');
    expect(order).toEqual(['fast', 'slow']);
    expect(elapsed).toBeGreaterThanOrEqual(350);
  });

  it('a header timeout on the client closes the request by the client', async () => {
    const server = await start();
    server.reply({ headersDelayMs: 60_000 });
    await expect(fetch(server.url, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    await expect(server.requests[0]?.closed).resolves.toEqual({ byClient: true });
  });

  it('close() with an open stalled stream resolves promptly and cuts the stream', async () => {
    const server = await start();
    server.reply({ body: ['data: a\n\n', { stall: true }] });
    const response = await fetch(server.url);
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: a\n\n');
    expect(server.openConnections).toBe(1);

    const outcome = await Promise.race([
      server.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 5000, 'hung')),
    ]);
    expect(outcome).toBe('closed');
    expect(server.openConnections).toBe(0);
    await expect(reader.read()).rejects.toThrow();
    await expect(server.requests[0]?.closed).resolves.toEqual({ byClient: false });
  });
});
