// The OpenAI-compatible gateway (apps/server's createKakehashiServer: Hono on @hono/node-server) against
// the AgenticStar simulator, per stream (the default simulated answer: a role chunk, tasks, ~12 text
// pieces, finish, [DONE]):
//   direct:  the client calls the simulator's /v1/chat/completions itself (bearer token fetched once)
//   proxy:   a minimal undici pass-through proxy in front of the simulator (node:http + undici.request,
//            body piped as bytes): the floor any gateway pays for one more hop
//   gateway: POST /v1/chat/completions {model: 'agenticstar', stream: true} through kakehashi-server as
//            createKakehashiServer builds it (middleware, metrics, logs; token cache, SSE decode,
//            AgentEvents, chat.completion.chunk encoding, SSE body with backpressure)
//   responses: POST /v1/responses {model: 'agenticstar', input, stream: true} through the same server: the
//            same answer as Responses API events (response.created … response.completed), stored in
//            the server's conversation store as by default (SQLite in memory here)
//   translate: the least a translating gateway does, by hand (runTranslate): node:http + undici.request,
//            eventsource-parser + JSON.parse per event, one JSON.stringify'd chunk per event, one write
//            per read; no validation, ids, tasks, timers, metrics or logs: what decoding and
//            re-encoding alone cost over the byte pipe
//   nginx:   Debian's nginx (/usr/sbin/nginx, one worker process), started by the bench on loopback with a
//            temporary configuration as a reverse proxy to the same simulator (proxy_buffering off,
//            keep-alive upstream connections): the physical limit of a proxy on this machine. Left
//            out, with a note, when nginx is not installed (apt-get install -y nginx).
// at 1, 100 and 500 concurrent streams (bounded by a client pool of that many connections), then the
// memory each open stream costs in the proxy, nginx and gateway processes (1,000 streams held open by a
// stalled upstream), and the RSS of each after a burst of 2,000 concurrent streams against its RSS
// before (after GC and a quiet second: memory returned). The simulator, the proxy and the gateway each
// run in their own process; this one is the load generator. Loopback only.
//
// TTFB is the first body byte (the simulator's `: connected` comment for direct/proxy; the gateway
// holds its headers until the platform's first event, so its first byte is the role chunk); "1st
// data" is the first `data:` event for all three. At 100 and 500 streams the machine is saturated
// and latencies are mostly queueing; the unloaded (1 stream) gap is the added latency.
// Knobs: BENCH_SCALE=0.2 (fewer streams), BENCH_OPEN=1000 and BENCH_BURST=2000 (the memory measurements'
// stream counts, not scaled when given), BENCH_ROUNDS=3, BENCH_LEVELS=1,500 (some levels only),
// BENCH_LOG_LEVEL=warn (the gateway without its per-request access log line), BENCH_GATEWAY=handler
// (the chat handler alone on @hono/node-server: what the server's middleware, logs and metrics cost),
// BENCH_PATHS=gateway (only that path beside direct and the proxy; comma-separated: gateway, responses, nginx,
// translate),
// BENCH_DIST=1 (the mean and percentiles of each path's total time: at 1 stream the throughput is
// 1 / mean, so a long tail costs throughput even when the p50 gap is small),
// BENCH_PROFILE=gateway|proxy|sim with BENCH_PROFILE_DIR=dir (a --cpu-prof profile of that process,
// sampled every 100 µs), BENCH_CONVERSATIONS=off (the gateway without conversations from history:
// no digest, lookup or write of the session mapping, which is on by default in the server's SQLite
// store, here in memory), BENCH_HISTORY=1 (the gateway's request carries a continued history, user /
// the simulator's answer / user, so every request also digests and looks it up, and finds it when
// conversations are on; the direct and proxy requests stay as they are).
// The gateway's JavaScript alone, without sockets: gateway-cpu.bench.mjs.
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Pool, request } from 'undici';
import { median, printTable } from './bench-utils.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const serverDir = join(here, '..', 'apps', 'server');
const role = process.argv[2];
const NGINX = '/usr/sbin/nginx';

