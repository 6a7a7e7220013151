import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENTICSTAR_ANSWER,
  AGENTICSTAR_SECRET,
  CODEER_ANSWER,
  CODEER_KEY,
  type Connected,
  callWithProgress,
  connectInMemory,
  logSink,
  MIIBO_AGENT,
  MIIBO_ANSWER,
  MIIBO_KEY,
  type Simulators,
  startSimulators,
  textOf,
} from './helpers';

let sims: Simulators;
let connected: Connected | undefined;
beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(() => sims.close());
afterEach(async () => {
  await connected?.close();
  connected = undefined;
  for (const sim of [sims.codeer, sims.agenticstar, sims.miibo]) sim.clearFaults().split(undefined);
  sims.miibo.resetKnobs();
});

const SECRETS = [CODEER_KEY, MIIBO_KEY, AGENTICSTAR_SECRET];

function expectNoSecret(texts: readonly string[]): void {
  for (const text of texts) for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('each platform through its tool, against the simulators', () => {
  it('lists every configured platform', async () => {
    connected = await connectInMemory({ env: sims.env });
    const { tools } = await connected.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['agenticstar_chat', 'codeer_chat', 'miibo_chat']);
  });

  it('codeer_chat answers, reports its steps as progress, and continues the same chat', async () => {
    connected = await connectInMemory({ env: sims.env, progressIntervalMs: 0 });
    const before = sims.codeer.requests.length;
    const first = await callWithProgress(connected.client, 'codeer_chat', { message: '営業時間は?' });
    expect(first.result.isError).toBeFalsy();
    expect(textOf(first.result)).toBe(CODEER_ANSWER);
    const session = (first.result.structuredContent as { session: string }).session;
    expect(first.result.structuredContent).toEqual({ text: CODEER_ANSWER, session });
    expect(session).toMatch(/^\d+$/);
    expect(first.progress.length).toBeGreaterThan(2);
    // the simulator's reasoning step, by its title, then the text as it grows
    expect(first.progress.slice(0, 3).map((p) => p.message)).toEqual([
      'Codeer: the agent is answering',
      'Codeer: ナレッジベースを検索中',
      'Codeer: ナレッジベースを検索中 (completed)',
    ]);
    expect(first.progress.at(-1)!.message).toMatch(/ご質問をどうぞ。$/);

    const second = await callWithProgress(connected.client, 'codeer_chat', { message: '土曜日は?', session });
    expect(textOf(second.result)).toBe(CODEER_ANSWER);
    expect((second.result.structuredContent as { session: string }).session).toBe(session);
    const mine = sims.codeer.requests.slice(before);
    expect(mine.filter((r) => r.method === 'POST' && r.path.endsWith('/chats'))).toHaveLength(1);
    const sends = mine.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    expect(sends.map((r) => r.path)).toEqual([
      `${new URL(sims.codeer.url).pathname}/chats/${session}/messages`,
      `${new URL(sims.codeer.url).pathname}/chats/${session}/messages`,
    ]);
  });

  it('codeer_chat takes another agent by id', async () => {
    connected = await connectInMemory({ env: { ...sims.env, CODEER_AGENT_ID: '' } });
    const missing = await connected.client.callTool({ name: 'codeer_chat', arguments: { message: 'x' } });
    expect(missing.isError).toBe(true);
    expect(textOf(missing as never)).toMatch(/Codeer needs an agent: pass "agent".*CODEER_AGENT_ID/);
    const ok = await connected.client.callTool({
      name: 'codeer_chat',
      arguments: { message: 'x', agent: sims.codeer.agentId },
    });
    expect(ok.isError).toBeFalsy();
    expect(textOf(ok as never)).toBe(CODEER_ANSWER);
  });

  it('agenticstar_chat answers and continues the same conversation', async () => {
    connected = await connectInMemory({ env: sims.env, progressIntervalMs: 0 });
    const before = sims.agenticstar.chatRequests.length;
    const first = await callWithProgress(connected.client, 'agenticstar_chat', { message: '東京の天気は?' });
    expect(first.result.isError).toBeFalsy();
    expect(textOf(first.result)).toBe(AGENTICSTAR_ANSWER);
    const session = (first.result.structuredContent as { session: string }).session;
    expect(session).toMatch(/^conv-/);
    expect(first.progress.length).toBeGreaterThan(1);
    const second = await callWithProgress(connected.client, 'agenticstar_chat', { message: '明日は?', session });
    expect((second.result.structuredContent as { session: string }).session).toBe(session);
    const bodies = sims.agenticstar.chatRequests.slice(before).map((r) => r.json<Record<string, unknown>>());
    expect(bodies).toHaveLength(2);
    expect(bodies[0]!.conversationId).toBeUndefined();
    expect(bodies[1]!.conversationId).toBe(session);
  });

  it('miibo_chat answers and continues with the same uid', async () => {
    connected = await connectInMemory({ env: sims.env });
    const before = sims.miibo.requests.length;
    const first = await callWithProgress(connected.client, 'miibo_chat', { message: 'おすすめは?' });
    expect(first.result.isError).toBeFalsy();
    expect(textOf(first.result)).toBe(MIIBO_ANSWER);
    const session = (first.result.structuredContent as { session: string }).session;
    expect(session.length).toBeGreaterThan(0);
    await callWithProgress(connected.client, 'miibo_chat', { message: 'それをください', session });
    const bodies = sims.miibo.requests.slice(before).map((r) => r.json<Record<string, unknown>>());
    expect(bodies.map((b) => b.uid)).toEqual([session, session]);
    expect(bodies.map((b) => b.agent_id)).toEqual([MIIBO_AGENT, MIIBO_AGENT]);
  });
});

