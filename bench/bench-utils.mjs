// Shared by the bench files: timing rounds, medians, the ratio table, and the SSE parse floor.
import { createParser } from 'eventsource-parser';

/** Runs each contender `rounds` times, interleaved, and returns the median rate per contender. */
export async function compare(contenders, { rounds = 7, warmup = 2, work }) {
  const rates = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    for (const [name, fn] of Object.entries(contenders)) {
      globalThis.gc?.();
      const started = performance.now();
      const count = await fn();
      const seconds = (performance.now() - started) / 1000;
      if (count !== work) throw new Error(`${name} produced ${count}, expected ${work}`);
      if (round >= warmup) rates[name].push(count / seconds);
    }
  }
  return Object.fromEntries(Object.entries(rates).map(([name, list]) => [name, median(list)]));
}

export function median(list) {
  const s = [...list].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Prints one line per contender with its rate and its ratio to `baseline`. */
export function printTable(title, medians, baseline, unit = 'events/s') {
  console.log(`\n${title}`);
  const base = medians[baseline];
  for (const [name, rate] of Object.entries(medians)) {
    const ratio = (rate / base).toFixed(2);
    console.log(
      `  ${name.padEnd(44)} ${formatRate(rate).padStart(12)} ${unit}   ${ratio}x ${name === baseline ? '(baseline)' : `of ${baseline}`}`,
    );
  }
}

function formatRate(rate) {
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(2)}M` : rate >= 1e3 ? `${(rate / 1e3).toFixed(1)}k` : rate.toFixed(1);
}

/** Splits bytes into network-sized chunks. */
export function chunk(bytes, size) {
  const out = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, Math.min(i + size, bytes.length)));
  return out;
}

export async function* iterate(chunks) {
  for (const c of chunks) yield c;
}

export function readableOf(chunks) {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  });
}

/**
 * The SSE floor every decoder is measured against: eventsource-parser driven by hand, each event's
 * data JSON.parsed (the `[DONE]` sentinel skipped). Returns how many parsed events `counts` accepts.
 */
export async function eventsourceParserFloor(chunks, counts = () => true) {
  let count = 0;
  const decoder = new TextDecoder();
  const parser = createParser({
    onEvent(e) {
      if (e.data === '[DONE]') return;
      if (counts(JSON.parse(e.data))) count++;
    },
  });
  for await (const c of iterate(chunks)) parser.feed(decoder.decode(c, { stream: true }));
  return count;
}
