import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type CodeerSimulator, startCodeerSimulator, simulatorEnv } from '@kakehashi/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, KAKEHASHI_BIN } from './cli-process';

// `kakehashi mcp` exactly as an MCP host starts it: the built binary on stdio, driven by the official client.
const ANSWER = '締め日は毎月25日です。';
let codeer: CodeerSimulator;

beforeAll(async () => {
  codeer = await startCodeerSimulator({ answer: ANSWER, deltaSize: 2 });
});
afterAll(() => codeer.close());

async function connect(extra: Record<string, string>) {
  const env = cleanEnv(extra);
  const transport = new StdioClientTransport({
    command: KAKEHASHI_BIN,
    args: ['mcp'],
    env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const client = new Client({ name: 'kakehashi-cli-mcp-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

const textOf = (result: unknown) =>
  ((result as { content?: { type: string; text: string }[] }).content ?? []).map((c) => c.text).join('');

describe('kakehashi mcp (stdio)', () => {
  it('offers the configured platforms, answers, and continues a session', async () => {
    const { client, stderr } = await connect(simulatorEnv({ codeer }));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['codeer_chat']);
    const chatsBefore = codeer.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chats')).length;
    const first = await client.callTool({ name: 'codeer_chat', arguments: { message: 'いつですか' } });
    expect(textOf(first)).toBe(ANSWER);
    const session = (first.structuredContent as { session: string }).session;
    const second = await client.callTool({ name: 'codeer_chat', arguments: { message: '続き', session } });
    expect(second.structuredContent).toEqual({ text: ANSWER, session });
    const chatsAfter = codeer.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chats')).length;
    expect(chatsAfter - chatsBefore).toBe(1);
    await client.close();
    expect(stderr()).not.toContain(codeer.apiKey);
  });

  it('cancelling a slow call closes the upstream connection', async () => {
    const { client } = await connect(simulatorEnv({ codeer }));
    codeer.stall({ afterEvents: 2 });
    const seen = codeer.requests.length;
    const controller = new AbortController();
    const call = client.callTool({ name: 'codeer_chat', arguments: { message: '遅い' } }, undefined, {
      signal: controller.signal,
    });
    // Wait until the message request reached the simulator, then cancel (the client sends notifications/cancelled).
    for (;;) {
      const sent = codeer.requests.slice(seen).find((r) => r.path.includes('/messages'));
      if (sent) {
        controller.abort();
        await expect(call).rejects.toThrow();
        expect(await sent.closed).toMatchObject({ byClient: true });
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await client.close();
  });

  it('a wrong credential is an isError result with one line and no secret', async () => {
    const secret = 'wrong-key-must-not-leak-1234567890';
    const { client, stderr } = await connect({ ...simulatorEnv({ codeer }), CODEER_API_KEY: secret });
    const result = await client.callTool({ name: 'codeer_chat', arguments: { message: 'hi' } });
    expect(result.isError).toBe(true);
    expect(textOf(result).split('\n')).toHaveLength(1);
    expect(JSON.stringify(result)).not.toContain(secret);
    await client.close();
    expect(stderr()).not.toContain(secret);
  });
});
