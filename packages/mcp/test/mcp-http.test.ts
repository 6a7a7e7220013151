import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEchoPlatform, createPlatformRegistry } from '@kakehashi/platforms';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMcpHttpHandler, type McpHttpHandler, type McpHttpOptions } from '../src/index';
import {
  AGENTICSTAR_ANSWER,
  CODEER_ANSWER,
  CODEER_KEY,
  callWithProgress,
  logSink,
  MIIBO_ANSWER,
  type Simulators,
  startSimulators,
  textOf,
} from './helpers';

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(() => sims.close());

interface Mounted {
  url: URL;
  handler: McpHttpHandler;
  http: Server;
  clients: Client[];
  connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }>;
  close(): Promise<void>;
}

let mounted: Mounted | undefined;
afterEach(async () => {
  await mounted?.close();
  mounted = undefined;
  sims.codeer.clearFaults();
});

/** A loopback `node:http` server with the handler at `/mcp` (and 404 elsewhere). */
async function mount(options: McpHttpOptions): Promise<Mounted> {
  const handler = createMcpHttpHandler(options);
  const http = createServer((req, res) => {
    if (req.url?.split('?')[0] === '/mcp') void handler.node(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`);
  const clients: Client[] = [];
  return {
    url,
    handler,
    http,
    clients,
    async connect() {
      const transport = new StreamableHTTPClientTransport(url);
      const client = new Client({ name: 'kakehashi-http-test', version: '1.0.0' });
      await client.connect(transport);
      clients.push(client);
      return { client, transport };
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await handler.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

describe('streamable HTTP, with sessions (the default)', () => {
  it('lists only the configured platforms and answers each of them', async () => {
    const { CODEER_API_KEY: _drop, ...withoutCodeer } = sims.env;
    mounted = await mount({ env: withoutCodeer });
    const { client, transport } = await mounted.connect();
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(mounted.handler.sessionCount).toBe(1);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['agenticstar_chat', 'miibo_chat']);
    const a = await client.callTool({ name: 'agenticstar_chat', arguments: { message: 'こんにちは' } });
    expect(textOf(a as never)).toBe(AGENTICSTAR_ANSWER);
    const m = await client.callTool({ name: 'miibo_chat', arguments: { message: 'こんにちは' } });
    expect(textOf(m as never)).toBe(MIIBO_ANSWER);
  });

  it('streams progress on the call’s response and continues a Codeer chat', async () => {
    mounted = await mount({ env: sims.env, progressIntervalMs: 0 });
    const { client } = await mounted.connect();
    const before = sims.codeer.requests.length;
    const first = await callWithProgress(client, 'codeer_chat', { message: '質問です' });
    expect(textOf(first.result)).toBe(CODEER_ANSWER);
    expect(first.progress.map((p) => p.message)).toContain('Codeer: ナレッジベースを検索中');
    expect(first.progress.at(-1)!.message).toMatch(/ご質問をどうぞ。$/);
    const session = (first.result.structuredContent as { session: string }).session;
    const second = await callWithProgress(client, 'codeer_chat', { message: '続き', session });
    expect(second.result.structuredContent).toEqual({ text: CODEER_ANSWER, session });
    const creates = sims.codeer.requests.slice(before).filter((r) => r.method === 'POST' && r.path.endsWith('/chats'));
    expect(creates).toHaveLength(1);
  });

  it('notifications/cancelled closes the upstream stream at once', async () => {
    mounted = await mount({ env: sims.env, progressIntervalMs: 0 });
    const { client } = await mounted.connect();
    sims.codeer.stall();
    const before = sims.codeer.requests.length;
    const controller = new AbortController();
    const call = callWithProgress(
      client,
      'codeer_chat',
      { message: '長い話' },
      {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.message?.includes('こんにちは')) controller.abort();
        },
      },
    );
    await expect(call).rejects.toThrow(/abort/i);
    const stream = sims.codeer.requests.slice(before).find((r) => r.path.endsWith('/messages'))!;
    await expect(stream.closed).resolves.toEqual({ byClient: true });
    // the session is still usable afterwards
    sims.codeer.clearFaults();
    const again = await client.callTool({ name: 'codeer_chat', arguments: { message: 'もう一度' } });
    expect(textOf(again as never)).toBe(CODEER_ANSWER);
  });

  it('a wrong key is an isError result without the key, on the wire or in the log', async () => {
    const sink = logSink();
    mounted = await mount({ env: { ...sims.env, CODEER_API_KEY: `${CODEER_KEY}-wrong` }, logger: sink.logger });
    const { client, transport } = await mounted.connect();
    const wire: string[] = [];
    const onmessage = transport.onmessage;
    transport.onmessage = (...args: Parameters<NonNullable<typeof onmessage>>) => {
      wire.push(JSON.stringify(args[0]));
      onmessage?.(...args);
    };
    const result = await client.callTool({ name: 'codeer_chat', arguments: { message: 'x' } });
    expect(result.isError).toBe(true);
    expect(textOf(result as never)).toBe('Codeer refused the credentials (HTTP 401, code 10001): check CODEER_API_KEY');
    for (const text of [...wire, ...sink.lines]) expect(text).not.toContain(CODEER_KEY);
  });

  it('ends a session on DELETE, answers 404 for an unknown one and 405 for GET', async () => {
    mounted = await mount({ platforms: createPlatformRegistry([createEchoPlatform()]) });
    const { transport } = await mounted.connect();
    expect(mounted.handler.sessionCount).toBe(1);
    await transport.terminateSession();
    expect(mounted.handler.sessionCount).toBe(0);

    const post = (headers: Record<string, string>) =>
      mounted!.handler.handle(
        new Request(mounted!.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        }),
      );
    const unknown = await post({ 'mcp-session-id': 'no-such-session' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: -32001 } });
    const uninitialised = await post({});
    expect(uninitialised.status).toBe(400);
    expect(mounted.handler.sessionCount).toBe(0);
    const get = await mounted.handler.handle(new Request(mounted.url, { headers: { accept: 'text/event-stream' } }));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, DELETE');
  });

  it('keeps at most maxSessions, closing the least recently used', async () => {
    mounted = await mount({ platforms: createPlatformRegistry([createEchoPlatform()]), maxSessions: 2 });
    const first = await mounted.connect();
    await mounted.connect();
    await mounted.connect();
    expect(mounted.handler.sessionCount).toBe(2);
    await expect(first.client.listTools()).rejects.toThrow(/404|Session not found/);
  });

  it('closes sessions idle longer than sessionIdleMs', async () => {
    let clock = 0;
    mounted = await mount({
      platforms: createPlatformRegistry([createEchoPlatform()]),
      sessionIdleMs: 1000,
      now: () => clock,
    });
    const a = await mounted.connect();
    const b = await mounted.connect();
    clock = 1001;
    await b.client.listTools(); // any request sweeps idle sessions; b's own request keeps it
    expect(mounted.handler.sessionCount).toBe(1);
    await expect(a.client.listTools()).rejects.toThrow(/404|Session not found/);
  });
});

describe('streamable HTTP, stateless', () => {
  it('serves each POST on its own: no session id, tools, answers and progress', async () => {
    mounted = await mount({ env: sims.env, stateless: true, progressIntervalMs: 0 });
    const { client, transport } = await mounted.connect();
    expect(transport.sessionId).toBeUndefined();
    expect(mounted.handler.sessionCount).toBe(0);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['agenticstar_chat', 'codeer_chat', 'miibo_chat']);
    const first = await callWithProgress(client, 'codeer_chat', { message: 'x' });
    expect(textOf(first.result)).toBe(CODEER_ANSWER);
    expect(first.progress.length).toBeGreaterThan(2);
    const session = (first.result.structuredContent as { session: string }).session;
    const second = await callWithProgress(client, 'codeer_chat', { message: 'y', session });
    expect((second.result.structuredContent as { session: string }).session).toBe(session);
  });

  it('a client that drops the connection cancels its call', async () => {
    mounted = await mount({ env: sims.env, stateless: true });
    sims.codeer.stall();
    const before = sims.codeer.requests.length;
    const controller = new AbortController();
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'codeer_chat', arguments: { message: 'x' } },
    };
    const response = await fetch(mounted.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(init),
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const stream = await (async () => {
      for (;;) {
        const found = sims.codeer.requests.slice(before).find((r) => r.path.endsWith('/messages'));
        if (found) return found;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    controller.abort();
    await expect(stream.closed).resolves.toEqual({ byClient: true });
  });

  it('answers 405 to GET and DELETE', async () => {
    mounted = await mount({ platforms: createPlatformRegistry([createEchoPlatform()]), stateless: true });
    for (const method of ['GET', 'DELETE']) {
      const response = await mounted.handler.handle(new Request(mounted.url, { method }));
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
  });
});

describe('createMcpHttpHandler options', () => {
  it('refuses bad options naming the field', () => {
    expect(() => createMcpHttpHandler({ maxSessions: 0 })).toThrow(/options\.maxSessions/);
    expect(() => createMcpHttpHandler({ sessionIdleMs: -1 })).toThrow(/options\.sessionIdleMs/);
    expect(() => createMcpHttpHandler({ nope: true } as never)).toThrow(/options\.nope/);
    expect(() => createMcpHttpHandler({ progressIntervalMs: 'fast' } as never)).toThrow(/options\.progressIntervalMs/);
  });

  it('refuses a body over maxBodyBytes with 413', async () => {
    mounted = await mount({ platforms: createPlatformRegistry([createEchoPlatform()]), maxBodyBytes: 64 });
    const response = await mounted.handler.handle(
      new Request(mounted.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { padding: 'x'.repeat(200) } }),
      }),
    );
    expect(response.status).toBe(413);
  });
});
