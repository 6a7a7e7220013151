import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../src/index';

const servers: ScriptedServer[] = [];

async function start(...args: Parameters<typeof startScriptedServer>): Promise<ScriptedServer> {
  const server = await startScriptedServer(...args);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('startScriptedServer', () => {
  it('listens on 127.0.0.1 with a url without trailing slash', async () => {
    const server = await start();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('answers queued replies in order, then falls back to the handler', async () => {
    const server = await start((request) => ({ status: 202, body: `fallback ${request.path}` }));
    expect(server.reply({ body: 'one' }, { status: 201, body: 'two' })).toBe(server);
    expect(server.queuedReplies).toBe(2);

    const first = await fetch(`${server.url}/a`);
    const second = await fetch(`${server.url}/b`);
    const third = await fetch(`${server.url}/c`);
    expect([first.status, await first.text()]).toEqual([200, 'one']);
    expect([second.status, await second.text()]).toEqual([201, 'two']);
    expect([third.status, await third.text()]).toEqual([202, 'fallback /c']);
    expect(server.requests.map((request) => [request.index, request.path])).toEqual([
      [0, '/a'],
      [1, '/b'],
      [2, '/c'],
    ]);
  });

  it('answers 404 JSON when nothing is scripted, and handle() replaces the handler', async () => {
    const server = await start();
    const missing = await fetch(`${server.url}/nothing`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/json');
    expect(await missing.json()).toEqual({ error: 'no scripted reply' });

    expect(server.handle(async () => ({ body: 'handled' }))).toBe(server);
    expect(await (await fetch(server.url)).text()).toBe('handled');
  });

  it('accepts options with a handler', async () => {
    const server = await start({ handler: () => ({ status: 418 }) });
    expect((await fetch(server.url)).status).toBe(418);
  });

  it('records method, url, path, query, lower-cased headers and the body', async () => {
    const server = await start();
    server.reply({ body: 'ok' }, { body: 'ok' });
    const headers = new Headers({ 'Content-Type': 'application/json', 'X-Request-ID': 'abc' });
    headers.append('X-Multi', 'a');
    headers.append('X-Multi', 'b');
    await (
      await fetch(`${server.url}/v1/chat?stream=true&q=%E6%97%A5%E6%9C%AC`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ message: '日本語', n: 1 }),
      })
    ).text();
    await (
      await fetch(`${server.url}/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'a b' }),
      })
    ).text();

    const [chat, token] = server.requests;
    expect(chat?.method).toBe('POST');
    expect(chat?.url).toBe('/v1/chat?stream=true&q=%E6%97%A5%E6%9C%AC');
    expect(chat?.path).toBe('/v1/chat');
    expect(chat?.query.get('stream')).toBe('true');
    expect(chat?.query.get('q')).toBe('日本');
    expect(chat?.headers['content-type']).toBe('application/json');
    expect(chat?.headers['x-request-id']).toBe('abc');
    expect(chat?.headers['x-multi']).toBe('a, b');
    expect(chat?.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(Object.keys(chat?.headers ?? {}).every((name) => name === name.toLowerCase())).toBe(true);
    expect(chat?.json()).toEqual({ message: '日本語', n: 1 });
    expect(chat?.body).toBe('{"message":"日本語","n":1}');
    expect(new TextDecoder().decode(chat?.rawBody)).toBe(chat?.body);

    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(token?.form().get('grant_type')).toBe('client_credentials');
    expect(token?.form().get('scope')).toBe('a b');
    expect(() => token?.json()).toThrow(/request #1 \(POST \/token\) body is not JSON/);
  });

  it('records an empty body for a GET', async () => {
    const server = await start(() => ({}));
    await (await fetch(`${server.url}/x`)).text();
    expect(server.requests[0]?.body).toBe('');
    expect(server.requests[0]?.rawBody.byteLength).toBe(0);
  });

  it('sends status and headers (429 with retry-after)', async () => {
    const server = await start();
    server.reply({
      status: 429,
      headers: { 'retry-after': '1', 'content-type': 'application/json', 'x-request-id': 'req-1' },
      body: '{"error":"rate_limited"}',
    });
    const response = await fetch(server.url);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('x-request-id')).toBe('req-1');
    expect(response.headers.get('content-length')).toBe('24');
    expect(await response.json()).toEqual({ error: 'rate_limited' });
  });

  it('sends a whole Uint8Array body with its content-length', async () => {
    const server = await start();
    const bytes = new TextEncoder().encode('日本語');
    server.reply({ body: bytes });
    const response = await fetch(server.url);
    expect(response.headers.get('content-length')).toBe('9');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
  });

  it('waitForRequests resolves once enough requests arrived, and times out otherwise', async () => {
    const server = await start(() => ({ body: 'ok' }));
    await expect(server.waitForRequests(0)).resolves.toEqual([]);
    const pending = server.waitForRequests(2);
    const responses = Promise.all([fetch(`${server.url}/1`), fetch(`${server.url}/2`)]);
    const requests = await pending;
    expect(requests.map((request) => request.path).sort()).toEqual(['/1', '/2']);
    await Promise.all((await responses).map((response) => response.text()));

    await expect(server.waitForRequests(3, 50)).rejects.toThrow(/waited 50 ms for 3 request\(s\) but 2 arrived/);
  });

  it('waitForRequests rejects when the server closes', async () => {
    const server = await start();
    const pending = server.waitForRequests(1, 10_000);
    await server.close();
    await expect(pending).rejects.toThrow(/server closed/);
  });

  it('answers 500 with the reason when the handler throws or returns a bad reply', async () => {
    const server = await start((request) => {
      if (request.path === '/throw') throw new Error('boom');
      return { status: 42 };
    });
    const thrown = await fetch(`${server.url}/throw`);
    expect(thrown.status).toBe(500);
    expect(((await thrown.json()) as { error: string }).error).toMatch(/handler failed .*GET \/throw.*boom/);
    const bad = await fetch(`${server.url}/bad`);
    expect(bad.status).toBe(500);
    expect(((await bad.json()) as { error: string }).error).toMatch(/status must be an integer from 100 to 999/);
  });

  it('rejects malformed replies and options at once, naming the field', async () => {
    const server = await start();
    expect(() => server.reply({ body: ['ok', { wait: -1 }] })).toThrow(
      /reply #0\.body\[1\]\.wait must be a non-negative/,
    );
    expect(() => server.reply({ headers: { 'retry-after': 1 as unknown as string } })).toThrow(
      /reply #0\.headers\["retry-after"\] must be a string/,
    );
    expect(() => server.reply({ stauts: 200 } as never)).toThrow(/unknown field "stauts"/);
    expect(() => server.handle('nope' as never)).toThrow(/handle\(handler\) must be a function/);
    await expect(startScriptedServer({ port: 1 } as never)).rejects.toThrow(/unknown option "port"/);
    expect(server.queuedReplies).toBe(0);
  });

  it('keeps connections alive and close() does not hang on idle keep-alive sockets', async () => {
    const server = await start(() => ({ body: 'ok' }));
    for (let i = 0; i < 5; i += 1) expect(await (await fetch(server.url)).text()).toBe('ok');
    expect(server.requests.every((request) => request.headers.connection !== 'close')).toBe(true);
    // The client pools and reuses sockets, and they stay open (idle) after the responses.
    expect(server.openConnections).toBeGreaterThanOrEqual(1);
    expect(server.openConnections).toBeLessThan(5);
    await server.close();
    expect(server.openConnections).toBe(0);
    await server.close(); // idempotent
    await expect(fetch(server.url)).rejects.toThrow();
  });

  it('closes through Symbol.asyncDispose (await using)', async () => {
    let url = '';
    {
      await using server = await startScriptedServer(() => ({ body: 'ok' }));
      url = server.url;
      expect(await (await fetch(url)).text()).toBe('ok');
    }
    await expect(fetch(url)).rejects.toThrow();
  });
});

describe('host validation', () => {
  it.each(['0.0.0.0', '192.168.1.10', '::', 'example.com', '', '::ffff:10.0.0.1'])(
    'rejects the non-loopback host %j',
    async (host) => {
      await expect(startScriptedServer({ host })).rejects.toThrow(
        `testkit: host "${host}" is not a loopback address; simulators only bind 127.0.0.0/8 or ::1`,
      );
    },
  );

  it('accepts 127.0.0.1 and localhost (bound as 127.0.0.1)', async () => {
    const explicit = await start({ host: '127.0.0.1' });
    expect(explicit.url).toBe(`http://127.0.0.1:${explicit.port}`);
    const named = await start({ host: 'localhost' });
    expect(named.url).toBe(`http://127.0.0.1:${named.port}`);
  });

  it('accepts ::1 when the machine has IPv6 loopback', async (context) => {
    let server: ScriptedServer;
    try {
      server = await start({ host: '[::1]' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') return context.skip();
      throw error;
    }
    expect(server.url).toBe(`http://[::1]:${server.port}`);
    server.reply({ body: 'v6' });
    expect(await (await fetch(server.url)).text()).toBe('v6');
  });
});
