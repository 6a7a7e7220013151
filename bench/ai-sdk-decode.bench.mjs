// AI SDK provider throughput: the same recorded platform streams (Codeer, AgenticStar, miibo), bytes
// -> the SDK's AgentEvents -> @kakehashi/ai-sdk's LanguageModelV4 stream parts.
//   baseline:  the SDK's AgentEvents, read from an agent-contract turn (what the provider consumes)
//   provider:  @kakehashi/ai-sdk model.doStream(), its ReadableStream of stream parts read to the end
//   streamText (reference): the AI SDK's own streamText(...).fullStream over the provider, to show
//              where the AI SDK's cost begins (not part of the target)
//   floor:     a bare ReadableStream of the same turn's events (no mapping): the cost any
//              LanguageModelV4 stream pays, since the spec hands parts over as a web ReadableStream
// Work is the characters of answer text delivered (a rewrite counts its whole text again), the same on
// every side even when the provider joins deltas for a reader that is behind; the lines under each
// table give events/s and parts/s.
// Run after building: scripts/bin/nx run @kakehashi/ai-sdk:build && node --expose-gc bench/ai-sdk-decode.bench.mjs
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { decodeAgenticStarAgentEvents } from '@kakehashi/agenticstar';
import { decodeCodeerStream, toCodeerAgentEvents } from '@kakehashi/codeer';
import { decodeMiiboAgentEvents } from '@kakehashi/miibo';
import { createAgentTurn } from '@kakehashi/sse-core';
import { chunk, compare, iterate, printTable } from './bench-utils.mjs';

// The provider and `ai` are the ai-sdk package's own (not root dependencies).
const fromAiSdk = createRequire(new URL('../packages/ai-sdk/package.json', import.meta.url));
const { createKakehashi } = await import(new URL('../packages/ai-sdk/dist/index.js', import.meta.url));
const { streamText } = await import(pathToFileURL(fromAiSdk.resolve('ai')).href);

const CHUNK = 16 * 1024;
const PIECES = Number(process.env.BENCH_EVENTS ?? 50_000);
const phrases = [
  '営業時間は',
  '月曜日から金曜日の',
  '午前9時から',
  '午後6時まで',
  'です。',
  '架け橋',
  'のデモです',
  '🌏',
  ' OK',
];

// Codeer: response.created, a title, a reasoning step every 1000 deltas, comments, completed + [DONE].
function codeerWire() {
  const ids = '"response_id":"9b2f1c4e-0d4a-4f7b-9a7e-1c2d3e4f5a6b","chat_id":12345';
  const ev = (type, fields) => `event: ${type}\ndata: {"type":"${type}",${ids}${fields}}\n\n`;
  let wire = ev('response.created', ',"agent_id":"550e8400-e29b-41d4-a716-446655440000","model":"gpt-4o"');
  wire += ev('response.chat.title.updated', ',"name":"営業時間についての質問"');
  let text = '';
  for (let i = 0; i < PIECES; i++) {
    if (i % 1000 === 0) {
      wire += ': keep-alive\n\n';
      wire += ev(
        'response.reasoning_step.start',
        `,"step":{"id":"step_${i}","content":"ナレッジベースを検索中","type":"consultant_retrieve_context_source","args":{"query":"営業時間"}}`,
      );
      wire += ev(
        'response.reasoning_step.end',
        `,"step":{"id":"step_${i}","type":"consultant_retrieve_context_source","result":{"success":true}}`,
      );
    }
    const delta = phrases[i % phrases.length];
    text += delta;
    wire += ev('response.output_text.delta', `,"delta":${JSON.stringify(delta)}`);
  }
  wire += ev(
    'response.output_text.completed',
    `,"final_text":${JSON.stringify(text)},"usage":{"total_prompt_tokens":250,"total_completion_tokens":85,"total_tokens":335}`,
  );
  wire += 'data: [DONE]\n\n';
  return wire;
}

