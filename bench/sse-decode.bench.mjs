// SSE decode throughput: bytes of an OpenAI-style chat stream (Japanese text) to parsed JSON objects.
//   floor:      eventsource-parser + JSON.parse driven by hand (no iterator, no error handling)
//   kakehashi:  @kakehashi/sse-core decodeSSEJson (async iterator, [DONE], bounded buffers, errors)
//   openai:     the openai package's Stream.fromSSEResponse
// Then one long line's scaling (decodeLines / decodeNDJSON against eventsource-parser), see below.
import { Stream } from 'openai/streaming';
import { createParser } from 'eventsource-parser';
import { decodeLines, decodeNDJSON, decodeSSEJson } from '@kakehashi/sse-core';
import { chunk, compare, eventsourceParserFloor, iterate, median, printTable, readableOf } from './bench-utils.mjs';

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

// Scaling of one long line: a 1 MiB and a 4 MiB line, each fed in 512-byte chunks (so every chunk
// but the last leaves the line unfinished, and Japanese characters are cut between chunks). A linear
// decoder takes about 4x as long for the 4 MiB line; one that re-scans or re-copies its pending text
// per chunk takes about 16x. Baseline: eventsource-parser on the same bytes (an SSE `data:` line).
const LINE_CHUNK = 512;
const LINE_ROUNDS = Number(process.env.BENCH_LINE_ROUNDS ?? 5);
const longLine = (bytes) => {
  const piece = '長い行の途中で切れる日本語テキスト、and some ASCII too. ';
  const body = piece.repeat(Math.floor(bytes / new TextEncoder().encode(piece).length));
  return chunk(new TextEncoder().encode(`data: {"text":"${body}"}\n\n`), LINE_CHUNK);
};
const lineInputs = { '1 MiB': longLine(1024 * 1024), '4 MiB': longLine(4 * 1024 * 1024) };
const LONG = { maxLineLength: 64 * 1024 * 1024 };
const lineContenders = {
  'eventsource-parser (baseline)': async (chunks) => {
    let count = 0;
    const decoder = new TextDecoder();
    const parser = createParser({ onEvent: () => count++, maxBufferSize: LONG.maxLineLength });
    for await (const c of iterate(chunks)) parser.feed(decoder.decode(c, { stream: true }));
    return count;
  },
  '@kakehashi/sse-core decodeLines': async (chunks) => {
    let count = 0;
    for await (const lines of decodeLines(iterate(chunks), LONG.maxLineLength))
      for (const line of lines) if (line !== '') count++;
    return count;
  },
  '@kakehashi/sse-core decodeNDJSON (+ JSON.parse)': async (chunks) => {
    let count = 0;
    for await (const _ of decodeNDJSON(iterate(chunks), LONG)) count++;
    return count;
  },
};
const lineTimes = Object.fromEntries(
  Object.keys(lineContenders).map((name) => [name, Object.fromEntries(Object.keys(lineInputs).map((s) => [s, []]))]),
);
for (let round = 0; round < LINE_ROUNDS + 1; round++) {
  for (const [name, fn] of Object.entries(lineContenders)) {
    for (const [size, chunks] of Object.entries(lineInputs)) {
      globalThis.gc?.();
      const started = performance.now();
      const count = await fn(chunks);
      const ms = performance.now() - started;
      if (count !== 1) throw new Error(`${name} found ${count} lines in the ${size} input, expected 1`);
      if (round > 0) lineTimes[name][size].push(ms);
    }
  }
}
console.log(
  `\nOne long line in ${LINE_CHUNK}-byte chunks: time per line (median of ${LINE_ROUNDS} rounds); 4 MiB / 1 MiB should be ~4 (linear), not ~16`,
);
const baseline4 = median(lineTimes['eventsource-parser (baseline)']['4 MiB']);
for (const [name, bySize] of Object.entries(lineTimes)) {
  const t1 = median(bySize['1 MiB']);
  const t4 = median(bySize['4 MiB']);
  const vs = name === 'eventsource-parser (baseline)' ? '(baseline)' : `${(baseline4 / t4).toFixed(2)}x of baseline`;
  console.log(
    `  ${name.padEnd(48)} 1 MiB ${t1.toFixed(1).padStart(8)} ms   4 MiB ${t4.toFixed(1).padStart(8)} ms   4 MiB / 1 MiB = ${(t4 / t1).toFixed(1)}   4 MiB speed ${vs}`,
  );
}
const scaling =
  median(lineTimes['@kakehashi/sse-core decodeLines']['4 MiB']) /
  median(lineTimes['@kakehashi/sse-core decodeLines']['1 MiB']);
console.log(
  `\n  target: decodeLines 4 MiB / 1 MiB <= 6 (linear) -> ${scaling.toFixed(1)} ${scaling <= 6 ? 'met' : 'NOT met'}`,
);
