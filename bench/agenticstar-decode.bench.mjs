// AgenticStar chat stream decode throughput: bytes of a recorded-style stream (Japanese text, tasks,
// heartbeats) to
//   floor:        eventsource-parser + JSON.parse driven by hand (no iterator, no validation)
//   sse-core:     decodeSSEJson alone (the layer below; no validation, no typing)
//   typed:        @kakehashi/agenticstar decodeAgenticStarStream (sse-core decoder, zod-validated chunks)
//   agent events: @kakehashi/agenticstar decodeAgenticStarAgentEvents (tasks merged by callId, guarded stream)
import { decodeAgenticStarAgentEvents, decodeAgenticStarStream } from '@kakehashi/agenticstar';
import { decodeSSEJson } from '@kakehashi/sse-core';
import { chunk, compare, iterate, printTable, eventsourceParserFloor } from './bench-utils.mjs';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const CHUNK = 16 * 1024;
const phrases = [
  'こんにちは',
  '、本日は',
  'お問い合わせ',
  'ありがとうございます。',
  '架け橋',
  'のデモです',
  '🌏',
  ' OK',
];
const at = (i) => new Date(Date.UTC(2026, 2, 14, 10, 30, 0) + i * 10).toISOString();
const info = { conversationId: 'conv-000001', messageId: 'msg-000001' };
const task = (i, status) => ({
  ...info,
  actionType: status === 'running' ? 'execute' : 'tool_result',
  callId: `0cf24f34-bbd9-4833-88c4-${String(i >> 7).padStart(12, '0')}`,
  title: 'データ分析',
  status,
  timestamp: 1773499412706 + i,
});

// One role chunk, then EVENTS - 2 content / task chunks, then the final chunk; every 128th chunk also
// starts (or ends) a task, every 500th is followed by a heartbeat comment.
let wire = ': connected\n\n';
wire += `data: ${JSON.stringify({ createdAt: at(0), model: 'AGENTIC STAR', choices: [{ index: 0, delta: { role: 'assistant', messageInfo: info } }] })}\n\n`;
for (let i = 1; i < EVENTS - 1; i++) {
  const delta = { content: phrases[i % phrases.length] };
  if (i % 128 === 1) delta.tasks = [task(i, 'running')];
  else if (i % 128 === 100) delta.tasks = [task(i, 'completed')];
  wire += `data: ${JSON.stringify({ createdAt: at(i), model: 'AGENTIC STAR', choices: [{ index: 0, delta }] })}\n\n`;
  if (i % 500 === 0) wire += ': heartbeat\n\n';
}
wire += `data: ${JSON.stringify({ createdAt: at(EVENTS), model: 'AGENTIC STAR', choices: [{ index: 0, delta: {}, finishReason: 'stop' }] })}\n\n`;
wire += 'data: [DONE]\n\n';
const bytes = new TextEncoder().encode(wire);
const chunks = chunk(bytes, CHUNK);
console.log(
  `${EVENTS} chunks, ${(bytes.length / 1e6).toFixed(1)} MB in ${chunks.length} network chunks of ${CHUNK / 1024} KiB`,
);

const FLOOR = 'eventsource-parser + JSON.parse (floor)';
const SSE = 'sse-core decodeSSEJson (no validation)';
const TYPED = 'agenticstar typed events';
const AGENT = 'agenticstar AgentEvents';
const contenders = {
  [FLOOR]: () => eventsourceParserFloor(chunks),
  [SSE]: async () => {
    let count = 0;
    for await (const m of decodeSSEJson(iterate(chunks))) if (!m.done) count++;
    return count;
  },
  [TYPED]: async () => {
    let count = 0;
    for await (const e of decodeAgenticStarStream(iterate(chunks))) if (e.type === 'chunk') count++;
    return count;
  },
  [AGENT]: async () => {
    // Work = chunks, as for the others: every chunk yields at least one AgentEvent (start, text-delta, finish).
    let count = 0;
    let text = '';
    for await (const e of decodeAgenticStarAgentEvents(iterate(chunks))) {
      if (e.type === 'text-delta') {
        text += e.delta;
        count++;
      } else if (e.type === 'start' || e.type === 'finish') count++;
      else if (e.type === 'error') throw new Error(e.message);
    }
    if (!text) throw new Error('no text');
    return count;
  },
};

const medians = await compare(contenders, { work: EVENTS });
printTable('AgenticStar decode, bytes -> events (median of 7 rounds)', medians, FLOOR);