if (role === 'sim') await runSimulator();
else if (role === 'proxy') await runProxy(process.argv[3]);
else if (role === 'gateway') await runGateway(JSON.parse(process.argv[3]));
else if (role === 'translate') await runTranslate(JSON.parse(process.argv[3]));
else await runBench();

// ---------------------------------------------------------------------------------------------------
// Child processes

function onCommand(handlers) {
  process.on('message', async (msg) => {
    if (msg.cmd === 'exit') process.exit(0); // lets --cpu-prof write its profile
    const out = await handlers[msg.cmd]?.(msg);
    process.send({ id: msg.id, ...(out ?? {}) });
  });
}

function memory() {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external + m.arrayBuffers };
}

/** Answers the bench's memory and CPU questions from now on, and tells it this child listens at `url`. */
function ready(url) {
  onCommand({ memory: () => memory(), cpu: () => process.cpuUsage() });
  process.send({ ready: true, url });
}

/** Starts a node:http server on loopback with long keep-alive, then reports it {@link ready}. */
async function listenReady(server) {
  server.keepAliveTimeout = 60_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  ready(`http://127.0.0.1:${server.address().port}`);
}

/** A bearer token from the AgenticStar simulator (client credentials), fetched once by a contender. */
async function simulatorToken(sim) {
  const res = await request(sim.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
    }).toString(),
  });
  return (await res.body.json()).access_token;
}

async function runSimulator() {
  const { startAgenticStarSimulator } = await import('@kakehashi/testkit');
  const sim = await startAgenticStarSimulator({ tokenLifetimeSeconds: 86_400 });
  onCommand({
    stall: ({ n }) => void sim.stall(n, { afterEvents: 3 }),
    cpu: () => ({ ...process.cpuUsage(), connections: sim.acceptedConnections }),
    clear: () => {
      sim.clearFaults();
      // The simulator records every request; drop them so its memory does not grow across rounds.
      sim.requests.length = 0;
    },
  });
  process.send({
    ready: true,
    url: sim.url,
    tokenUrl: sim.tokenUrl,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
  });
}

async function runProxy(upstream) {
  const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);
  const server = createServer(async (req, res) => {
    try {
      const headers = {};
      for (const [k, v] of Object.entries(req.headers)) if (!hopByHop.has(k)) headers[k] = v;
      const ac = new AbortController();
      res.on('close', () => ac.abort());
      const up = await request(upstream + req.url, { method: req.method, headers, body: req, signal: ac.signal });
      const out = {};
      for (const [k, v] of Object.entries(up.headers)) if (!hopByHop.has(k)) out[k] = v;
      res.writeHead(up.statusCode, out);
      res.flushHeaders();
      await pipeline(up.body, res);
    } catch {
      res.destroy();
    }
  });
  await listenReady(server);
}

async function runTranslate(sim) {
  // The least a translating gateway does, written by hand: node:http + undici.request (token fetched
  // once), the caller's messages into the platform's body, eventsource-parser + JSON.parse of every
  // event, one JSON.stringify'd chat.completion.chunk per event, one write per upstream read. No
  // validation, ids, tasks, timeouts, heartbeats, metrics or logs.
  const { createParser } = await import('eventsource-parser');
  const token = await simulatorToken(sim);
  const upstream = `${sim.url.replace(/\/$/, '')}/v1/chat/completions`;
  const prefix = '{"id":"chatcmpl-0","object":"chat.completion.chunk","created":0,"model":"agenticstar","choices":[';
  const server = createServer(async (req, res) => {
    try {
      let text = '';
      for await (const c of req) text += c;
      const { messages } = JSON.parse(text);
      const ac = new AbortController();
      res.on('close', () => ac.abort());
      const up = await request(upstream, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ model: 'AGENTIC STAR', stream: true, messages }),
        signal: ac.signal,
      });
      res.writeHead(up.statusCode === 200 ? 200 : 502, { 'content-type': 'text/event-stream; charset=utf-8' });
      let out = '';
      const parser = createParser({
        onEvent(e) {
          if (e.data === '[DONE]') {
            out += 'data: [DONE]\n\n';
            return;
          }
          const choice = JSON.parse(e.data).choices?.[0];
          const delta = choice?.delta?.content === undefined ? {} : { content: choice.delta.content };
          out += `data: ${prefix}{"index":0,"delta":${JSON.stringify(delta)},"finish_reason":${JSON.stringify(choice?.finish_reason ?? null)}}]}\n\n`;
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of up.body) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        if (out !== '') {
          res.write(out);
          out = '';
        }
      }
      res.end();
    } catch {
      res.destroy();
    }
  });
  await listenReady(server);
}

