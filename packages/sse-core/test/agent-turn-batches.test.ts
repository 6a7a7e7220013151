import { afterEach, describe, expect, it } from 'vitest';
import {
  chunksOf,
  everySplit,
  rejectionOf,
  splitEvery,
  startScriptedServer,
  type ScriptedServer,
} from '@kakehashi/testkit';
import {
  AbortError,
  applyAgentEvent,
  createAgentTurn,
  decodeSSEJson,
  httpRequest,
  KakehashiError,
  mapAgentEvents,
  type AgentEvent,
  type AgentTurn,
  type ByteSource,
  type SSEJsonMessage,
} from '@kakehashi/sse-core';

const SSE = { 'content-type': 'text/event-stream' };
let server: ScriptedServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Wire = { start?: string; t?: string; end?: boolean };

/** A platform's mapping as an SDK writes it: sse-core's decoder, then `mapAgentEvents`. */
function agentEvents(messages: AsyncIterator<SSEJsonMessage<Wire>>) {
  let text = '';
  return mapAgentEvents(messages, {
    push(m, out: AgentEvent[]) {
      if (m.done) return false;
      if (m.data.start !== undefined) out.push({ type: 'start', provider: 'test', messageId: m.data.start });
      if (m.data.t !== undefined) {
        text += m.data.t;
        out.push({ type: 'text-delta', delta: m.data.t });
      }
      if (m.data.end) {
        out.push({ type: 'finish', text, reason: 'stop' });
        return true;
      }
      return false;
    },
  });
}

/** A turn over bytes in memory (each chunk one network read). */
function bytesTurn(chunks: Uint8Array[]): AgentTurn {
  return createAgentTurn({
    provider: 'test',
    open: () => agentEvents(decodeSSEJson<Wire>(chunksOf(chunks) as ByteSource)),
    sessionOf: (start) => start.messageId,
  });
}

/** A turn over a loopback server's answer, sent with sse-core's `httpRequest`. */
function httpTurn(url: string, signal?: AbortSignal): AgentTurn {
  return createAgentTurn({
    provider: 'test',
    signal,
    open: async (signals) => agentEvents((await httpRequest({ url, signal: [...signals] })).sseJson<Wire>()),
  });
}

async function readBatches(turn: AgentTurn): Promise<(readonly AgentEvent[])[]> {
  const out: (readonly AgentEvent[])[] = [];
  for await (const batch of turn.batches()) out.push(batch);
  return out;
}

async function readEvents(turn: AgentTurn): Promise<AgentEvent[]> {
  const out: AgentEvent[] = [];
  for await (const event of turn) out.push(event);
  return out;
}

// Japanese text, CRLF line ends, a comment and a multi-line-free stream ending in a finish.
const BODY = [
  ': connected\r\n\r\n',
  'data: {"start":"m-1"}\r\n\r\n',
  'data: {"t":"こんにちは、"}\r\n\r\n',
  'data: {"t":"営業時間は"}\r\n\r\n',
  'data: {"t":"９時〜１８時です。🙇"}\r\n\r\n',
  'data: {"end":true}\r\n\r\n',
].join('');
const ANSWER = 'こんにちは、営業時間は９時〜１８時です。🙇';