// AgenticStar: the role chunk, content chunks with a task starting / ending every 128, heartbeats, finish.
function agenticStarWire() {
  const info = { conversationId: 'conv-000001', messageId: 'msg-000001' };
  const task = (i, status) => ({
    ...info,
    actionType: 'execute',
    callId: `call-${i >> 7}`,
    title: 'データ分析',
    status,
  });
  const data = (delta, extra = {}) =>
    `data: ${JSON.stringify({ createdAt: '2026-03-14T10:30:00.000Z', model: 'AGENTIC STAR', choices: [{ index: 0, delta, ...extra }] })}\n\n`;
  let wire = `: connected\n\n${data({ role: 'assistant', messageInfo: info })}`;
  for (let i = 1; i <= PIECES; i++) {
    const delta = { content: phrases[i % phrases.length] };
    if (i % 128 === 1) delta.tasks = [task(i, 'running')];
    else if (i % 128 === 100) delta.tasks = [task(i, 'completed')];
    wire += data(delta);
    if (i % 500 === 0) wire += ': heartbeat\n\n';
  }
  return `${wire}${data({}, { finishReason: 'stop' })}data: [DONE]\n\n`;
}

// miibo: cumulative snapshots (each line carries the whole answer so far), a rewrite every 250, the final object.
function miiboWire(snapshots) {
  let wire = '';
  let text = '';
  for (let i = 0; i < snapshots; i++) {
    if (i > 0 && i % 250 === 0) text = `${text.slice(0, -3)}(訂正)`;
    else text += phrases[i % phrases.length];
    wire += `${JSON.stringify({ bestResponse: { utterance: text, is_searching: false } })}\n`;
  }
  return `${wire}${JSON.stringify({ utterance: 'ご質問', bestResponse: { utterance: text }, userState: {} })}\n`;
}

const streams = [
  {
    platform: 'codeer',
    chunks: chunk(new TextEncoder().encode(codeerWire()), CHUNK),
    events: (c) => toCodeerAgentEvents(decodeCodeerStream(iterate(c))),
  },
  {
    platform: 'agenticstar',
    chunks: chunk(new TextEncoder().encode(agenticStarWire()), CHUNK),
    events: (c) => decodeAgenticStarAgentEvents(iterate(c)),
  },
  // miibo's lines grow with the answer (JSON.parse dominates), so fewer snapshots, several streams.
  {
    platform: 'miibo',
    repeat: 4,
    chunks: chunk(new TextEncoder().encode(miiboWire(Number(process.env.BENCH_SNAPSHOTS ?? 1500))), CHUNK),
    events: (c) => decodeMiiboAgentEvents(iterate(c)),
  },
];

/** A ready agent whose every turn replays the recorded stream through the SDK's own AgentEvent mapping. */
const recordedAgent = ({ platform, chunks, events }) => ({
  provider: platform,
  startTurn: (_input, options) =>
    createAgentTurn({
      provider: platform,
      session: 'recorded-session',
      ...(options?.signal ? { signal: options.signal } : {}),
      open: () => events(chunks)[Symbol.asyncIterator](),
    }),
});

const prompt = [{ role: 'user', content: [{ type: 'text', text: '営業時間は?' }] }];
const messages = [{ role: 'user', content: '営業時間は?' }];
const BASE = 'SDK AgentEvents (baseline)';
const FLOOR = 'bare ReadableStream of the events (floor)';
const PROVIDER = 'ai-sdk doStream parts';
const STREAM_TEXT = 'AI SDK streamText fullStream (reference)';

/** Characters of answer text an AgentEvent carries (a rewrite carries the whole text again). */
const eventChars = (e) => (e.type === 'text-delta' ? e.delta.length : e.type === 'text-replace' ? e.text.length : 0);

/** Reads a ReadableStream to its end; returns the characters of text-delta parts and counts every part. */
async function readStream(stream, counter) {
  let chars = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chars;
    counter.parts++;
    if (value.type === 'text-delta') chars += value.delta.length;
    else if (value.type === 'error') throw value.error;
  }
}

