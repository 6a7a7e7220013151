import { everySplit, splitEvery, utf8 } from '@kakehashi/testkit';
import { describe, expect, it } from 'vitest';
import {
  AgenticStarTurnState,
  decodeAgenticStarAgentEvents,
  decodeAgenticStarStream,
  toAgenticStarAgentEvents,
  type AgenticStarStreamEvent,
} from '@kakehashi/agenticstar';
import type { AgentEvent } from '@kakehashi/sse-core';
import { appliedText, chunksOf, collect, saasClient, simulator } from './helpers';
import { RECORDED_STREAM, RECORDED_TEXT } from './recorded-stream';

const bytes = utf8(RECORDED_STREAM);

describe('recorded stream', () => {
  it('decodes to the expected AgentEvents', async () => {
    const state = new AgenticStarTurnState();
    const events = await collect(decodeAgenticStarAgentEvents(chunksOf([bytes]), { state }));
    expect(events.map((e) => e.type)).toEqual([
      'start',
      'step-start',
      'text-delta',
      'text-delta',
      'step-end',
      'step-start',
      'step-end',
      'text-delta',
      'text-delta',
      'finish',
    ]);
    expect(events[0]).toEqual({
      type: 'start',
      provider: 'agenticstar',
      conversationId: 'conv-2b9c',
      messageId: 'msg-7f3a',
      model: 'AGENTIC STAR',
    });
    expect(events.at(-1)).toEqual({ type: 'finish', text: RECORDED_TEXT, reason: 'stop' });
    expect(appliedText(events)).toBe(RECORDED_TEXT);
    expect(events[4]).toMatchObject({
      type: 'step-end',
      id: '0cf24f34-bbd9-4833-88c4-d7f520ce3aae',
      kind: 'task',
      title: 'data analysis',
      status: 'completed',
    });
    expect(state).toMatchObject({
      conversationId: 'conv-2b9c',
      messageId: 'msg-7f3a',
      text: RECORDED_TEXT,
      finishReason: 'stop',
      done: true,
    });
    expect(state.tasks).toHaveLength(2);
  });

  it('gives identical typed events and AgentEvents split at every byte offset', async () => {
    const typed = await collect(decodeAgenticStarStream(chunksOf([bytes])));
    const agent = await collect(decodeAgenticStarAgentEvents(chunksOf([bytes])));
    expect(typed.at(-1)).toEqual({ type: 'done' });
    const comments: string[] = [];
    for (const [offset, parts] of everySplit(bytes)) {
      const t = await collect<AgenticStarStreamEvent>(decodeAgenticStarStream(chunksOf(parts)));
      const a = await collect<AgentEvent>(
        decodeAgenticStarAgentEvents(chunksOf(parts), { onComment: (c) => comments.push(c) }),
      );
      if (JSON.stringify(t) !== JSON.stringify(typed) || JSON.stringify(a) !== JSON.stringify(agent)) {
        expect({ offset, t, a }).toEqual({ offset, t: typed, a: agent });
      }
    }
    expect(comments).toHaveLength(2 * (bytes.length + 1));
  });

  it('gives identical AgentEvents when every byte is its own chunk (both paths)', async () => {
    const expected = await collect(decodeAgenticStarAgentEvents(chunksOf([bytes])));
    expect(await collect(decodeAgenticStarAgentEvents(chunksOf(splitEvery(bytes, 1))))).toEqual(expected);
    expect(await collect(toAgenticStarAgentEvents(decodeAgenticStarStream(chunksOf(splitEvery(bytes, 1)))))).toEqual(
      expected,
    );
  });

  it('cut before [DONE] at any event boundary ends with a stream-cut error', async () => {
    const boundaries = [...RECORDED_STREAM.matchAll(/\n\n/g)].map((m) => m.index! + 2).slice(0, -1);
    for (const end of boundaries) {
      const events = await collect(decodeAgenticStarAgentEvents(chunksOf([utf8(RECORDED_STREAM.slice(0, end))])));
      expect(events.at(-1)).toMatchObject({ type: 'error', code: 'stream-cut' });
      expect(events.some((e) => e.type === 'finish')).toBe(false);
    }
  });

  it('over HTTP with 1-byte writes: the simulator stream matches the unsplit run', async () => {
    const sim = await simulator({ answer: '一バイトずつ届く日本語のテキスト🍣です。' });
    const whole = await collect((await saasClient(sim).streamChat('質問')).agentEvents());
    sim.split(1);
    const split = await collect((await saasClient(sim).streamChat('質問')).agentEvents());
    const normalise = (events: AgentEvent[]) =>
      JSON.stringify(events).replace(/conv-0+\d|msg-0+\d|0cf24f34-[\w-]+|"timestamp":\d+/g, '');
    expect(normalise(split)).toBe(normalise(whole));
    expect(appliedText(split)).toBe('一バイトずつ届く日本語のテキスト🍣です。');
  });
});
