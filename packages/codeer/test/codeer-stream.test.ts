import { decodeCodeerStream, toCodeerAgentEvents } from '@kakehashi/codeer';
import { AbortError, AgentStreamError, applyAgentEvent, type AgentEvent } from '@kakehashi/sse-core';
import { CODEER_SIM_DEFAULT_ANSWER } from '@kakehashi/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, rejection, setup, type Setup } from './helpers';

let s: Setup;
afterEach(async () => {
  await s?.sim.close();
});

async function streamAgentEvents(
  setupOptions: Parameters<typeof setup>[0] = {},
  arm?: (sim: Setup['sim']) => void,
  settings: Parameters<typeof setup>[1] = {},
) {
  s = await setup(setupOptions, settings);
  const chat = await s.codeer.chats.create();
  arm?.(s.sim);
  const stream = await s.codeer.messages.stream(chat.id, { message: '営業時間を教えて' });
  return collect(stream.agentEvents());
}

function textOf(events: AgentEvent[]): string {
  return events.reduce(applyAgentEvent, '');
}

describe('fault knobs', () => {
  it('split: 1-byte writes give the same AgentEvents', async () => {
    const whole = await streamAgentEvents();
    await s.sim.close();
    const split = await streamAgentEvents({}, (sim) => sim.split(1));
    expect(split).toEqual(whole);
    expect(whole.at(-1)).toMatchObject({ type: 'finish', text: CODEER_SIM_DEFAULT_ANSWER });
    await s.sim.close();
    expect(await streamAgentEvents({}, (sim) => sim.split(7))).toEqual(whole);
  });

  it('stall: the idle timeout ends the stream with an error event and closes the connection', async () => {
    const events = await streamAgentEvents({}, (sim) => sim.stall(), { timeouts: { idleMs: 300 } });
    expect(events.map((e) => e.type)).toEqual(['start', 'title', 'step-start', 'step-end', 'text-delta', 'error']);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'timeout', retryable: true });
    expect((events.at(-1) as { message: string }).message).toMatch(/idle timeout/);
    await expect(s.sim.requests.at(-1)!.closed).resolves.toEqual({ byClient: true });
  });

  it('reset: a connection cut mid-stream ends with an error event, keeping the text before it', async () => {
    const events = await streamAgentEvents({}, (sim) => sim.cut({ afterEvents: 7 }));
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'connection', retryable: true });
    expect(events.filter((e) => e.type === 'text-delta')).toHaveLength(3);
    expect(textOf(events)).toBe(CODEER_SIM_DEFAULT_ANSWER.slice(0, 18));
  });

  it('a stream that ends before its finish signal yields a stream-cut error', async () => {
    const events = await streamAgentEvents({}, (sim) => sim.cut({ afterEvents: 8, clean: true }));
    expect(events.at(-1)).toEqual({
      type: 'error',
      code: 'stream-cut',
      retryable: true,
      message: expect.stringContaining('finish signal'),
    });
    expect(events.some((e) => e.type === 'finish')).toBe(false);
  });

  it('a completed answer whose [DONE] was lost still finishes', async () => {
    const events = await streamAgentEvents({}, (sim) => sim.cut({ afterEvents: 16, clean: true }));
    expect(events.at(-1)).toMatchObject({ type: 'finish', text: CODEER_SIM_DEFAULT_ANSWER });
  });

  it('rateLimit: 429 with Retry-After is retried, also for a message send', async () => {
    s = await setup();
    const chat = await s.codeer.chats.create();
    s.sim.rateLimit(2, { retryAfterSeconds: 0 });
    const answer = await (await s.codeer.messages.stream(chat.id, { message: 'x' })).collect();
    expect(answer.text).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(s.sim.requests.slice(1).map((r) => r.path)).toEqual(Array(3).fill(`/api/v1/chats/${chat.id}/messages`));
    expect(s.sim.state.chatMessages(chat.id).filter((m) => m.role === 'user')).toHaveLength(1);

    s.sim.rateLimit(1, { retryAfterSeconds: 0 });
    expect(await s.codeer.agents.list()).toHaveLength(1);

    s.sim.rateLimit(1, { retryAfterSeconds: 7 });
    const error = await rejection(s.codeer.agents.list({ maxRetries: 0 }));
    expect(error).toMatchObject({ status: 429, reason: 'rate-limited', retryAfterMs: 7000, retryable: true });
  });

  it('fail: 503 is retried for reads and sends; a 500 on a send is not repeated (the turn may be stored)', async () => {
    s = await setup();
    const chat = await s.codeer.chats.create();
    s.sim.fail(1);
    expect(await s.codeer.messages.send(chat.id, { message: 'x' })).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(s.sim.requests).toHaveLength(3);

    s.sim.fail(1, { status: 500 });
    expect(await collect(s.codeer.chats.list())).toHaveLength(1);
    expect(s.sim.requests).toHaveLength(5);

    s.sim.fail(1, { status: 500 });
    const error = await rejection(s.codeer.messages.stream(chat.id, { message: 'x' }));
    expect(error).toMatchObject({ status: 500, code: 10005, reason: 'server-error' });
    expect(s.sim.requests).toHaveLength(6);
  });

  it('inStreamError: response.error ends the AgentEvents with an error carrying the code', async () => {
    s = await setup();
    const chat = await s.codeer.chats.create();
    s.sim.inStreamError({ afterDeltas: 2 });
    const stream = await s.codeer.messages.stream(chat.id, { message: 'x' });
    const events = await collect(stream);
    expect(events.slice(-2)).toEqual([
      expect.objectContaining({
        type: 'response.error',
        code: 10005,
        message: 'リクエストの処理に失敗しました',
        chat_id: chat.id,
      }),
      { type: 'done' },
    ]);

    s.sim.inStreamError({ afterDeltas: 2, code: 10006, message: '無効なリクエスト' });
    const agentEvents = await collect((await s.codeer.messages.stream(chat.id, { message: 'x' })).agentEvents());
    expect(agentEvents.at(-1)).toEqual({ type: 'error', message: '無効なリクエスト', code: 10006, retryable: false });
    expect(agentEvents.filter((e) => e.type === 'text-delta')).toHaveLength(2);

    s.sim.inStreamError({ afterDeltas: 1 });
    const error = await rejection((await s.codeer.messages.stream(chat.id, { message: 'x' })).collect());
    expect(AgentStreamError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 10005, retryable: true, partialText: CODEER_SIM_DEFAULT_ANSWER.slice(0, 6) });
  });

  it.each(['error', 'response.failed'] as const)(
    'inStreamError: the "%s" event variant is an error too',
    async (event) => {
      s = await setup();
      const chat = await s.codeer.chats.create();
      s.sim.inStreamError({ event, code: event === 'error' ? 10005 : 503, message: '一時的な障害' });
      const events = await collect((await s.codeer.messages.stream(chat.id, { message: 'x' })).agentEvents());
      expect(events.at(-1)).toEqual({
        type: 'error',
        message: '一時的な障害',
        code: event === 'error' ? 10005 : 503,
        retryable: true,
      });
    },
  );
});