const summary = [];
for (const stream of streams) {
  const agent = recordedAgent(stream);
  const provider = createKakehashi({ provide: { [stream.platform]: agent }, sessionCacheSize: 0 });
  const model = provider(stream.platform);
  const repeat = stream.repeat ?? 1;
  const counted = { [PROVIDER]: { parts: 0 }, [STREAM_TEXT]: { parts: 0 }, events: 0 };

  const contenders = {
    [BASE]: async () => {
      let chars = 0;
      counted.events = 0;
      for (let r = 0; r < repeat; r++) {
        for await (const e of agent.startTurn({ messages })) {
          counted.events++;
          chars += eventChars(e);
          if (e.type === 'error') throw new Error(e.message);
        }
      }
      return chars;
    },
    // What any LanguageModelV4 provider pays: the same turn, each event enqueued as it is, no mapping.
    [FLOOR]: async () => {
      let chars = 0;
      for (let r = 0; r < repeat; r++) {
        const turn = agent.startTurn({ messages });
        const s = new ReadableStream({
          async pull(controller) {
            for (;;) {
              const next = await turn.next();
              if (next.done) return controller.close();
              controller.enqueue(next.value);
              if (controller.desiredSize <= 0) return;
            }
          },
        });
        const reader = s.getReader();
        for (let n = await reader.read(); !n.done; n = await reader.read()) chars += eventChars(n.value);
      }
      return chars;
    },
    [PROVIDER]: async () => {
      let chars = 0;
      counted[PROVIDER].parts = 0;
      for (let r = 0; r < repeat; r++)
        chars += await readStream((await model.doStream({ prompt })).stream, counted[PROVIDER]);
      return chars;
    },
    [STREAM_TEXT]: async () => {
      let chars = 0;
      counted[STREAM_TEXT].parts = 0;
      for (let r = 0; r < repeat; r++) {
        const result = streamText({ model, messages, onError: () => {} });
        for await (const part of result.fullStream) {
          if (part.type === 'text-delta') {
            counted[STREAM_TEXT].parts++;
            chars += part.text.length;
          }
        }
      }
      return chars;
    },
  };

  let work = 0;
  for (let r = 0; r < repeat; r++) for await (const e of agent.startTurn({ messages })) work += eventChars(e);
  const bytes = stream.chunks.reduce((n, c) => n + c.length, 0);
  console.log(`\n${stream.platform}: ${repeat} x ${(bytes / 1e6).toFixed(1)} MB, ${work} characters of answer text`);
  const medians = await compare(contenders, { work });
  printTable(
    `${stream.platform}: recorded stream -> AgentEvents -> AI SDK parts (median of 7 rounds, answer text chars/s)`,
    medians,
    BASE,
    'chars/s',
  );
  const ratio = medians[PROVIDER] / medians[BASE];
  const perRun = (name) => medians[name] / work; // runs per second
  const events = counted.events;
  const parts = counted[PROVIDER].parts;
  console.log(
    `  provider: ${ratio.toFixed(2)}x of the AgentEvent rate (target >= 0.80x), ${(medians[PROVIDER] / medians[FLOOR]).toFixed(2)}x of the bare ReadableStream floor` +
      `\n  AgentEvents ${((perRun(BASE) * events) / 1e6).toFixed(2)}M events/s (${events} per run); provider ${((perRun(PROVIDER) * parts) / 1e6).toFixed(2)}M parts/s (${parts} per run)` +
      `; streamText ${counted[STREAM_TEXT].parts} text deltas per run`,
  );
  summary.push(`${stream.platform} ${ratio.toFixed(2)}x (floor ${(medians[FLOOR] / medians[BASE]).toFixed(2)}x)`);
}
console.log(`\nai-sdk doStream vs SDK AgentEvents: ${summary.join(', ')}`);
