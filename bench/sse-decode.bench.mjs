// SSE decode throughput: bytes of an OpenAI-style chat stream (Japanese text) to parsed JSON objects.
//   floor:      eventsource-parser + JSON.parse driven by hand (no iterator, no error handling)
//   kakehashi:  @kakehashi/sse-core decodeSSEJson (async iterator, [DONE], bounded buffers, errors)
//   openai:     the openai package's Stream.fromSSEResponse
import { Stream } from 'openai/streaming';
import { decodeSSEJson } from '@kakehashi/sse-core';
import { chunk, compare, iterate, printTable, readableOf, eventsourceParserFloor } from './bench-utils.mjs';

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
let wire = ': connected\n\n';
for (let i = 0; i < EVENTS; i++) {
  if (i % 500 === 0) wire += ': heartbeat\n\n';
  const content = phrases[i % phrases.length];
  wire += `data: {"id":"chatcmpl-${i >> 6}","object":"chat.completion.chunk","created":1732240000,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}]}\n\n`;
}
wire += 'data: [DONE]\n\n';
const bytes = new TextEncoder().encode(wire);
const chunks = chunk(bytes, CHUNK);
console.log(
  `${EVENTS} events, ${(bytes.length / 1e6).toFixed(1)} MB in ${chunks.length} chunks of ${CHUNK / 1024} KiB`,
);

const contenders = {
  'eventsource-parser + JSON.parse (floor)': () => eventsourceParserFloor(chunks),
  '@kakehashi/sse-core decodeSSEJson': async () => {
    let count = 0;
    for await (const m of decodeSSEJson(iterate(chunks))) if (!m.done) count++;
    return count;
  },
  'openai Stream.fromSSEResponse': async () => {
    let count = 0;
    const response = new Response(readableOf(chunks), { headers: { 'content-type': 'text/event-stream' } });
    for await (const _ of Stream.fromSSEResponse(response, new AbortController())) count++;
    return count;
  },
};

const medians = await compare(contenders, { work: EVENTS });
printTable('SSE decode, bytes -> parsed JSON (median of 7 rounds)', medians, 'eventsource-parser + JSON.parse (floor)');
const ratio = medians['@kakehashi/sse-core decodeSSEJson'] / medians['eventsource-parser + JSON.parse (floor)'];
const vsOpenai = medians['@kakehashi/sse-core decodeSSEJson'] / medians['openai Stream.fromSSEResponse'];
console.log(
  `\n  target: >= 0.90x floor -> ${ratio.toFixed(2)}x ${ratio >= 0.9 ? 'met' : 'NOT met'}; faster than openai -> ${vsOpenai.toFixed(2)}x ${vsOpenai > 1 ? 'met' : 'NOT met'}`,
);
