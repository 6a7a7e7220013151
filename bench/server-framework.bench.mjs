// HTTP framework for kakehashi-server, by measurement: the same two routes on three stacks, load
// generated in-process with undici over loopback (bounded request counts, interleaved rounds).
//   baseline:   raw node:http (no routing, hand-written handlers)
//   hono:       Hono on @hono/node-server (web-standard Request -> Response, what the AppServer and
//               chat handlers already speak)
//   fastify:    Fastify 5, idiomatic (its own request/reply objects, streams via Node Readable)
//   fastify + web bridge: Fastify calling the same web-standard handlers Hono mounts as-is (Request
//               built from the Node request, Response body piped back), which is what mounting the
//               AppServer and chat handlers on Fastify would take
// Routes: GET /json (a small JSON object) and GET /sse (one text/event-stream response of SSE_EVENTS
// `data:` events with Japanese text, written one event at a time, as a chat stream is).
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { compare, printTable } from './bench-utils.mjs';

// The frameworks are apps/server's dependencies; resolve them from there.
const serverDir = join(dirname(fileURLToPath(import.meta.url)), '../apps/server');
const requireFromServer = createRequire(join(serverDir, 'package.json'));
const load = (name) => import(pathToFileURL(requireFromServer.resolve(name)).href);
const { Hono } = await load('hono');
const { createAdaptorServer } = await load('@hono/node-server');
const Fastify = (await load('fastify')).default;

const JSON_REQUESTS = Number(process.env.BENCH_JSON_REQUESTS ?? 4_000);
const SSE_REQUESTS = Number(process.env.BENCH_SSE_REQUESTS ?? 400);
const SSE_EVENTS = Number(process.env.BENCH_SSE_EVENTS ?? 40);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

const payload = { status: 'ok', service: 'kakehashi', message: 'こんにちは、架け橋です。' };
const jsonBody = JSON.stringify(payload);
const events = Array.from(
  { length: SSE_EVENTS },
  (_, i) =>
    `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"架け橋${i}"}}]}\n\n`,
);
events.push('data: [DONE]\n\n');
const sseBytes = Buffer.byteLength(events.join(''));
const encoder = new TextEncoder();
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

function rawServer() {
  return createServer((req, res) => {
    if (req.url === '/json') {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(jsonBody),
      });
      res.end(jsonBody);
    } else if (req.url === '/sse') {
      res.writeHead(200, SSE_HEADERS);
      for (const e of events) res.write(e);
      res.end();
    } else {
      res.writeHead(404).end();
    }
  });
}

// The web-standard handlers (Request -> Response), shaped like the AppServer and chat handlers.
const webJson = async () => Response.json(payload);
const webSse = async () => {
  let i = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (i < events.length) controller.enqueue(encoder.encode(events[i++]));
      else controller.close();
    },
  });
  return new Response(body, { headers: SSE_HEADERS });
};

function honoServer() {
  const app = new Hono();
  app.get('/json', (c) => webJson(c.req.raw));
  app.get('/sse', (c) => webSse(c.req.raw));
  return createAdaptorServer({ fetch: app.fetch });
}

function fastifyBridgeServer() {
  const app = Fastify({ logger: false });
  const bridge = (handler) => async (req, reply) => {
    const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers: req.headers });
    const response = await handler(request);
    reply.code(response.status).headers(Object.fromEntries(response.headers));
    return reply.send(response.body ? Readable.fromWeb(response.body) : null);
  };
  app.get('/json', bridge(webJson));
  app.get('/sse', bridge(webSse));
  return app;
}

function fastifyServer() {
  const app = Fastify({ logger: false });
  app.get('/json', async () => payload);
  app.get('/sse', (_req, reply) => {
    reply.headers(SSE_HEADERS).send(Readable.from(events, { objectMode: false }));
  });
  return app;
}

async function listen(server) {
  if (typeof server.listen === 'function' && server.server === undefined) {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
  }
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => server.close() };
}

/** Sends `total` GETs to `path`, `CONCURRENCY` in flight, reads every body, checks its size; returns how many completed. */
async function drive(pool, path, total, expectedBytes) {
  let next = 0;
  let done = 0;
  async function worker() {
    while (next < total) {
      next++;
      const { statusCode, body } = await pool.request({ method: 'GET', path });
      let bytes = 0;
      for await (const chunk of body) bytes += chunk.length;
      if (statusCode !== 200 || bytes !== expectedBytes)
        throw new Error(`${path}: status ${statusCode}, ${bytes} bytes (expected ${expectedBytes})`);
      done++;
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return done;
}

const stacks = {
  'node:http (baseline)': await listen(rawServer()),
  'hono + @hono/node-server': await listen(honoServer()),
  fastify: await listen(fastifyServer()),
  'fastify + web bridge': await listen(fastifyBridgeServer()),
};
const pools = Object.fromEntries(
  Object.entries(stacks).map(([name, s]) => [name, new Pool(s.url, { connections: CONCURRENCY })]),
);

console.log(
  `in-process undici load over loopback, ${CONCURRENCY} requests in flight; JSON: ${JSON_REQUESTS} requests per round; ` +
    `SSE: ${SSE_REQUESTS} streams of ${events.length} events (${sseBytes} bytes) per round`,
);

const jsonRates = await compare(
  Object.fromEntries(
    Object.keys(stacks).map((name) => [
      name,
      () => drive(pools[name], '/json', JSON_REQUESTS, Buffer.byteLength(jsonBody)),
    ]),
  ),
  { work: JSON_REQUESTS, rounds: 5, warmup: 1 },
);
printTable('GET /json (median of 5 rounds)', jsonRates, 'node:http (baseline)', 'req/s');

const sseRates = await compare(
  Object.fromEntries(
    Object.keys(stacks).map((name) => [name, () => drive(pools[name], '/sse', SSE_REQUESTS, sseBytes)]),
  ),
  { work: SSE_REQUESTS, rounds: 5, warmup: 1 },
);
printTable(
  `GET /sse, ${events.length} events per stream (median of 5 rounds)`,
  sseRates,
  'node:http (baseline)',
  'streams/s',
);

for (const pool of Object.values(pools)) await pool.close();
for (const stack of Object.values(stacks)) await stack.close();