describe('variants and pass-through', () => {
  it('reads full_text, step.tool_name, and a completed event without deltas', async () => {
    s = await setup({
      answer: [],
      variant: { completedTextField: 'full_text', stepKindField: 'tool_name' },
      steps: [{ type: 'retrieve_context_objs', content: '資料を検索中', args: { q: '料金' } }],
    });
    const chat = await s.codeer.chats.create();
    s.sim.configure({ answer: (turn) => (turn.message === 'a' ? [] : 'ツールの結果です') });
    const typed = await collect(await s.codeer.messages.stream(chat.id, { message: 'a' }));
    expect(typed.find((e) => e.type === 'response.reasoning_step.start')).toMatchObject({
      step: { tool_name: 'retrieve_context_objs' },
    });
    expect(typed.find((e) => e.type === 'response.output_text.completed')).toMatchObject({ full_text: '' });

    const events = await collect((await s.codeer.messages.stream(chat.id, { message: 'b' })).agentEvents());
    expect(events.find((e) => e.type === 'step-start')).toMatchObject({
      kind: 'retrieve_context_objs',
      title: '資料を検索中',
      args: { q: '料金' },
    });
    expect(events.find((e) => e.type === 'step-end')).toMatchObject({
      kind: 'retrieve_context_objs',
      title: '資料を検索中',
      status: 'completed',
    });
    expect(events.at(-1)).toMatchObject({ type: 'finish', text: 'ツールの結果です' });
    expect(textOf(events)).toBe('ツールの結果です');
  });

  it('uses the completed text when no delta was streamed', async () => {
    const wire =
      'event: response.created\ndata: {"type":"response.created","response_id":"r","chat_id":1}\n\n' +
      'event: response.output_text.completed\ndata: {"type":"response.output_text.completed","response_id":"r","chat_id":1,"full_text":"全文だけ"}\n\n' +
      'data: [DONE]\n\n';
    const events = await collect(toCodeerAgentEvents(decodeCodeerStream(new TextEncoder().encode(wire))));
    expect(events).toEqual([
      { type: 'start', provider: 'codeer', responseId: 'r', chatId: '1' },
      { type: 'text-delta', delta: '全文だけ' },
      { type: 'finish', text: '全文だけ', reason: 'stop' },
    ]);
  });

  it('passes unknown events and comments through without disturbing the answer', async () => {
    s = await setup({
      extraEvents: [
        ': keep-alive\n\n',
        'event: response.part.created\ndata: {"type":"response.part.created","part_kind":"text","response_id":"x"}\n\n',
        'event: mystery\ndata: {"hello":"世界"}\n\n',
      ],
    });
    const chat = await s.codeer.chats.create();
    const typed = await collect(await s.codeer.messages.stream(chat.id, { message: 'x' }));
    expect(typed.filter((e) => e.type === 'unknown')).toEqual([
      {
        type: 'unknown',
        event: 'response.part.created',
        originalType: 'response.part.created',
        data: { type: 'response.part.created', part_kind: 'text', response_id: 'x' },
      },
      { type: 'unknown', event: 'mystery', data: { hello: '世界' } },
    ]);
    const events = await collect((await s.codeer.messages.stream(chat.id, { message: 'y' })).agentEvents());
    expect(events.at(-1)).toMatchObject({ type: 'finish', text: CODEER_SIM_DEFAULT_ANSWER });
  });

  it('an event type named like an Object property (constructor, toString, __proto__) is an unknown event', async () => {
    s = await setup({
      extraEvents: [
        'data: {"type":"constructor","x":1}\n\n',
        'event: toString\ndata: {"hello":"世界"}\n\n',
        'data: {"type":"__proto__"}\n\n',
      ],
    });
    const chat = await s.codeer.chats.create();
    const typed = await collect(await s.codeer.messages.stream(chat.id, { message: 'x' }));
    expect(typed.filter((e) => e.type === 'unknown')).toEqual([
      { type: 'unknown', originalType: 'constructor', data: { type: 'constructor', x: 1 } },
      { type: 'unknown', event: 'toString', data: { hello: '世界' } },
      { type: 'unknown', originalType: '__proto__', data: { type: '__proto__' } },
    ]);
  });

  it('keeps tool tags only when asked', async () => {
    s = await setup({ answer: '前<tool name="search">検索中</tool>後', steps: [] });
    const chat = await s.codeer.chats.create();
    expect((await (await s.codeer.messages.stream(chat.id, { message: 'x' })).collect()).text).toBe('前後');
    expect(
      (await (await s.codeer.messages.stream(chat.id, { message: 'x', includeToolTags: true })).collect()).text,
    ).toBe('前<tool name="search">検索中</tool>後');
  });
});

