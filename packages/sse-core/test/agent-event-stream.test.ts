import { describe, expect, it } from 'vitest';
import {
  mapAgentEvents,
  AbortError,
  AgentStreamError,
  ApiCallError,
  SnapshotDiffer,
  applyAgentEvent,
  collectAgentAnswer,
  guardAgentStream,
  type AgentEvent,
} from '@kakehashi/sse-core';
import { collect, rejectionOf } from './helpers';

async function* events(list: AgentEvent[], failWith?: unknown): AsyncGenerator<AgentEvent> {
  for (const e of list) yield e;
  if (failWith) throw failWith;
}

const start: AgentEvent = { type: 'start', provider: 'test', conversationId: 'c1' };

describe('guardAgentStream', () => {
  it('passes a complete stream through unchanged', async () => {
    const list: AgentEvent[] = [
      start,
      { type: 'text-delta', delta: 'こん' },
      { type: 'text-delta', delta: 'にちは' },
      { type: 'finish', text: 'こんにちは', reason: 'stop' },
    ];
    expect(await collect(guardAgentStream('test', events(list)))).toEqual(list);
  });

  it('ends a stream cut before its finish signal with a retryable error event', async () => {
    const out = await collect(guardAgentStream('test', events([start, { type: 'text-delta', delta: 'a' }])));
    expect(out.at(-1)).toMatchObject({ type: 'error', code: 'stream-cut', retryable: true });
  });

  it('turns a failure after the first event into an error event', async () => {
    const out = await collect(guardAgentStream('test', events([start], new Error('socket hang up'))));
    expect(out.at(-1)).toMatchObject({
      type: 'error',
      message: 'test stream failed: socket hang up',
      retryable: false,
    });
  });

  it('throws a failure before any event, so callers can act on the status', async () => {
    const apiError = new ApiCallError({ url: 'http://127.0.0.1/x', status: 401 });
    expect(await rejectionOf(collect(guardAgentStream('test', events([], apiError))))).toBe(apiError);
  });

  it('always throws aborts', async () => {
    const error = await rejectionOf(collect(guardAgentStream('test', events([start], new AbortError()))));
    expect(AbortError.isInstance(error)).toBe(true);
  });
});

describe('mapAgentEvents', () => {
  function counted(items: string[]) {
    const state = { read: 0, returned: false };
    const source: AsyncIterator<string> = {
      next: async () =>
        state.read < items.length ? { done: false, value: items[state.read++]! } : { done: true, value: undefined },
      return: async () => {
        state.returned = true;
        return { done: true, value: undefined };
      },
    };
    return { source, state };
  }

  it('maps each item to none, one or several events, and adds what the end implies', async () => {
    const { source } = counted(['a', '', 'bc']);
    const events = await collect(
      mapAgentEvents(source, {
        push: (item, out) => {
          out.push(...[...item].map((delta) => ({ type: 'text-delta' as const, delta })));
          return false;
        },
        end: (out) => out.push({ type: 'finish', text: 'abc', reason: 'stop' }),
      }),
    );
    expect(events).toEqual([
      { type: 'text-delta', delta: 'a' },
      { type: 'text-delta', delta: 'b' },
      { type: 'text-delta', delta: 'c' },
      { type: 'finish', text: 'abc', reason: 'stop' },
    ]);
  });

  it('after the item that ends the answer: its events still arrive, the source is closed and read no further', async () => {
    const { source, state } = counted(['a', 'END', 'never']);
    const events = await collect(
      mapAgentEvents(source, {
        push: (item, out) => {
          out.push(
            item === 'END' ? { type: 'finish', text: 'a', reason: 'stop' } : { type: 'text-delta', delta: item },
          );
          return item === 'END';
        },
      }),
    );
    expect(events.map((e) => e.type)).toEqual(['text-delta', 'finish']);
    expect(state.read).toBe(2);
    expect(state.returned).toBe(true);
  });
});

describe('collectAgentAnswer', () => {
  it('returns text, reason, usage, steps and title', async () => {
    const answer = await collectAgentAnswer(
      'test',
      events([
        start,
        { type: 'step-start', id: 's1', kind: 'tool', title: 'search' },
        { type: 'text-delta', delta: 'A' },
        { type: 'step-end', id: 's1', kind: 'tool', status: 'done' },
        { type: 'title', title: '題名' },
        { type: 'finish', text: 'A', reason: 'stop', usage: { totalTokens: 3 } },
      ]),
    );
    expect(answer).toMatchObject({ text: 'A', reason: 'stop', usage: { totalTokens: 3 }, title: '題名' });
    expect(answer.steps).toHaveLength(2);
    expect(answer.start).toEqual(start);
  });

  it('rejects on an error event, keeping the partial text', async () => {
    const error = (await rejectionOf(
      collectAgentAnswer(
        'test',
        events([
          start,
          { type: 'text-delta', delta: '途中' },
          { type: 'error', message: 'quota', code: 'E1', retryable: false },
        ]),
      ),
    )) as AgentStreamError;
    expect(AgentStreamError.isInstance(error)).toBe(true);
    expect(error.partialText).toBe('途中');
    expect(error.code).toBe('E1');
  });
});

describe('SnapshotDiffer and applyAgentEvent', () => {
  it('turns cumulative snapshots into deltas and replaces whose application yields the last snapshot', () => {
    const snapshots = ['', 'お', 'お待たせ', 'お待たせ', 'まもなく', 'まもなく完了'];
    const differ = new SnapshotDiffer();
    const produced = snapshots.map((s) => differ.next(s)).filter((e) => e !== undefined);
    expect(produced).toEqual([
      { type: 'text-delta', delta: 'お' },
      { type: 'text-delta', delta: '待たせ' },
      { type: 'text-replace', text: 'まもなく' },
      { type: 'text-delta', delta: '完了' },
    ]);
    expect(produced.reduce(applyAgentEvent, '')).toBe('まもなく完了');
  });
});

describe('validateArgument', () => {
  it('names the dotted path of the bad field and the reason', async () => {
    const { validateArgument, InvalidArgumentError } = await import('@kakehashi/sse-core');
    const schema = {
      safeParse: (v: unknown) =>
        (v as { n?: unknown }).n === 1
          ? ({ success: true, data: v } as const)
          : ({
              success: false,
              error: { issues: [{ path: ['messages', 0, 'content'], message: 'Expected string' }] },
            } as const),
    };
    expect(validateArgument(schema, { n: 1 }, 'options')).toEqual({ n: 1 });
    try {
      validateArgument(schema, { n: 2 }, 'options');
      expect.unreachable();
    } catch (error) {
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect((error as InstanceType<typeof InvalidArgumentError>).argument).toBe('options.messages.0.content');
      expect((error as Error).message).toBe('Invalid argument "options.messages.0.content": Expected string');
    }
  });
});