async function runGateway(sim) {
  // The built server (`pnpm --filter @kakehashi/server build`) as the binary runs it: Hono with the
  // instrumentation middleware (request id, Prometheus metrics, one JSON log line per request), the
  // API-key check and the body limit, logging at `info` (to /dev/null here, synchronously, as the
  // binary does to stderr), SQLite in memory for agent groups (unused here).
  const { createKakehashiServer, createServerLogger } = await import('@kakehashi/server');
  // The chat handler the server mounts (@kakehashi/openai-compat).
  const { createChatCompletionsHandler } = await import('@kakehashi/openai-compat');
  const requireFromServer = createRequire(join(serverDir, 'package.json'));
  // BENCH_CONVERSATIONS=off: no conversations from history (default: on, in the server's store).
  const conversations = process.env.BENCH_CONVERSATIONS === 'off' ? { conversations: false } : {};
  const agenticstar = {
    baseURL: sim.url,
    tokenUrl: sim.tokenUrl,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
  };
  if (process.env.BENCH_GATEWAY === 'handler') {
    // The chat handler alone on @hono/node-server (no middleware, logs or metrics), writing to Node's response.
    const { serve } = await import(pathToFileURL(requireFromServer.resolve('@hono/node-server')).href);
    const handler = createChatCompletionsHandler({ agenticstar, codeer: false, miibo: false, ...conversations });
    const node = await new Promise((resolve) => {
      const s = serve({ fetch: (req, env) => handler.completions(req, env), hostname: '127.0.0.1', port: 0 }, () =>
        resolve(s),
      );
    });
    node.keepAliveTimeout = 60_000;
    ready(`http://127.0.0.1:${node.address().port}`);
    return;
  }
  const { pino } = await import(pathToFileURL(requireFromServer.resolve('pino')).href);
  const server = createKakehashiServer({
    host: '127.0.0.1',
    port: 0,
    store: { sqlitePath: ':memory:' },
    ...conversations,
    logger: createServerLogger({
      level: process.env.BENCH_LOG_LEVEL ?? 'info',
      destination: pino.destination({ dest: '/dev/null', sync: true }),
    }),
    chat: {
      agenticstar,
      codeer: false,
      miibo: false,
    },
  });
  ready((await server.listen()).url);
}

// ---------------------------------------------------------------------------------------------------
// Load generator

