import { createEchoPlatform, createPlatformRegistry, defaultPlatforms } from '@kakehashi/platforms';
import { InvalidArgumentError } from '@kakehashi/sse-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createKakehashiMcpServer, MCP_SERVER_VERSION } from '../src/index';
import { type Connected, callWithProgress, connectInMemory, logSink, textOf } from './helpers';

let connected: Connected | undefined;
afterEach(async () => {
  await connected?.close();
  connected = undefined;
});

const FULL_ENV = {
  CODEER_API_KEY: 'k',
  CODEER_AGENT_ID: 'a',
  AGENTICSTAR_CLIENT_ID: 'id',
  AGENTICSTAR_CLIENT_SECRET: 's',
  MIIBO_API_KEY: 'k',
  MIIBO_AGENT_ID: 'a',
};

describe('tools/list', () => {
  it('offers one tool per configured platform, in registry order, with the chat schemas', async () => {
    connected = await connectInMemory({ env: FULL_ENV });
    const { tools } = await connected.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['agenticstar_chat', 'codeer_chat', 'miibo_chat']);
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(Object.keys(tool.inputSchema.properties ?? {})).toEqual(['message', 'agent', 'session']);
      expect(tool.inputSchema.required).toEqual(['message']);
      expect(Object.keys(tool.outputSchema?.properties ?? {})).toEqual(['text', 'session']);
      expect(tool.outputSchema?.required).toEqual(['text']);
      expect(tool.description).toMatch(/session/);
      expect(tool.annotations?.openWorldHint).toBe(true);
    }
    const codeer = tools.find((t) => t.name === 'codeer_chat')!;
    expect(codeer.title).toBe('Codeer chat');
    expect(codeer.description).toMatch(/Codeer chat id/);
    expect(tools.find((t) => t.name === 'miibo_chat')!.description).toMatch(/miibo uid/);
    expect(tools.find((t) => t.name === 'agenticstar_chat')!.description).toMatch(/AgenticStar conversation id/);
  });

  it('leaves out a platform whose credential is missing, and one switched off, and logs why', async () => {
    const sink = logSink();
    connected = await connectInMemory({
      env: { CODEER_API_KEY: 'k', MIIBO_API_KEY: 'k', MIIBO_AGENT_ID: 'a' },
      provide: { miibo: false },
      logger: sink.logger,
    });
    const { tools } = await connected.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['codeer_chat']);
    expect(tools[0]!.description).toMatch(/no default agent is configured/);
    expect(sink.lines.join('')).toMatch(/serving codeer_chat \(not offered: agenticstar: set AGENTICSTAR_CLIENT_ID\)/);
  });

  it('offers no tool (and still answers tools/list) when nothing is configured', async () => {
    const sink = logSink();
    connected = await connectInMemory({ env: {}, logger: sink.logger });
    expect((await connected.client.listTools()).tools).toEqual([]);
    expect(sink.lines.join('')).toMatch(
      /no chat platform is configured.*set one of AGENTICSTAR_CLIENT_ID, CODEER_API_KEY, MIIBO_API_KEY/,
    );
  });

  it('says who it is in the handshake, with instructions about sessions', async () => {
    connected = await connectInMemory({ env: {} });
    expect(connected.client.getServerVersion()).toMatchObject({ name: 'kakehashi', version: MCP_SERVER_VERSION });
    expect(connected.client.getInstructions()).toMatch(/session/);
  });

  it('takes a description per platform', async () => {
    connected = await connectInMemory({ env: FULL_ENV, descriptions: { codeer: 'Our support bot.' } });
    const { tools } = await connected.client.listTools();
    expect(tools.find((t) => t.name === 'codeer_chat')!.description).toBe('Our support bot.');
  });
});