describe('hostile streams', () => {
  it('every platform’s answer survives one-byte network writes', async () => {
    connected = await connectInMemory({ env: sims.env });
    sims.codeer.split(1);
    sims.agenticstar.split(1);
    sims.miibo.split(1);
    for (const [tool, answer] of [
      ['codeer_chat', CODEER_ANSWER],
      ['agenticstar_chat', AGENTICSTAR_ANSWER],
      ['miibo_chat', MIIBO_ANSWER],
    ] as const) {
      const result = await connected.client.callTool({ name: tool, arguments: { message: '分割' } });
      expect(textOf(result as never), tool).toBe(answer);
    }
  });

  it('a miibo rewrite ends as the final text, and progress showed the draft first', async () => {
    connected = await connectInMemory({ env: sims.env, progressIntervalMs: 0 });
    sims.miibo.configure({ rewrite: true });
    const { result, progress } = await callWithProgress(connected.client, 'miibo_chat', { message: '探して' });
    expect(result.structuredContent).toMatchObject({ text: MIIBO_ANSWER });
    expect(progress.some((p) => p.message?.includes('検索しています'))).toBe(true);
    expect(progress.at(-1)!.message).toBe(`miibo: ${MIIBO_ANSWER}`);
  });

  it('an empty message where the platform refuses one names the field', async () => {
    connected = await connectInMemory({ env: sims.env });
    const result = await connected.client.callTool({ name: 'codeer_chat', arguments: { message: '' } });
    expect(result.isError).toBe(true);
    expect(textOf(result as never)).toMatch(/^Invalid argument "message": /);
  });
});

