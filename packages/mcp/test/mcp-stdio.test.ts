import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveMcpStdio } from '../src/index';
import {
  CODEER_ANSWER,
  CODEER_KEY,
  callWithProgress,
  MIIBO_ANSWER,
  MIIBO_KEY,
  type Simulators,
  startSimulators,
  textOf,
} from './helpers';

const FIXTURE = fileURLToPath(new URL('./fixtures/stdio-server.mjs', import.meta.url));

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(() => sims.close());

interface Spawned {
  client: Client;
  transport: StdioClientTransport;
  stderr: () => string;
  errors: Error[];
}

async function spawnServer(env: Record<string, string>): Promise<Spawned> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [FIXTURE],
    env: { PATH: process.env.PATH ?? '', TEST_PROGRESS_MS: '0', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const errors: Error[] = [];
  const client = new Client({ name: 'kakehashi-stdio-test', version: '1.0.0' });
  client.onerror = (error) => errors.push(error);
  await client.connect(transport);
  return { client, transport, stderr: () => stderr, errors };
}

describe('serveMcpStdio in a child process (what `kakehashi mcp` runs)', () => {
  it('lists the configured tools, answers, continues, reports progress, and keeps stdout for the protocol', async () => {
    const { CODEER_API_KEY, CODEER_BASE_URL, CODEER_AGENT_ID, MIIBO_API_KEY, MIIBO_AGENT_ID, MIIBO_BASE_URL } =
      sims.env;
    const child = await spawnServer({
      CODEER_API_KEY,
      CODEER_BASE_URL,
      CODEER_AGENT_ID,
      MIIBO_API_KEY,
      MIIBO_AGENT_ID,
      MIIBO_BASE_URL,
    });
    const { tools } = await child.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['codeer_chat', 'miibo_chat']);

    const first = await callWithProgress(child.client, 'codeer_chat', { message: '日本語で答えて' });
    expect(textOf(first.result)).toBe(CODEER_ANSWER);
    const session = (first.result.structuredContent as { session: string }).session;
    expect(first.progress.map((p) => p.message)).toContain('Codeer: ナレッジベースを検索中');
    const second = await callWithProgress(child.client, 'codeer_chat', { message: '続き', session });
    expect(second.result.structuredContent).toEqual({ text: CODEER_ANSWER, session });
    const miibo = await callWithProgress(child.client, 'miibo_chat', { message: 'こんにちは' });
    expect(textOf(miibo.result)).toBe(MIIBO_ANSWER);

    await child.client.close();
    // Every stdout line was a JSON-RPC message. The one error the official client may report is a
    // progress notification read together with its result (modelcontextprotocol/typescript-sdk#2580).
    expect(child.errors.filter((e) => !/progress notification for an unknown token/.test(e.message))).toEqual([]);
    expect(child.stderr()).toMatch(/kakehashi-mcp info: serving codeer_chat, miibo_chat \(not offered: agenticstar/);
    expect(child.stderr()).toMatch(/a library writing to console\.log/);
    // stdin ended: the server stopped and the process exited by itself (keep-alive sockets and all)
    expect(child.stderr()).toMatch(/test fixture: stdio server stopped\ntest fixture: exit 0\n/);
  });

  it('a cancelled call closes the upstream connection', async () => {
    const child = await spawnServer(sims.env);
    sims.codeer.stall();
    const before = sims.codeer.requests.length;
    const controller = new AbortController();
    const call = callWithProgress(
      child.client,
      'codeer_chat',
      { message: '待って' },
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
    sims.codeer.clearFaults();
    await child.client.close();
  });

  it('a wrong key is an isError result, and the key appears nowhere, stderr included', async () => {
    const child = await spawnServer({
      ...sims.env,
      CODEER_API_KEY: `${CODEER_KEY}-wrong`,
      MIIBO_API_KEY: `${MIIBO_KEY}-wrong`,
    });
    const wire: string[] = [];
    const onmessage = child.transport.onmessage;
    child.transport.onmessage = (message) => {
      wire.push(JSON.stringify(message));
      onmessage?.(message);
    };
    for (const tool of ['codeer_chat', 'miibo_chat']) {
      const result = await child.client.callTool({ name: tool, arguments: { message: 'x' } });
      expect(result.isError).toBe(true);
      expect(textOf(result as never)).toMatch(/refused the credentials \(HTTP 401/);
    }
    await child.client.close();
    expect(child.stderr()).toMatch(/codeer_chat failed: Codeer refused the credentials/);
    expect(child.stderr()).toMatch(/miibo_chat failed: miibo refused the credentials/);
    for (const text of [...wire, child.stderr()]) {
      expect(text).not.toContain(CODEER_KEY);
      expect(text).not.toContain(MIIBO_KEY);
    }
  });

  it('stops when the client closes stdin', async () => {
    const child = await spawnServer({});
    expect((await child.client.listTools()).tools).toEqual([]);
    expect(child.stderr()).toMatch(/no chat platform is configured/);
    const pid = child.transport.pid!;
    await child.client.close();
    expect(child.stderr()).toMatch(/test fixture: stdio server stopped/);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('serveMcpStdio in-process', () => {
  it('speaks newline-delimited JSON-RPC on the given streams and stops on the signal', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const logged: string[] = [];
    const controller = new AbortController();
    const running = await serveMcpStdio({
      stdin,
      stdout,
      signal: controller.signal,
      env: { CODEER_API_KEY: 'k' },
      logger: { info: (_fields, message) => logged.push(message) },
    });
    const lines: string[] = [];
    stdout.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } })}\n`,
    );
    await new Promise<void>((resolve) => stdout.once('data', () => resolve()));
    expect(JSON.parse(lines[0]!)).toMatchObject({ id: 1, result: { serverInfo: { name: 'kakehashi' } } });
    expect(logged).toEqual([
      'serving codeer_chat (not offered: agenticstar: set AGENTICSTAR_CLIENT_ID; miibo: set MIIBO_API_KEY)',
    ]);
    controller.abort();
    await running.closed;
  });

  it('stops when stdin ends, and refuses bad options naming the field', async () => {
    const stdin = new PassThrough();
    const running = await serveMcpStdio({ stdin, stdout: new PassThrough(), env: {}, logger: false });
    stdin.end();
    await running.closed;
    await running.close(); // idempotent
    await expect(serveMcpStdio({ stdin: 'x' as never, logger: false })).rejects.toThrow(/options\.stdin/);
    await expect(serveMcpStdio({ signal: 'x' as never })).rejects.toThrow(/options\.signal/);
    await expect(serveMcpStdio({ port: 1 } as never)).rejects.toThrow(/options\.port.*not an option of serveMcpStdio/);
  });
});
