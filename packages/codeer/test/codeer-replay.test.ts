import {
  createCodeer,
  decodeCodeerStream,
  toCodeerAgentEvents,
  toCodeerStreamEvent,
  type CodeerStreamEvent,
} from '@kakehashi/codeer';
import { applyAgentEvent, ResponseDecodeError, type AgentEvent } from '@kakehashi/sse-core';
import { everySplit, splitEvery, startScriptedServer, utf8 } from '@kakehashi/testkit';
import { describe, expect, it } from 'vitest';
import { collect, rejection } from './helpers';
import { RECORDED_AGENT_EVENTS, RECORDED_TEXT, RECORDED_WIRE } from './codeer-recorded-stream';

const bytes = utf8(RECORDED_WIRE);

describe('recorded stream replay', () => {
  it('decodes the recording into the expected typed events and AgentEvents', async () => {
    const typed = await collect(decodeCodeerStream(bytes));
    expect(typed.map((e) => e.type)).toEqual([
      'response.created',
      'response.chat.title.updated',
      'response.reasoning_step.start',
      'unknown',
      'response.reasoning_step.end',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.completed',
      'done',
    ]);
    const events = await collect(toCodeerAgentEvents(decodeCodeerStream(bytes)));
    expect(events).toEqual(RECORDED_AGENT_EVENTS);
    expect(events.reduce(applyAgentEvent, '')).toBe(RECORDED_TEXT);
  });

  it('gives identical events split at every byte offset', async () => {
    const expectedTyped = await collect(decodeCodeerStream(bytes));
    let checked = 0;
    for (const [offset, parts] of everySplit(bytes)) {
      const typed = await collect(decodeCodeerStream(parts));
      if (JSON.stringify(typed) !== JSON.stringify(expectedTyped))
        expect({ offset, typed }).toEqual({ offset, typed: expectedTyped });
      const events = await collect(toCodeerAgentEvents(decodeCodeerStream(parts)));
      if (JSON.stringify(events) !== JSON.stringify(RECORDED_AGENT_EVENTS))
        expect({ offset, events }).toEqual({ offset, events: RECORDED_AGENT_EVENTS });
      checked++;
    }
    expect(checked).toBe(bytes.byteLength + 1);
    expect(await collect(toCodeerAgentEvents(decodeCodeerStream(splitEvery(bytes, 1))))).toEqual(RECORDED_AGENT_EVENTS);
  });

  it('gives identical events over HTTP written one byte at a time', async () => {
    const server = await startScriptedServer(() => ({
      headers: { 'content-type': 'text/event-stream' },
      body: splitEvery(bytes, 1),
    }));
    try {
      const codeer = createCodeer({ apiKey: 'k-recorded-1', baseURL: `${server.url}/api/v1`, agentId: 'agent-1' });
      const stream = await codeer.messages.stream(12345, { message: '営業時間は？' });
      expect(await collect(stream.agentEvents())).toEqual(RECORDED_AGENT_EVENTS);
    } finally {
      await server.close();
    }
  });

  it('reads a JSON answer to a stream request, and fills start.chatId from the call', async () => {
    const server = await startScriptedServer((req) =>
      req.path.endsWith('/77/messages')
        ? {
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ data: '一括の答え', message: null, error_code: 0, pagination: null }),
          }
        : { headers: { 'content-type': 'text/event-stream' }, body: 'data: 古い形式\n\ndata: [DONE]\n\n' },
    );
    try {
      const codeer = createCodeer({ apiKey: 'k-recorded-2', baseURL: server.url, agentId: 'agent-1' });
      const json = await codeer.messages.stream(77, { message: 'x' });
      expect(await collect(json.agentEvents())).toEqual([
        { type: 'start', provider: 'codeer', chatId: '77' },
        { type: 'text-delta', delta: '一括の答え' },
        { type: 'finish', text: '一括の答え', reason: 'stop' },
      ]);
      const plain = await codeer.messages.stream('78', { message: 'x' });
      expect((await collect(plain.agentEvents()))[0]).toEqual({ type: 'start', provider: 'codeer', chatId: '78' });
    } finally {
      await server.close();
    }
  });

  it('ends with a stream-cut error when the recording stops before its finish signal, at every event boundary', async () => {
    const boundaries = [...RECORDED_WIRE.matchAll(/\r?\n\r?\n/g)].map((m) => m.index! + m[0].length);
    const cutPoints = boundaries.slice(0, -2); // cut before the completed event
    for (const end of cutPoints) {
      const events = await collect(toCodeerAgentEvents(decodeCodeerStream(utf8(RECORDED_WIRE.slice(0, end)))));
      const last = events.at(-1)!;
      if (events.length === 0) continue;
      expect(last).toMatchObject({ type: 'error', code: 'stream-cut', retryable: true });
      expect(events.some((e) => e.type === 'finish')).toBe(false);
    }
    // Only comments, no event at all: nothing started, so the cut is still reported.
    expect(await collect(toCodeerAgentEvents(decodeCodeerStream(utf8(': hi\n\n'))))).toEqual([
      expect.objectContaining({ type: 'error', code: 'stream-cut' }),
    ]);
  });
});

