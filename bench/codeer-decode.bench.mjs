// Codeer stream decode throughput: bytes of a recorded-style Codeer answer (Japanese text, reasoning
// steps, comments) to events.
//   floor:   eventsource-parser + JSON.parse driven by hand (no iterator, no validation, no errors)
//   sse-core decodeSSEJson: the transport's own decoder alone (reference: what the layers build on)
//   typed:   @kakehashi/codeer decodeCodeerStream (async iterator, typed + validated events, [DONE])
//   agent:   @kakehashi/codeer toCodeerAgentEvents(decodeCodeerStream(...)) (AgentEvents, guarded)
import { decodeCodeerStream, toCodeerAgentEvents } from '@kakehashi/codeer';
import { decodeSSEJson } from '@kakehashi/sse-core';
import { chunk, compare, iterate, printTable, eventsourceParserFloor } from './bench-utils.mjs';

const DELTAS = Number(process.env.BENCH_EVENTS ?? 100_000);
const CHUNK = 16 * 1024;
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
const ids = '"response_id":"9b2f1c4e-0d4a-4f7b-9a7e-1c2d3e4f5a6b","chat_id":12345';
const ev = (type, fields) => `event: ${type}\ndata: {"type":"${type}",${ids}${fields}}\n\n`;

let wire = ev(
  'response.created',
  ',"agent_id":"550e8400-e29b-41d4-a716-446655440000","model":"gpt-4o","conversation_group_id":"cvg-1","user_conversation_id":7',
);
wire += ev('response.chat.title.updated', ',"name":"営業時間についての質問"');
let text = '';
for (let i = 0; i < DELTAS; i++) {
  if (i % 1000 === 0) {
    wire += ': keep-alive\n\n';
    const step = `{"id":"step_${i}","content":"ナレッジベースを検索中","type":"consultant_retrieve_context_source","args":{"query":"営業時間"},"timestamp":"2024-01-15T10:30:00Z"}`;
    wire += ev('response.reasoning_step.start', `,"step":${step}`);
    wire += ev(
      'response.reasoning_step.end',
      `,"step":{"id":"step_${i}","type":"consultant_retrieve_context_source","result":{"success":true},"timestamp":"2024-01-15T10:30:01Z"}`,
    );
  }
  const delta = phrases[i % phrases.length];
  text += delta;
  wire += ev('response.output_text.delta', `,"delta":${JSON.stringify(delta)}`);
}
wire += ev(
  'response.output_text.completed',
  `,"final_text":${JSON.stringify(text)},"usage":{"total_prompt_tokens":250,"total_completion_tokens":85,"total_tokens":335,"total_calls":1}`,
);
wire += 'data: [DONE]\n\n';
const bytes = new TextEncoder().encode(wire);
const chunks = chunk(bytes, CHUNK);
console.log(
  `${DELTAS} text deltas, ${(bytes.length / 1e6).toFixed(1)} MB in ${chunks.length} chunks of ${CHUNK / 1024} KiB`,
);

const DELTA = 'response.output_text.delta';
const contenders = {
  'eventsource-parser + JSON.parse (floor)': () => eventsourceParserFloor(chunks, (json) => json.type === DELTA),
  'sse-core decodeSSEJson (reference)': async () => {
    let count = 0;
    for await (const m of decodeSSEJson(iterate(chunks))) if (!m.done && m.data.type === DELTA) count++;
    return count;
  },
  'codeer decodeCodeerStream (typed events)': async () => {
    let count = 0;
    for await (const e of decodeCodeerStream(iterate(chunks))) if (e.type === DELTA) count++;
    return count;
  },
  'codeer toCodeerAgentEvents (AgentEvents)': async () => {
    let count = 0;
    let finished = '';
    for await (const e of toCodeerAgentEvents(decodeCodeerStream(iterate(chunks)))) {
      if (e.type === 'text-delta') count++;
      else if (e.type === 'finish') finished = e.text;
    }
    if (finished !== text) throw new Error('finish.text does not match the deltas');
    return count;
  },
};

const medians = await compare(contenders, { work: DELTAS });
const floor = 'eventsource-parser + JSON.parse (floor)';
printTable('Codeer stream decode, bytes -> events (median of 7 rounds, text deltas/s)', medians, floor, 'deltas/s');
const ref = medians['sse-core decodeSSEJson (reference)'];
const typed = medians['codeer decodeCodeerStream (typed events)'];
const agent = medians['codeer toCodeerAgentEvents (AgentEvents)'];
console.log(
  `\n  typed events: ${(typed / medians[floor]).toFixed(2)}x floor, ${(typed / ref).toFixed(2)}x decodeSSEJson;` +
    ` AgentEvents: ${(agent / medians[floor]).toFixed(2)}x floor, ${(agent / ref).toFixed(2)}x decodeSSEJson`,
);
