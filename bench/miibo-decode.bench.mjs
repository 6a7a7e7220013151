// miibo stream decode throughput: bytes of a streamed miibo answer (Japanese text) to events.
// miibo streams newline-separated JSON objects, each carrying the WHOLE answer so far in
// bestResponse.utterance, so lines grow as the answer does and JSON.parse dominates.
//   floor:  bare line split + JSON.parse driven by hand (no iterator, no error handling)
//   typed:  @kakehashi/miibo decodeMiiboStream (snapshot events + final; data: prefixes, noise lines,
//           single-body fallback, bounded buffers)
//   agent:  @kakehashi/miibo decodeMiiboAgentEvents (SnapshotDiffer -> text-delta / text-replace,
//           finish, guardAgentStream)
import { decodeMiiboAgentEvents, decodeMiiboStream } from '@kakehashi/miibo';
import { chunk, compare, iterate, printTable } from './bench-utils.mjs';

const SNAPSHOTS = Number(process.env.BENCH_SNAPSHOTS ?? 1_500);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 4);
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

// One answer: every snapshot adds a phrase; every 250th rewrites the last sentence (text-replace).
let wire = '';
let text = '';
for (let i = 0; i < SNAPSHOTS; i++) {
  if (i > 0 && i % 250 === 0) text = `${text.slice(0, -3)}(訂正)`;
  else text += phrases[i % phrases.length];
  wire += `${JSON.stringify({ bestResponse: { utterance: text, is_searching: false } })}\n`;
}
wire += `${JSON.stringify({ utterance: 'ご質問', bestResponse: { utterance: text, score: 0.9, options: [], topic: '', isAutoResponse: true, extensions: null }, userState: {} })}\n`;
const bytes = new TextEncoder().encode(wire);
const chunks = chunk(bytes, CHUNK);
const OBJECTS = SNAPSHOTS + 1;
console.log(
  `${STREAMS} x one answer of ${OBJECTS} cumulative objects (${[...text].length} characters at the end), ${(bytes.length / 1e6).toFixed(1)} MB per stream in ${chunks.length} chunks of ${CHUNK / 1024} KiB`,
);

const contenders = {
  'line split + JSON.parse (floor)': async () => {
    let count = 0;
    for (let s = 0; s < STREAMS; s++) {
      const decoder = new TextDecoder();
      let pending = '';
      for await (const c of iterate(chunks)) {
        const text = pending + decoder.decode(c, { stream: true });
        let start = 0;
        for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
          if (nl > start) JSON.parse(text.slice(start, nl)) && count++;
          start = nl + 1;
        }
        pending = text.slice(start);
      }
      if (pending) JSON.parse(pending) && count++;
    }
    return count;
  },
  '@kakehashi/miibo decodeMiiboStream': async () => {
    let count = 0;
    for (let s = 0; s < STREAMS; s++)
      for await (const e of decodeMiiboStream(iterate(chunks))) if (e.type === 'snapshot') count++;
    return count;
  },
  '@kakehashi/miibo decodeMiiboAgentEvents': async () => {
    let count = 0;
    for (let s = 0; s < STREAMS; s++) {
      for await (const e of decodeMiiboAgentEvents(iterate(chunks))) if (e.type !== 'start') count++;
    }
    return count;
  },
};

const medians = await compare(contenders, { work: OBJECTS * STREAMS, unit: 'objects/s' });
printTable(
  'miibo decode, bytes -> events (median of 7 rounds)',
  medians,
  'line split + JSON.parse (floor)',
  'objects/s',
);
const typed = medians['@kakehashi/miibo decodeMiiboStream'] / medians['line split + JSON.parse (floor)'];
const agent = medians['@kakehashi/miibo decodeMiiboAgentEvents'] / medians['line split + JSON.parse (floor)'];
console.log(`\n  typed events: ${typed.toFixed(2)}x floor; AgentEvents: ${agent.toFixed(2)}x floor (target >= 0.90x)`);
