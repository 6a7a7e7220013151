// The gateway's own JavaScript per stream, in one process with no network: where its CPU goes
// besides the sockets. The upstream body is the AgenticStar simulator's default answer to the gateway
// bench's message (recorded once from a real simulator: 19 SSE events, Japanese text, tasks), handed
// over in reads of 3 events, as the gateway receives it on loopback. Contenders, per stream:
//   floor:   the translation written by hand: bench-utils' eventsource-parser floor (JSON.parse of
//            each event) plus one JSON.stringify'd chat.completion.chunk per event (no validation,
//            tasks, ids or timers)
//   sdk:     @kakehashi/agenticstar (await streamChat(...)).agentEvents() read to the end (request building,
//            token cache, timeouts, SSE decode, typed events, task merging, cut-stream guard)
//   handler: the gateway's chat handler (@kakehashi/openai-compat, as kakehashi-server mounts it), POST
//            body to the last byte written to a Node-style response (request parsing and validation,
//            the sdk row, chunk encoding, pipeSSE)
// The fetch given to both returns the recorded body through a minimal reader, so no web stream is
// timed, and the handler gets a request shaped as @hono/node-server's. Knobs: BENCH_SCALE=0.2 (fewer
// streams per round), BENCH_ONLY=handler|sdk|floor (that contender alone, 5 rounds, for --cpu-prof).
import { EventEmitter } from 'node:events';
import { createAgenticStar } from '@kakehashi/agenticstar';
import { createChatCompletionsHandler } from '@kakehashi/openai-compat';
import { startAgenticStarSimulator } from '@kakehashi/testkit';
import { compare, eventsourceParserFloor, printTable } from './bench-utils.mjs';

const message = '東京でおすすめの観光地を教えてください';
const sim = await startAgenticStarSimulator({ tokenLifetimeSeconds: 86_400 });
const tokenBody = await (
  await fetch(sim.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
    }),
  })
).text();
const recorded = await (
  await fetch(`${sim.url.replace(/\/$/, '')}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${JSON.parse(tokenBody).access_token}` },
    body: JSON.stringify({ model: 'AGENTIC STAR', stream: true, messages: [{ role: 'user', content: message }] }),
  })
).text();
await sim.close();

const events = recorded.split(/(?<=\n\n)/);
const reads = [];
for (let i = 0; i < events.length; i += 3) reads.push(new TextEncoder().encode(events.slice(i, i + 3).join('')));
const sseHeaders = new Headers({ 'content-type': 'text/event-stream' });

/** fetch for both SDK rows: the token once (cached by the SDK), then the recorded body through a bare reader. */
async function recordedFetch(url) {
  if (String(url) === sim.tokenUrl) return new Response(tokenBody, { headers: { 'content-type': 'application/json' } });
  let i = 0;
  const reader = {
    read: async () => (i < reads.length ? { done: false, value: reads[i++] } : { done: true, value: undefined }),
    releaseLock() {},
  };
  return { status: 200, headers: sseHeaders, body: { getReader: () => reader, cancel: async () => {} } };
}

const settings = {
  baseURL: sim.url,
  tokenUrl: sim.tokenUrl,
  clientId: sim.clientId,
  clientSecret: sim.clientSecret,
  fetch: recordedFetch,
};
const provider = createAgenticStar(settings);
const handler = createChatCompletionsHandler({
  agenticstar: settings,
  codeer: false,
  miibo: false,
  heartbeatMs: 15_000,
});

/** The parts of http.ServerResponse the direct-write path uses; resolves `closed` when the answer ends. */
class NullResponse extends EventEmitter {
  headersSent = false;
  destroyed = false;
  writableNeedDrain = false;
  chars = 0;
  closed = new Promise((resolve) => (this.resolve = resolve));
  writeHead() {
    this.headersSent = true;
    return this;
  }
  flushHeaders() {}
  setHeader() {}
  write(text) {
    this.chars += text.length;
    return true;
  }
  end() {
    this.#close();
  }
  destroy() {
    this.#close();
  }
  #close() {
    if (this.destroyed) return;
    this.destroyed = true;
    queueMicrotask(() => {
      this.emit('close');
      this.resolve(this.chars);
    });
  }
}

const gatewayBody = JSON.stringify({
  model: 'agenticstar',
  stream: true,
  messages: [{ role: 'user', content: message }],
});
const gatewayHeaders = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(gatewayBody)) };

/**
 * What @hono/node-server hands the route: a Request whose headers and text() read the Node request
 * directly (no web stream is built unless `.body` is touched), with its own abort signal.
 */
function nodeStyleRequest() {
  return {
    method: 'POST',
    url: 'http://127.0.0.1/v1/chat/completions',
    headers: new Headers(gatewayHeaders),
    signal: new AbortController().signal,
    text: async () => gatewayBody,
  };
}

async function viaHandler() {
  const res = new NullResponse();
  await handler.completions(nodeStyleRequest(), { outgoing: res });
  return res.closed;
}

async function viaSdk() {
  let n = 0;
  const stream = await provider.streamChat({ messages: [{ role: 'user', content: message }] });
  for await (const _ of stream.agentEvents()) n++;
  return n;
}

const prefix = `{"id":"chatcmpl-0","object":"chat.completion.chunk","created":0,"model":"agenticstar","choices":[`;
async function byHand() {
  let out = '';
  await eventsourceParserFloor(reads, (chunk) => {
    out += `data: ${prefix}{"index":0,"delta":${JSON.stringify(chunk.choices?.[0]?.delta ?? {})},"finish_reason":null}]}\n\n`;
    return true;
  });
  out += 'data: [DONE]\n\n';
  return out.length;
}

// Sanity: every contender reads the whole answer.
const [handChars, sdkEvents, handlerChars] = [await byHand(), await viaSdk(), await viaHandler()];
if (!(handChars > 0 && sdkEvents > 5 && handlerChars > recorded.length / 2))
  throw new Error(`incomplete answers: ${handChars} / ${sdkEvents} / ${handlerChars}`);

const streams = Math.max(500, Math.round(5000 * Number(process.env.BENCH_SCALE ?? 1)));
const times = (fn) => async () => {
  for (let i = 0; i < streams; i++) await fn();
  return streams;
};
const contenders = {
  'hand-written translation (floor)': times(byHand),
  'agenticstar sdk agentEvents()': times(viaSdk),
  'server chat handler (direct write)': times(viaHandler),
};
if (process.env.BENCH_ONLY) {
  // One contender alone, for a profile: BENCH_ONLY=handler node --cpu-prof bench/gateway-cpu.bench.mjs
  const [name, run] = Object.entries(contenders).find(([n]) => n.includes(process.env.BENCH_ONLY)) ?? [];
  if (!run) throw new Error(`BENCH_ONLY=${process.env.BENCH_ONLY} names no contender`);
  for (let round = 0; round < 5; round++) await run();
  console.log(`${name}: ${streams * 5} streams run`);
  process.exit(0);
}
console.log(
  `AgenticStar default answer: ${events.length} SSE events (${recorded.length} chars) in ${reads.length} reads; ${streams} streams a round`,
);
const rates = await compare(contenders, { work: streams, unit: 'streams/s' });
printTable('streams per second, one process, no network', rates, 'hand-written translation (floor)', 'streams/s');
console.log('\nmicroseconds of JavaScript per stream');
for (const [name, rate] of Object.entries(rates))
  console.log(`  ${name.padEnd(44)} ${(1e6 / rate).toFixed(0).padStart(6)} µs`);