describe('the echo platform (built from the contract alone)', () => {
  const echoRegistry = (options: Parameters<typeof createEchoPlatform>[0] = {}) =>
    createPlatformRegistry([createEchoPlatform(options)]);

  it('answers as text content and structured { text, session }, and continues the session', async () => {
    connected = await connectInMemory({
      platforms: echoRegistry({ answer: (input, turn) => `#${turn}: ${input.messages.at(-1)!.content}` }),
    });
    const { tools } = await connected.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['echo_chat']);
    const first = await callWithProgress(connected.client, 'echo_chat', { message: 'こんにちは' });
    expect(first.result.isError).toBeFalsy();
    expect(first.result.content).toEqual([{ type: 'text', text: '#1: こんにちは' }]);
    expect(first.result.structuredContent).toEqual({ text: '#1: こんにちは', session: 'echo-session-1' });
    const second = await callWithProgress(connected.client, 'echo_chat', {
      message: 'もう一度',
      session: 'echo-session-1',
    });
    expect(second.result.structuredContent).toEqual({ text: '#2: もう一度', session: 'echo-session-1' });
    const fresh = await callWithProgress(connected.client, 'echo_chat', { message: 'new', session: '  ' });
    expect(fresh.result.structuredContent).toEqual({ text: '#1: new', session: 'echo-session-2' });
  });

  it('reports the start, every step and the text as progress, always increasing', async () => {
    connected = await connectInMemory({
      platforms: echoRegistry({ steps: ['資料を検索', '要約'], chunkSize: 3 }),
      progressIntervalMs: 0,
    });
    const { result, progress } = await callWithProgress(connected.client, 'echo_chat', { message: '日本語のテキスト' });
    expect(textOf(result)).toBe('echo: 日本語のテキスト');
    const messages = progress.map((p) => p.message);
    expect(messages.slice(0, 5)).toEqual([
      'Echo: the agent is answering',
      'Echo: 資料を検索',
      'Echo: 資料を検索 (completed)',
      'Echo: 要約',
      'Echo: 要約 (completed)',
    ]);
    // 'echo: 日本語のテキスト' is 14 code points: 5 deltas of at most 3 (whitespace folded and trimmed)
    expect(messages.slice(5)).toEqual([
      'Echo: ech',
      'Echo: echo:',
      'Echo: echo: 日本語',
      'Echo: echo: 日本語のテキ',
      'Echo: echo: 日本語のテキスト',
    ]);
    expect(progress.map((p) => p.progress)).toEqual(progress.map((_, i) => i + 1));
  });

  it('batches text progress by progressIntervalMs, but never the steps', async () => {
    connected = await connectInMemory({
      platforms: echoRegistry({ steps: ['一'], chunkSize: 1 }),
      progressIntervalMs: 3_600_000,
    });
    const { progress } = await callWithProgress(connected.client, 'echo_chat', { message: 'abcdefghij' });
    expect(progress.map((p) => p.message)).toEqual([
      'Echo: the agent is answering',
      'Echo: 一',
      'Echo: 一 (completed)',
      'Echo: e',
    ]);
  });

  it('cuts a long progress message to the answer’s last characters, never inside a surrogate pair', async () => {
    connected = await connectInMemory({
      platforms: echoRegistry({ answer: () => '🌉'.repeat(100), chunkSize: 100 }),
      progressIntervalMs: 0,
    });
    const { progress } = await callWithProgress(connected.client, 'echo_chat', { message: 'x' });
    expect(progress.at(-1)!.message).toBe(`Echo: …${'🌉'.repeat(80)}`);
  });

  it('answers a bad input with isError naming the field', async () => {
    connected = await connectInMemory({ platforms: echoRegistry() });
    const result = await connected.client.callTool({ name: 'echo_chat', arguments: { text: 'no message' } });
    expect(result.isError).toBe(true);
    expect(textOf(result as never)).toMatch(/message/);
    const unknown = await connected.client.callTool({ name: 'nope_chat', arguments: { message: 'x' } });
    expect(unknown.isError).toBe(true);
  });

  it('answers a turn the platform refuses with isError, naming the tool’s field', async () => {
    const refusing = {
      provider: 'echo',
      startTurn(): never {
        throw new InvalidArgumentError('input.agentId', 'must be a number');
      },
    };
    connected = await connectInMemory({ platforms: echoRegistry(), provide: { echo: refusing } });
    const result = await connected.client.callTool({ name: 'echo_chat', arguments: { message: 'x', agent: 'a' } });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: 'text', text: 'Invalid argument "agent": must be a number' }]);
  });
});

describe('options', () => {
  it('refuses bad options naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ progressIntervalMs: -1 }, /options\.progressIntervalMs/],
      [{ nope: 1 }, /options/],
      [{ provide: { nope: {} } }, /options\.provide\.nope.*not a platform here/],
      [{ descriptions: { codeer: '' } }, /options\.descriptions\.codeer/],
      [{ logger: 'stdout' }, /options\.logger/],
      [{ maxRetries: 1.5 }, /options\.maxRetries/],
      [{ timeouts: { idleMs: 0 } }, /options\.timeouts\.idleMs/],
      ['nope', /options/],
    ];
    for (const [options, field] of cases) {
      const error = await createKakehashiMcpServer(options as never).catch((e: unknown) => e);
      expect(InvalidArgumentError.isInstance(error), String(options)).toBe(true);
      expect((error as Error).message).toMatch(field);
    }
  });

  it('refuses platforms, provide or env beside a ready directory', async () => {
    const { createAgentDirectory } = await import('@kakehashi/platforms');
    const directory = createAgentDirectory({ platforms: defaultPlatforms, env: {} });
    await expect(createKakehashiMcpServer({ directory, env: {} })).rejects.toThrow(
      /options\.env.*must not be set with options\.directory/,
    );
    const server = await createKakehashiMcpServer({ directory });
    await server.close();
  });
});