describe('event decoding details', () => {
  const ev = (data: string, event?: string): CodeerStreamEvent =>
    toCodeerStreamEvent(event === undefined ? { data } : { event, data });

  it('reads legacy plain text, non-JSON error events and events named only by the event line', () => {
    expect(ev('こんにちは')).toEqual({ type: 'plain-text', text: 'こんにちは' });
    expect(ev('サーバーエラー', 'error')).toEqual({ type: 'error', message: 'サーバーエラー' });
    expect(ev('{"message":"boom","code":10005}', 'error')).toEqual({ type: 'error', message: 'boom', code: 10005 });
    expect(ev('{"delta":"x"}', 'response.output_text.delta')).toEqual({
      type: 'response.output_text.delta',
      delta: 'x',
    });
    expect(ev('[1,2]', 'x')).toEqual({ type: 'unknown', event: 'x', data: [1, 2] });
    expect(ev(' [DONE] ')).toEqual({ type: 'done' });
  });

  it('the text-delta fast path gives what the schema gives, and refuses what the schema refuses', () => {
    const verdict = (data: string, event?: string): unknown => {
      try {
        return { event: ev(data, event) };
      } catch (error) {
        return { error: ResponseDecodeError.isInstance(error) ? error.message : String(error) };
      }
    };
    const payloads: Array<Record<string, unknown>> = [
      { delta: 'こんにちは' },
      { delta: '' },
      { delta: '改行\r\nあり', response_id: 'r-1', chat_id: 7 },
      { delta: 'x', response_id: null, chat_id: '7' },
      { delta: 'x', chat_id: null, extra: { kept: ['as', 'sent'] } },
      { delta: 42 },
      { delta: null },
      { delta: ['x'] },
      {},
      { delta: 'x', response_id: 5 },
      { delta: 'x', response_id: {} },
      { delta: 'x', chat_id: true },
      { delta: 'x', chat_id: [1] },
    ];
    for (const p of payloads) {
      // With its "type" field a delta can take the fast path; named only by its event line it always
      // goes through the schema.
      const fast = verdict(JSON.stringify({ type: 'response.output_text.delta', ...p }));
      const schema = verdict(JSON.stringify(p), 'response.output_text.delta');
      expect(fast, JSON.stringify(p)).toEqual(schema);
    }
  });

  it('fails a known event of the wrong shape with ResponseDecodeError', () => {
    let error: unknown;
    try {
      ev('{"type":"response.output_text.delta","delta":42}', 'response.output_text.delta');
    } catch (e) {
      error = e;
    }
    expect(ResponseDecodeError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'invalid-event' });
    expect((error as Error).message).toContain('delta');
  });

  it('turns a malformed event after the first into an error event, keeping what came before', async () => {
    const wire =
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"前半"}\n\n' +
      'event: response.reasoning_step.start\ndata: {"type":"response.reasoning_step.start","step":"not an object"}\n\n';
    const events: AgentEvent[] = await collect(toCodeerAgentEvents(decodeCodeerStream(utf8(wire))));
    expect(events.map((e) => e.type)).toEqual(['start', 'text-delta', 'error']);
    expect(events.at(-1)).toMatchObject({ code: 'response-decode', retryable: false });
  });

  it('follows the SSE framing rules: BOM, lone CR, no space after the colon, id/retry, a last event without its blank line', async () => {
    const wire =
      '\uFEFFevent:response.output_text.delta\rdata:{"type":"response.output_text.delta","delta":"一"}\r\r' +
      'id: 7\nretry: 1000\nevent: response.output_text.delta\ndata: {"type":"response.output_text.delta",\ndata:"delta":"二"}\n\n' +
      'data\n\n' +
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"三"}';
    const typed = await collect(decodeCodeerStream(utf8(wire)));
    expect(typed).toEqual([
      { type: 'response.output_text.delta', delta: '一' },
      { type: 'response.output_text.delta', delta: '二' },
      { type: 'unknown', data: '' },
      { type: 'response.output_text.delta', delta: '三' },
    ]);
    for (const [, parts] of everySplit(wire)) expect(await collect(decodeCodeerStream(parts))).toEqual(typed);
  });

  it('stops reading at [DONE] and bounds the buffer', async () => {
    const after =
      'data: [DONE]\n\nevent: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"後"}\n\n';
    expect(await collect(decodeCodeerStream(utf8(after)))).toEqual([{ type: 'done' }]);
    const long = `data: ${'あ'.repeat(100)}\ndata: ${'い'.repeat(100)}\n\n`;
    const error = await rejection(collect(decodeCodeerStream(utf8(long), { maxBufferSize: 150 })));
    expect(error).toMatchObject({ name: 'ResponseDecodeError', reason: 'buffer-overflow' });
  });

  it('maps plain-text data to text deltas and finishes on [DONE]', async () => {
    const events = await collect(
      toCodeerAgentEvents(decodeCodeerStream(utf8('data: 古い\n\ndata: 形式\n\ndata: [DONE]\n\n'))),
    );
    expect(events).toEqual([
      { type: 'start', provider: 'codeer' },
      { type: 'text-delta', delta: '古い' },
      { type: 'text-delta', delta: '形式' },
      { type: 'finish', text: '古い形式', reason: 'stop' },
    ]);
  });
});