describe('cancellation', () => {
  it('a cancelled call closes the upstream stream at once', async () => {
    connected = await connectInMemory({ env: sims.env, progressIntervalMs: 0 });
    sims.codeer.stall(); // after the first text delta, the stream stays open and silent
    const before = sims.codeer.requests.length;
    const controller = new AbortController();
    const call = callWithProgress(
      connected.client,
      'codeer_chat',
      { message: '長い質問' },
      {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.message?.includes('こんにちは')) controller.abort(); // the first text has arrived
        },
      },
    );
    await expect(call).rejects.toThrow(/abort/i);
    const stream = sims.codeer.requests.slice(before).find((r) => r.path.endsWith('/messages'))!;
    await expect(stream.closed).resolves.toEqual({ byClient: true });
  });

  it('cancels AgenticStar and miibo too', async () => {
    connected = await connectInMemory({ env: sims.env, progressIntervalMs: 0 });
    sims.agenticstar.stall({ afterEvents: 2 });
    sims.miibo.stall();
    for (const [tool, requests] of [
      ['agenticstar_chat', () => sims.agenticstar.chatRequests],
      ['miibo_chat', () => sims.miibo.requests],
    ] as const) {
      const before = requests().length;
      const controller = new AbortController();
      const call = callWithProgress(
        connected.client,
        tool,
        { message: 'x' },
        { signal: controller.signal, onProgress: () => controller.abort() },
      );
      await expect(call).rejects.toThrow(/abort/i);
      const [stream] = requests().slice(before);
      await expect(stream!.closed).resolves.toEqual({ byClient: true });
    }
  });

  it('closing the server cancels a running call', async () => {
    const local = await connectInMemory({ env: sims.env });
    sims.codeer.stall();
    const before = sims.codeer.requests.length;
    const call = local.client.callTool({ name: 'codeer_chat', arguments: { message: 'x' } });
    const stream = await (async () => {
      for (;;) {
        const found = sims.codeer.requests.slice(before).find((r) => r.path.endsWith('/messages'));
        if (found) return found;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await local.close();
    await expect(call).rejects.toThrow();
    await expect(stream.closed).resolves.toEqual({ byClient: true });
  });
});

describe('failures are results with isError and one clear line, never a secret', () => {
  it('a wrong credential on each platform', async () => {
    const sink = logSink();
    const wrong = {
      ...sims.env,
      CODEER_API_KEY: `${CODEER_KEY}-wrong`,
      MIIBO_API_KEY: `${MIIBO_KEY}-wrong`,
      AGENTICSTAR_CLIENT_SECRET: `${AGENTICSTAR_SECRET}-wrong`,
    };
    connected = await connectInMemory({ env: wrong, logger: sink.logger, maxRetries: 0 });
    const lines: string[] = [];
    for (const tool of ['codeer_chat', 'miibo_chat', 'agenticstar_chat']) {
      const result = await connected.client.callTool({ name: tool, arguments: { message: 'x' } });
      expect(result.isError, tool).toBe(true);
      expect(result.structuredContent).toBeUndefined();
      const text = textOf(result as never);
      expect(text).not.toMatch(/\n/);
      lines.push(text);
    }
    expect(lines[0]).toBe('Codeer refused the credentials (HTTP 401, code 10001): check CODEER_API_KEY');
    expect(lines[1]).toMatch(/^miibo refused the credentials \(HTTP 401.*\): check MIIBO_API_KEY$/);
    expect(lines[2]).toMatch(
      /^AgenticStar refused the credentials \(HTTP 401.*\): check AGENTICSTAR_CLIENT_ID, AGENTICSTAR_CLIENT_SECRET$/,
    );
    const logged = sink.lines.join('');
    expect(logged).toMatch(/codeer_chat failed: Codeer refused the credentials/);
    expect(logged).toMatch(/kind=upstream_auth/);
    // each wrong value starts with the right one: neither appears anywhere
    expectNoSecret([...lines, ...connected.wire, logged]);
  });

  it('an in-stream platform error', async () => {
    connected = await connectInMemory({ env: sims.env });
    sims.codeer.inStreamError({ afterDeltas: 1, code: 10005, message: 'upstream model overloaded' });
    const result = await connected.client.callTool({ name: 'codeer_chat', arguments: { message: 'x' } });
    expect(result.isError).toBe(true);
    expect(textOf(result as never)).toMatch(/^Codeer: .*upstream model overloaded/);
    expectNoSecret(connected.wire);
  });

  it('a stream cut mid-answer', async () => {
    connected = await connectInMemory({ env: sims.env, maxRetries: 0 });
    sims.codeer.cut({ afterEvents: 3 });
    const cut = await connected.client.callTool({ name: 'codeer_chat', arguments: { message: 'x' } });
    expect(cut.isError).toBe(true);
    expect(textOf(cut as never)).toMatch(/^Codeer: the (answer was cut off|connection to the platform was lost)/);
    sims.miibo.configure({ endWithoutFinal: true });
    const ended = await connected.client.callTool({ name: 'miibo_chat', arguments: { message: 'x' } });
    expect(ended.isError).toBe(true);
    expect(textOf(ended as never)).toMatch(/^miibo: /);
    expect(textOf(ended as never)).not.toMatch(/https?:/);
  });

  it('a platform that cannot be reached names no URL', async () => {
    connected = await connectInMemory({
      env: { ...sims.env, CODEER_BASE_URL: 'http://127.0.0.1:9/api/v1' },
      maxRetries: 0,
    });
    const result = await connected.client.callTool({ name: 'codeer_chat', arguments: { message: 'x' } });
    expect(result.isError).toBe(true);
    expect(textOf(result as never)).toBe('could not reach Codeer');
  });

  it('a rate limit says when to retry', async () => {
    connected = await connectInMemory({ env: sims.env, maxRetries: 0 });
    sims.codeer.rateLimit(1, { retryAfterSeconds: 7 });
    const result = await connected.client.callTool({ name: 'codeer_chat', arguments: { message: 'x' } });
    expect(result.isError).toBe(true);
    expect(textOf(result as never)).toMatch(/^Codeer is rate-limiting this client \(HTTP 429.*\); retry in 7 s$/);
  });
});
