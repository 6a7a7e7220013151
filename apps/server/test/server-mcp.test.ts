/**
 * `POST /mcp` on the gateway: the MCP tools of the same directory as `/v1`, behind the same API keys,
 * driven by the official MCP client over streamable HTTP.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createEchoPlatform, defaultPlatforms } from '@kakehashi/platforms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KakehashiServer } from '../src/index';
import { startInProcess } from './server-harness';

const KEY = 'mcp-test-key-0001';
let server: KakehashiServer;
let url: string;

beforeAll(async () => {
  const started = await startInProcess({
    apiKeys: [KEY],
    platforms: defaultPlatforms.with(createEchoPlatform({ delayMs: 5 })),
    env: {},
  });
  server = started.server;
  url = `${started.url}/mcp`;
});
afterAll(() => server?.close(0));

async function connect(key: string | undefined): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: key ? { headers: { authorization: `Bearer ${key}` } } : {},
  });
  const client = new Client({ name: 'kakehashi-server-mcp-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

describe('POST /mcp', () => {
  it('lists one tool per configured platform and answers with the session', async () => {
    const client = await connect(KEY);
    const { tools } = await client.listTools();
    // No platform variables are set: only the echo platform is configured.
    expect(tools.map((t) => t.name)).toEqual(['echo_chat']);
    const first = await client.callTool({ name: 'echo_chat', arguments: { message: 'こんにちは' } });
    expect(first.structuredContent).toMatchObject({ text: 'echo: こんにちは' });
    const session = (first.structuredContent as { session: string }).session;
    const second = await client.callTool({ name: 'echo_chat', arguments: { message: 'また', session } });
    expect(second.structuredContent).toEqual({ text: 'echo: また', session });
    await client.close();
  });

  it('answers 401 without an API key, and with a wrong one', async () => {
    for (const key of [undefined, 'wrong-key']) {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status).toBe(401);
      await res.body?.cancel();
    }
    await expect(connect(undefined)).rejects.toThrow();
  });
});