describe('AgentTurn.batches()', () => {
  it('hands over all events of one network read in one batch, and the session from its start', async () => {
    const turn = bytesTurn(splitEvery(BODY, BODY.length * 4));
    const batches = await readBatches(turn);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((e) => e.type)).toEqual(['start', 'text-delta', 'text-delta', 'text-delta', 'finish']);
    expect(batches[0]!.at(-1)).toEqual({ type: 'finish', text: ANSWER, reason: 'stop' });
    expect(turn.session()).toBe('m-1');
  });

  it('gives the same events as the per-event read at every split of the bytes (CRLF, multibyte characters)', async () => {
    const expected = await readEvents(bytesTurn([new TextEncoder().encode(BODY)]));
    expect(expected.reduce(applyAgentEvent, '')).toBe(ANSWER);
    for (const [offset, parts] of everySplit(BODY)) {
      const batches = await readBatches(bytesTurn(parts));
      expect(
        batches.every((b) => b.length > 0),
        `offset ${offset}`,
      ).toBe(true);
      expect(batches.flat(), `offset ${offset}`).toEqual(expected);
    }
    const byteByByte = await readBatches(bytesTurn(splitEvery(BODY, 1)));
    expect(byteByByte.flat()).toEqual(expected);
    expect(byteByByte.every((b) => b.length === 1)).toBe(true);
  });

  it('ends a stream cut before its finish with a stream-cut error event', async () => {
    const cut = BODY.slice(0, BODY.indexOf('data: {"end"'));
    const batches = await readBatches(bytesTurn([new TextEncoder().encode(cut)]));
    expect(batches.at(-1)).toEqual([
      {
        type: 'error',
        message: 'test stream ended before its finish signal (connection cut?)',
        code: 'stream-cut',
        retryable: true,
      },
    ]);
    expect(batches.flat().filter((e) => e.type === 'text-delta')).toHaveLength(3);
  });

  it('turns a connection reset after the first events into an error event, keeping the events before it', async () => {
    server = await startScriptedServer();
    server.reply({ headers: SSE, body: ['data: {"start":"m-1"}\n\ndata: {"t":"一"}\n\n', { destroy: true }] });
    const batches = await readBatches(httpTurn(server.url));
    const events = batches.flat();
    expect(events.slice(0, 2)).toEqual([
      { type: 'start', provider: 'test', messageId: 'm-1' },
      { type: 'text-delta', delta: '一' },
    ]);
    expect(events).toHaveLength(3);
    expect(events[2]).toMatchObject({ type: 'error' });
  });

  it('cancel() while a batch read waits: the read rejects with AbortError and the upstream connection closes', async () => {
    server = await startScriptedServer();
    server.reply({ headers: SSE, body: ['data: {"t":"一"}\n\n', { stall: true }] });
    const turn = httpTurn(server.url);
    const batches = turn.batches();
    expect(await batches.next()).toEqual({ done: false, value: [{ type: 'text-delta', delta: '一' }] });
    const pending = batches.next();
    turn.cancel();
    const error = await rejectionOf(pending);
    expect(AbortError.isInstance(error)).toBe(true);
    await expect(server.requests[0]!.closed).resolves.toEqual({ byClient: true });
    expect(await batches.next()).toEqual({ done: true, value: undefined });
  });

  it("the caller's signal aborting mid-read rejects the pending batch read and closes the upstream", async () => {
    server = await startScriptedServer();
    server.reply({ headers: SSE, body: ['data: {"t":"一"}\n\n', { stall: true }] });
    const caller = new AbortController();
    const batches = httpTurn(server.url, caller.signal).batches();
    await batches.next();
    const pending = batches.next();
    caller.abort();
    expect(AbortError.isInstance(await rejectionOf(pending))).toBe(true);
    await expect(server.requests[0]!.closed).resolves.toEqual({ byClient: true });
  });

  it('leaving the loop early closes the upstream connection at once', async () => {
    server = await startScriptedServer();
    server.reply({ headers: SSE, body: ['data: {"t":"一"}\n\n', { stall: true }] });
    for await (const batch of httpTurn(server.url).batches()) {
      expect(batch).toEqual([{ type: 'text-delta', delta: '一' }]);
      break;
    }
    await expect(server.requests[0]!.closed).resolves.toEqual({ byClient: true });
  });

  it('reads a source without batch support one event per batch', async () => {
    const events: AgentEvent[] = [
      { type: 'text-delta', delta: '一' },
      { type: 'finish', text: '一', reason: 'stop' },
    ];
    const turn = createAgentTurn({
      provider: 'test',
      open: async function* () {
        yield* events;
      },
    });
    expect(await readBatches(turn)).toEqual([[events[0]], [events[1]]]);
  });

  it('refuses to mix the two reads on one turn, naming the read already used', async () => {
    const perEvent = bytesTurn([new TextEncoder().encode(BODY)]);
    await perEvent.next();
    const thrown = (() => {
      try {
        perEvent.batches();
      } catch (error) {
        return error;
      }
    })();
    expect(KakehashiError.isInstance(thrown) && thrown.kind).toBe('invalid-state');
    expect((thrown as Error).message).toBe(
      'the test turn is already read per event (next(), for await or collect()): read a turn one way only',
    );

    const batched = bytesTurn([new TextEncoder().encode(BODY)]);
    const batches = batched.batches();
    expect(batched.batches()).toBe(batches);
    await expect(batched.next()).rejects.toThrow('the test turn is already read in batches (batches())');
    await expect(batched.collect()).rejects.toThrow('already read in batches');
    expect((await batches.next()).value).toHaveLength(5);
  });
});