describe('cancellation', () => {
  it('an abort signal mid-stream throws AbortError and closes the connection', async () => {
    s = await setup();
    const chat = await s.codeer.chats.create();
    s.sim.stall();
    const controller = new AbortController();
    const stream = await s.codeer.messages.stream(chat.id, { message: 'x' }, { signal: controller.signal });
    const seen: AgentEvent[] = [];
    const error = await rejection(async () => {
      for await (const event of stream.agentEvents()) {
        seen.push(event);
        if (event.type === 'text-delta') controller.abort();
      }
    });
    expect(AbortError.isInstance(error)).toBe(true);
    expect(seen.at(-1)?.type).toBe('text-delta');
    await expect(s.sim.requests.at(-1)!.closed).resolves.toEqual({ byClient: true });
  });

  it('leaving a for-await early closes the connection (typed and AgentEvents)', async () => {
    s = await setup();
    const chat = await s.codeer.chats.create();
    s.sim.stall(2);
    for await (const event of await s.codeer.messages.stream(chat.id, { message: 'x' })) {
      if (event.type === 'response.output_text.delta') break;
    }
    await expect(s.sim.requests.at(-1)!.closed).resolves.toEqual({ byClient: true });
    for await (const event of (await s.codeer.messages.stream(chat.id, { message: 'x' })).agentEvents()) {
      if (event.type === 'text-delta') break;
    }
    await expect(s.sim.requests.at(-1)!.closed).resolves.toEqual({ byClient: true });
  });

  it('cancel() stops a stream being read', async () => {
    s = await setup();
    const chat = await s.codeer.chats.create();
    s.sim.stall();
    const stream = await s.codeer.messages.stream(chat.id, { message: 'x' });
    const error = await rejection(async () => {
      for await (const event of stream.textStream()) if (event) void stream.cancel();
    });
    expect(AbortError.isInstance(error)).toBe(true);
    await expect(s.sim.requests.at(-1)!.closed).resolves.toEqual({ byClient: true });
    expect(() => stream.events()).toThrow(/already read/);
  });

  it('an aborted signal sends nothing', async () => {
    s = await setup();
    const error = await rejection(s.codeer.ask({ message: 'x', chatId: 1 }, { signal: AbortSignal.abort() }));
    expect(AbortError.isInstance(error)).toBe(true);
    expect(s.sim.requests).toHaveLength(0);
  });
});
