import { describe, expect, it } from 'vitest';
import { everySplit, splitEvery, utf8 } from '@kakehashi/testkit';
import { ResponseDecodeError, type AgentEvent } from '@kakehashi/sse-core';
import {
  decodeMiiboAgentEvents,
  decodeMiiboStream,
  isMiiboResponse,
  miiboResponseSchema,
  toMiiboAgentEvents,
  type MiiboStreamEvent,
} from '@kakehashi/miibo';
import { appliedText, chunksOf, collect, rejectionOf } from './helpers';
import { recordedAgentEvents, recordedFinalText, recordedStream } from './recorded-miibo-stream';

const types = (events: MiiboStreamEvent[]) => events.map((e) => e.type);

describe('decodeMiiboStream (typed events)', () => {
  it('yields one snapshot per object, then final with the last object', async () => {
    const events = await collect(decodeMiiboStream(chunksOf([utf8(recordedStream)])));
    expect(types(events)).toEqual(['snapshot', 'snapshot', 'snapshot', 'snapshot', 'snapshot', 'snapshot', 'final']);
    expect(events[0]).toMatchObject({ type: 'snapshot', text: '検索中…', searching: true });
    const final = events.at(-1)!;
    expect(final).toMatchObject({ type: 'final', text: recordedFinalText, isError: false });
    if (final.type !== 'final') throw new Error('unreachable');
    expect(final.response.userState).toEqual({ name: '太郎' });
    expect(final.response.bestResponse.options).toEqual(['はい', 'いいえ']);
    // The echoed user utterance is kept on the response but never taken as the reply.
    expect(final.response.utterance).toBe('やあ');
  });

  it('gives identical typed events at every split offset and byte by byte', async () => {
    const expected = await collect(decodeMiiboStream(chunksOf([utf8(recordedStream)])));
    for (const [offset, parts] of everySplit(recordedStream)) {
      expect(await collect(decodeMiiboStream(chunksOf(parts))), `split at ${offset}`).toEqual(expected);
    }
    expect(await collect(decodeMiiboStream(chunksOf(splitEvery(recordedStream, 1))))).toEqual(expected);
  });

  it('reads a single plain JSON body (streaming off), even pretty-printed over several lines', async () => {
    const body = { utterance: 'こんにちは', bestResponse: { utterance: 'ようこそ!', options: [] }, userState: {} };
    for (const text of [JSON.stringify(body), JSON.stringify(body, null, 2)]) {
      const events = await collect(decodeMiiboStream(chunksOf(splitEvery(text, 5))));
      expect(types(events)).toEqual(['snapshot', 'final']);
      expect(events[1]).toMatchObject({ type: 'final', text: 'ようこそ!' });
    }
  });

  it('passes a line that is JSON but not a response through as unknown, never fatal', async () => {
    const text =
      '{"bestResponse":{"utterance":"あ"}}\n{"notice":"メンテナンス予定"}\n{"utterance":"","bestResponse":{"utterance":"あい"}}\n';
    const events = await collect(decodeMiiboStream(chunksOf([utf8(text)])));
    expect(events[1]).toEqual({ type: 'unknown', raw: { notice: 'メンテナンス予定' } });
    expect(events.at(-1)).toMatchObject({ type: 'final', text: 'あい' });
  });

  it('has no final when the body ends after a bare snapshot or a searching object', async () => {
    for (const text of [
      '{"bestResponse":{"utterance":"途中"}}\n',
      '{"utterance":"","bestResponse":{"utterance":"","is_searching":true}}\n',
      '',
    ]) {
      expect(types(await collect(decodeMiiboStream(chunksOf([utf8(text)]))))).not.toContain('final');
    }
    // With finalObject 'last' a bare last snapshot counts.
    const events = await collect(
      decodeMiiboStream(chunksOf([utf8('{"bestResponse":{"utterance":"途中"}}\n')]), { finalObject: 'last' }),
    );
    expect(types(events)).toEqual(['snapshot', 'final']);
  });

  it('throws ResponseDecodeError on a truncated last line, after delivering what came before', async () => {
    const seen: MiiboStreamEvent[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const e of decodeMiiboStream(
          chunksOf([utf8('{"bestResponse":{"utterance":"あ"}}\n{"bestResponse":{"utt')]),
        ))
          seen.push(e);
      })(),
    );
    expect(ResponseDecodeError.isInstance(error)).toBe(true);
    expect(seen).toHaveLength(1);
  });
});