function start(args) {
  // BENCH_PROFILE=gateway (or proxy, sim) writes a CPU profile of that process to BENCH_PROFILE_DIR.
  const profile =
    process.env.BENCH_PROFILE === args[0]
      ? ['--cpu-prof', '--cpu-prof-interval=100', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR ?? '.'}`]
      : [];
  const child = fork(fileURLToPath(import.meta.url), args, {
    execArgv: ['--expose-gc', ...profile],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let seq = 0;
  const waiting = new Map();
  let ready;
  const readyP = new Promise((r) => (ready = r));
  child.on('message', (msg) => {
    if (msg.ready) ready(msg);
    else {
      waiting.get(msg.id)?.(msg);
      waiting.delete(msg.id);
    }
  });
  return {
    child,
    ready: readyP,
    call(cmd, extra = {}) {
      const id = ++seq;
      return new Promise((r) => {
        waiting.set(id, r);
        child.send({ id, cmd, ...extra });
      });
    },
  };
}

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Sends `total` streams with at most `concurrency` in flight; returns per-stream timings and the wall time. */
async function load(target, concurrency, total) {
  const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const ttfb = [];
  const ttfd = [];
  const totals = [];
  let next = 0;
  let failures = 0;
  const began = performance.now();
  async function worker() {
    while (next < total) {
      next++;
      const t0 = performance.now();
      let first = 0;
      let firstData = 0;
      try {
        const res = await request(`${target.origin}${target.path}`, {
          dispatcher: pool,
          method: 'POST',
          headers: target.headers,
          body: target.body,
        });
        let bytes = 0;
        for await (const chunk of res.body) {
          if (first === 0) first = performance.now();
          if (firstData === 0 && chunk.indexOf('data:') !== -1) firstData = performance.now();
          bytes += chunk.length;
        }
        if (res.statusCode !== 200 || bytes === 0) failures++;
      } catch {
        failures++;
      }
      const t1 = performance.now();
      ttfb.push((first || t1) - t0);
      ttfd.push((firstData || t1) - t0);
      totals.push(t1 - t0);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = performance.now() - began;
  await pool.close();
  if (failures) throw new Error(`${target.name}: ${failures} of ${total} streams failed`);
  return { ttfb, ttfd, totals, wall };
}

/** Opens `n` streams that the stalled upstream keeps open; resolves once each delivered its first bytes. */
async function holdOpen(target, n) {
  const pool = new Pool(target.origin, { connections: n, pipelining: 1 });
  const ac = new AbortController();
  const opened = [];
  for (let i = 0; i < n; i++) {
    opened.push(
      request(`${target.origin}${target.path}`, {
        dispatcher: pool,
        method: 'POST',
        headers: target.headers,
        body: target.body,
        signal: ac.signal,
      }).then(
        (res) =>
          new Promise((resolve) => {
            res.body.once('data', () => resolve());
            res.body.on('error', () => {});
          }),
      ),
    );
  }
  await Promise.all(opened);
  return async () => {
    ac.abort();
    await pool.destroy().catch(() => {});
  };
}

// ---------------------------------------------------------------------------------------------------
// nginx (Debian's package) as a reverse proxy to the simulator

/** Reads `/proc/<pid>/stat`: CPU (user + system) in ms. */
function procCpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in ticks of 1/100 s
}

/** RSS of a process in bytes (`/proc/<pid>/status`). */
function procRss(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line.split(/\s+/)[1]) * 1024;
}

/** Starts nginx in the foreground with one worker; resolves once it answers, with CPU and memory probes. */
async function startNginx(upstreamOrigin) {
  const dir = mkdtempSync(join(tmpdir(), 'kakehashi-bench-nginx-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const upstream = new URL(upstreamOrigin);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_timeout 60s;
  keepalive_requests 100000;
  upstream sim { server ${upstream.host}; keepalive 1024; keepalive_requests 100000; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sim;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
`,
  );
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await (await request(`${url}/`)).body.text();
      break;
    } catch (error) {
      if (i > 100) throw new Error(`nginx did not start: ${error.message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const pids = () => [
    child.pid,
    ...readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean),
  ];
  return {
    url,
    call: async (cmd) => {
      const all = pids();
      if (cmd === 'cpu') {
        const ms = all.reduce((n, pid) => n + procCpuMs(pid), 0);
        return { user: ms * 1000, system: 0 };
      }
      if (cmd === 'memory') return { rss: all.reduce((n, pid) => n + procRss(pid), 0), heap: 0, external: 0 };
      return {};
    },
    stop: () => {
      child.kill('SIGTERM');
      return new Promise((r) => child.once('exit', r)).finally(() => rmSync(dir, { recursive: true, force: true }));
    },
  };
}

async function runBench() {
  const scale = Number(process.env.BENCH_SCALE ?? 1);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const sim = start(['sim']);
  const simInfo = await sim.ready;
  const proxy = start(['proxy', simInfo.url]);
  const gateway = start(['gateway', JSON.stringify(simInfo)]);
  const translate = start(['translate', JSON.stringify(simInfo)]);
  const [proxyInfo, gatewayInfo, translateInfo] = await Promise.all([proxy.ready, gateway.ready, translate.ready]);
  const nginx = existsSync(NGINX) ? await startNginx(new URL(simInfo.url).origin) : undefined;
  if (!nginx) console.log(`nginx: ${NGINX} not found (apt-get install -y nginx), its row is left out`);

  const token = await simulatorToken(simInfo);
  const message = '東京でおすすめの観光地を教えてください';
  const platformBody = JSON.stringify({
    model: 'AGENTIC STAR',
    stream: true,
    messages: [{ role: 'user', content: message }],
  });
  const sim_ = new URL(simInfo.url);
  const simPath = `${sim_.pathname.replace(/\/$/, '')}/v1/chat/completions`;
  const direct = {
    name: 'direct',
    origin: sim_.origin,
    path: simPath,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: platformBody,
  };
  const proxied = { ...direct, name: 'proxy', origin: proxyInfo.url };
  const nginxed = nginx ? { ...direct, name: 'nginx', origin: nginx.url } : undefined;
  // BENCH_HISTORY=1: a second turn with the whole history, as a chat UI sends it.
  const history = process.env.BENCH_HISTORY === '1';
  const { agenticStarDefaultAnswer } = history ? await import('@kakehashi/testkit') : {};
  const gatewayMessages = history
    ? [
        { role: 'user', content: message },
        { role: 'assistant', content: agenticStarDefaultAnswer(message) },
        { role: 'user', content: 'もう少し詳しく教えてください' },
      ]
    : [{ role: 'user', content: message }];
  const viaGateway = {
    name: 'gateway',
    origin: gatewayInfo.url,
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'agenticstar', stream: true, messages: gatewayMessages }),
  };
  if (history) {
    // The first turn, so that the second's history is found (when conversations are on).
    const first = await request(`${gatewayInfo.url}/v1/chat/completions`, {
      method: 'POST',
      headers: viaGateway.headers,
      body: JSON.stringify({ model: 'agenticstar', stream: true, messages: [{ role: 'user', content: message }] }),
    });
    await first.body.text();
  }
  console.log(
    `gateway: conversations ${process.env.BENCH_CONVERSATIONS === 'off' ? 'off' : 'on'}, request ${history ? 'with a continued history (3 messages)' : 'one user message'}`,
  );
  const viaResponses = {
    ...viaGateway,
    name: 'responses',
    path: '/v1/responses',
    // BENCH_RESPONSES_STORE=off: store: false (nothing written to the conversation store).
    body: JSON.stringify({
      model: 'agenticstar',
      stream: true,
      input: message,
      ...(process.env.BENCH_RESPONSES_STORE === 'off' ? { store: false } : {}),
    }),
  };
  // BENCH_PATHS=gateway (or responses, nginx, translate; comma-separated): only those beside direct and the proxy.
  const onlyPaths = process.env.BENCH_PATHS?.split(',');
  const translated = { ...viaGateway, name: 'translate', origin: translateInfo.url };
  const contenders = [direct, proxied, ...(nginxed ? [nginxed] : []), translated, viaGateway, viaResponses].filter(
    (t) => !onlyPaths || t.name === 'proxy' || t.name === 'direct' || onlyPaths.includes(t.name),
  );
  const has = (name) => contenders.some((t) => t.name === name);
  const processOf = (name) =>
    name === 'proxy'
      ? proxy
      : name === 'nginx'
        ? nginx
        : name === 'translate'
          ? translate
          : name === 'direct'
            ? undefined
            : gateway;

  // Warm-up: JIT, keep-alive pools, the gateway's token cache.
  for (const t of contenders) await load(t, 10, Math.max(50, Math.round(300 * scale)));

  // Memory per open stream, in the proxy and gateway processes.
  const openN = Number(process.env.BENCH_OPEN ?? Math.max(50, Math.round(1000 * scale)));
  console.log(`memory per open stream (${openN} streams held open by a stalled upstream, after GC)`);
  const perOpen = {};
  for (const [name, target, proc] of [
    ['proxy', proxied, proxy],
    ...(nginx ? [['nginx', nginxed, nginx]] : []),
    ['translate', translated, translate],
    ['gateway', viaGateway, gateway],
    ['responses', viaResponses, gateway],
  ].filter(([name]) => has(name))) {
    await sim.call('clear');
    const before = await proc.call('memory');
    await sim.call('stall', { n: openN });
    const release = await holdOpen(target, openN);
    const during = await proc.call('memory');
    await release();
    await sim.call('clear');
    const kb = (bytes) => `${(bytes / openN / 1024).toFixed(1)} KiB`;
    console.log(
      `  ${name.padEnd(9)} rss ${kb(during.rss - before.rss).padStart(10)}   heap ${kb(during.heap - before.heap).padStart(10)}   external ${kb(during.external - before.external).padStart(10)}`,
    );
    perOpen[name] = during.rss - before.rss;
  }
  const openRatio = perOpen.gateway / perOpen.proxy;
  if (has('gateway'))
    console.log(
      `  gateway rss per open stream ${openRatio.toFixed(2)}x the proxy's (target <= 1.00x: ${openRatio <= 1 ? 'ok' : 'MISSED'})${perOpen.nginx === undefined ? '' : `, ${(perOpen.gateway / perOpen.nginx).toFixed(2)}x nginx's`}`,
    );
  console.log('');

  const only = process.env.BENCH_LEVELS?.split(',').map(Number);
  const levels = [
    [1, Math.max(30, Math.round(300 * scale))],
    [100, Math.max(200, Math.round(3000 * scale))],
    [500, Math.max(500, Math.round(5000 * scale))],
  ].filter(([c]) => !only || only.includes(c));
  console.log(`AgenticStar simulator, default answer; ${rounds} interleaved rounds per level; times in ms`);
  const summary = [];
  const responsesSummary = [];
  for (const [concurrency, total] of levels) {
    const per = Object.fromEntries(
      contenders.map((t) => [
        t.name,
        { ttfb: [], ttfd: [], totals: [], rates: [], cpu: [], simCpu: [], loadCpu: [], connections: [] },
      ]),
    );
    for (let r = 0; r < rounds; r++) {
      for (const t of contenders) {
        await sim.call('clear');
        const proc = processOf(t.name);
        const cpu0 = await proc?.call('cpu');
        const sim0 = await sim.call('cpu');
        const own0 = process.cpuUsage();
        const { ttfb, ttfd, totals, wall } = await load(t, concurrency, total);
        const own1 = process.cpuUsage(own0);
        const sim1 = await sim.call('cpu');
        const cpu1 = await proc?.call('cpu');
        if (cpu0) per[t.name].cpu.push((cpu1.user + cpu1.system - cpu0.user - cpu0.system) / 1000 / total);
        per[t.name].simCpu.push((sim1.user + sim1.system - sim0.user - sim0.system) / 1000 / total);
        per[t.name].loadCpu.push((own1.user + own1.system) / 1000 / total);
        per[t.name].connections.push(((sim1.connections - sim0.connections) / total) * 100);
        per[t.name].ttfb.push(...ttfb);
        per[t.name].ttfd.push(...ttfd);
        per[t.name].totals.push(...totals);
        per[t.name].rates.push(total / (wall / 1000));
      }
    }
    console.log(`\n${concurrency} concurrent stream(s), ${total} streams x ${rounds} rounds`);
    console.log(
      `  ${'path'.padEnd(9)} ${'TTFB p50'.padStart(9)} ${'TTFB p99'.padStart(9)} ${'1st data p50'.padStart(13)} ${'total p50'.padStart(10)} ${'total p99'.padStart(10)} ${'added TTFB'.padStart(11)} ${'added total'.padStart(12)} ${'streams/s'.padStart(10)} ${'cpu ms/stream'.padStart(14)} ${'sim cpu'.padStart(8)} ${'client cpu'.padStart(11)} ${'sim conns/100'.padStart(14)}`,
    );
    const stats = {};
    for (const t of contenders) {
      const p = per[t.name];
      const ttfb = [...p.ttfb].sort((a, b) => a - b);
      const totals = [...p.totals].sort((a, b) => a - b);
      const ttfd = [...p.ttfd].sort((a, b) => a - b);
      stats[t.name] = {
        totals,
        ttfb50: quantile(ttfb, 0.5),
        ttfb99: quantile(ttfb, 0.99),
        ttfd50: quantile(ttfd, 0.5),
        total50: quantile(totals, 0.5),
        total99: quantile(totals, 0.99),
        rate: median(p.rates),
        cpu: p.cpu.length ? median(p.cpu) : undefined,
        simCpu: median(p.simCpu),
        loadCpu: median(p.loadCpu),
        connections: median(p.connections),
      };
    }
    if (process.env.BENCH_DIST) {
      for (const t of contenders) {
        const a = stats[t.name].totals;
        const mean = a.reduce((x, y) => x + y, 0) / a.length;
        const at = (q) => quantile(a, q).toFixed(2);
        console.log(
          `  ${t.name.padEnd(9)} total ms: mean ${mean.toFixed(2)}  p25 ${at(0.25)}  p50 ${at(0.5)}  p75 ${at(0.75)}  p90 ${at(0.9)}  p95 ${at(0.95)}  p99 ${at(0.99)}  max ${a[a.length - 1].toFixed(2)}`,
        );
      }
    }
    for (const t of contenders) {
      const s = stats[t.name];
      const signed = (v) => (t.name === 'direct' ? '-' : `${v >= 0 ? '+' : ''}${v.toFixed(2)}`);
      console.log(
        `  ${t.name.padEnd(9)} ${s.ttfb50.toFixed(2).padStart(9)} ${s.ttfb99.toFixed(2).padStart(9)} ${s.ttfd50.toFixed(2).padStart(13)} ${s.total50.toFixed(2).padStart(10)} ${s.total99.toFixed(2).padStart(10)} ${signed(s.ttfb50 - stats.direct.ttfb50).padStart(11)} ${signed(s.total50 - stats.direct.total50).padStart(12)} ${s.rate.toFixed(0).padStart(10)} ${(s.cpu === undefined ? '-' : s.cpu.toFixed(3)).padStart(14)} ${s.simCpu.toFixed(3).padStart(8)} ${s.loadCpu.toFixed(3).padStart(11)} ${s.connections.toFixed(1).padStart(14)}`,
      );
    }
    printTable(
      `  throughput at ${concurrency}`,
      Object.fromEntries(contenders.map((t) => [t.name, stats[t.name].rate])),
      'proxy',
      'streams/s',
    );
    if (!has('gateway')) continue;
    const gap = stats.gateway.ttfb50 - stats.proxy.ttfb50;
    const dataGap = stats.gateway.ttfd50 - stats.proxy.ttfd50;
    const totalGap = stats.gateway.total50 - stats.proxy.total50;
    const ratio = stats.gateway.rate / stats.proxy.rate;
    summary.push({
      concurrency,
      gap,
      dataGap,
      totalGap,
      ratio,
      cpu: stats.gateway.cpu / stats.proxy.cpu,
      nginx: stats.nginx && { rate: stats.nginx.rate / stats.proxy.rate, cpu: stats.nginx.cpu / stats.proxy.cpu },
      translate: stats.translate && {
        rate: stats.translate.rate / stats.proxy.rate,
        cpu: stats.translate.cpu / stats.proxy.cpu,
        gatewayCpu: stats.gateway.cpu / stats.translate.cpu,
      },
    });
    const r = stats.responses;
    if (r)
      responsesSummary.push({
        concurrency,
        gap: r.ttfb50 - stats.proxy.ttfb50,
        dataGap: r.ttfd50 - stats.proxy.ttfd50,
        totalGap: r.total50 - stats.proxy.total50,
        ratio: r.rate / stats.proxy.rate,
        vsChat: r.rate / stats.gateway.rate,
        cpu: r.cpu / stats.proxy.cpu,
      });
  }

  console.log(
    '\ntargets: gateway p50 TTFB within 1 ms of the proxy; gateway throughput >= 0.9x the proxy at 100 and 500; cpu/stream <= 1.25x the proxy',
  );
  const ms = (v) => `${v >= 0 ? '+' : ''}${v.toFixed(2)} ms`;
  for (const s of summary) {
    console.log(
      `  ${String(s.concurrency).padStart(3)} streams: gateway - proxy p50: TTFB ${ms(s.gap)} ${s.gap <= 1 ? 'ok' : 'MISSED'}, first data ${ms(s.dataGap)} ${s.dataGap <= 1 ? 'ok' : 'MISSED'}, total ${ms(s.totalGap)};  throughput ${s.ratio.toFixed(2)}x ${s.concurrency < 100 ? '' : s.ratio >= 0.9 ? 'ok' : 'MISSED'};  cpu/stream ${s.cpu.toFixed(2)}x the proxy's ${s.cpu <= 1.25 ? 'ok' : 'MISSED'}`,
    );
  }
  for (const s of responsesSummary) {
    console.log(
      `  ${String(s.concurrency).padStart(3)} streams: responses - proxy p50: TTFB ${ms(s.gap)}, first data ${ms(s.dataGap)}, total ${ms(s.totalGap)};  throughput ${s.ratio.toFixed(2)}x the proxy, ${s.vsChat.toFixed(2)}x chat completions;  cpu/stream ${s.cpu.toFixed(2)}x the proxy's`,
    );
  }
  // Memory returned after a burst: RSS (after GC and a quiet second) before and after 2,000 streams at once.
  const burstN = Number(process.env.BENCH_BURST ?? Math.max(100, Math.round(2000 * scale)));
  const quiet = async (proc) => {
    await new Promise((r) => setTimeout(r, 1000));
    return proc.call('memory');
  };
  console.log(`\nRSS before and after a burst of ${burstN} concurrent streams (after GC and 1 s quiet)`);
  const bursts = [];
  for (const [name, target] of [
    ['proxy', proxied],
    ...(nginxed ? [['nginx', nginxed]] : []),
    ['gateway', viaGateway],
  ].filter(([name]) => has(name))) {
    const proc = processOf(name);
    await sim.call('clear');
    const before = await quiet(proc);
    await load(target, burstN, burstN);
    const peak = await proc.call('memory');
    const after = await quiet(proc);
    const mib = (b) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
    const back = after.rss / before.rss;
    bursts.push({ name, back });
    console.log(
      `  ${name.padEnd(9)} before ${mib(before.rss).padStart(10)}   right after ${mib(peak.rss).padStart(10)}   1 s later ${mib(after.rss).padStart(10)}   ${back.toFixed(2)}x of before (target <= 1.20x: ${back <= 1.2 ? 'ok' : 'MISSED'})`,
    );
  }

  console.log('');
  for (const s of summary) {
    if (!s.nginx) continue;
    console.log(
      `  ${String(s.concurrency).padStart(3)} streams: nginx ${s.nginx.rate.toFixed(2)}x the proxy's streams/s, ${s.nginx.cpu.toFixed(2)}x its cpu/stream; gateway ${(s.ratio / s.nginx.rate).toFixed(2)}x nginx's streams/s`,
    );
  }
  for (const s of summary) {
    if (!s.translate) continue;
    console.log(
      `  ${String(s.concurrency).padStart(3)} streams: hand-written translate ${s.translate.rate.toFixed(2)}x the proxy's streams/s, ${s.translate.cpu.toFixed(2)}x its cpu/stream; gateway ${(s.ratio / s.translate.rate).toFixed(2)}x translate's streams/s, ${s.translate.gatewayCpu.toFixed(2)}x its cpu/stream`,
    );
  }
  for (const p of [sim, proxy, gateway, translate]) p.child.send({ cmd: 'exit' });
  await nginx?.stop();
}