describe('miibo AgentEvents from bytes', () => {
  it('turns prefix growth into text-delta, a rewrite into text-replace, and the final object into finish', async () => {
    const events = await collect(decodeMiiboAgentEvents(chunksOf([utf8(recordedStream)])));
    expect(events).toEqual(recordedAgentEvents);
    expect(appliedText(events)).toBe(recordedFinalText);
  });

  it('gives identical AgentEvents at every split offset and byte by byte', async () => {
    for (const [offset, parts] of everySplit(recordedStream)) {
      expect(await collect(decodeMiiboAgentEvents(chunksOf(parts))), `split at ${offset}`).toEqual(recordedAgentEvents);
    }
    expect(await collect(decodeMiiboAgentEvents(chunksOf(splitEvery(recordedStream, 1))))).toEqual(recordedAgentEvents);
  });

  it('toMiiboAgentEvents over typed events gives the same events, with the uid on start', async () => {
    const events = await collect(
      toMiiboAgentEvents(decodeMiiboStream(chunksOf([utf8(recordedStream)])), { uid: 'shop_42' }),
    );
    expect(events).toEqual([{ ...recordedAgentEvents[0], uid: 'shop_42' }, ...recordedAgentEvents.slice(1)]);
  });

  it('ends with a stream-cut error event when the final object never came', async () => {
    const cut = recordedStream.slice(0, recordedStream.lastIndexOf('\n') + 1);
    const events = await collect(decodeMiiboAgentEvents(chunksOf([utf8(cut)])));
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'stream-cut', retryable: true });
    expect(events.some((e) => e.type === 'finish')).toBe(false);
  });

  it('ends with an error event when the last object is cut mid-line', async () => {
    const events = await collect(decodeMiiboAgentEvents(chunksOf([utf8(recordedStream.slice(0, -20))])));
    const last = events.at(-1) as AgentEvent & { type: 'error' };
    expect(last.type).toBe('error');
    expect(last.code).toBe('response-decode');
  });

  it('maps isError on the final object to finish reason "error", keeping the text', async () => {
    const body = '{"utterance":"x","bestResponse":{"utterance":"ただいま混み合っています"},"isError":true}';
    const events = await collect(decodeMiiboAgentEvents(chunksOf([utf8(body)])));
    expect(events.at(-1)).toEqual({ type: 'finish', text: 'ただいま混み合っています', reason: 'error' });
  });
});

describe('isMiiboResponse (the fast path in front of miiboResponseSchema)', () => {
  it("gives the schema's verdict on usual and unusual values", () => {
    class Reply {
      bestResponse = { utterance: 'クラス' };
    }
    const values: unknown[] = [
      { bestResponse: { utterance: 'こんにちは' } },
      { bestResponse: { utterance: '' }, utterance: 'やあ', userState: {} },
      { bestResponse: { utterance: 'あ', is_searching: true, extra: [1, 2] } },
      JSON.parse('{"bestResponse":{"utterance":"__proto__","__proto__":{"x":1}}}'),
      Object.assign(Object.create(null), { bestResponse: { utterance: 'null-proto' } }),
      { bestResponse: Object.assign(Object.create(null), { utterance: 'null-proto inside' }) },
      new Reply(),
      { bestResponse: { utterance: 1 } },
      { bestResponse: { utterance: null } },
      { bestResponse: {} },
      { bestResponse: 'text' },
      { bestResponse: null },
      { bestResponse: Object.assign(['x'], { utterance: 'array' }) },
      Object.assign([{ bestResponse: { utterance: 'x' } }], { bestResponse: { utterance: 'array' } }),
      { bestresponse: { utterance: 'x' } },
      { utterance: 'x' },
      {},
      [],
      null,
      undefined,
      'bestResponse',
      42,
      true,
    ];
    for (const value of values) {
      expect(isMiiboResponse(value), JSON.stringify(value) ?? String(value)).toBe(
        miiboResponseSchema.safeParse(value).success,
      );
    }
  });
});
