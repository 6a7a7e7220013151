// Start-up cost, whole processes on this Node (process.execPath), each contender against a named
// baseline measured in the same run, contenders alternating round by round (the order rotates), the
// median of the rounds:
//   help:    `kakehashi --help` (apps/cli/bin/kakehashi.js, and the node_modules/.bin/kakehashi shim)
//            against `node -e 0`; target ≤ 1.5×
//   import:  `node --input-type=module -e "await import('<dist>')"` for each SDK against `node -e 0`;
//            target ≤ 2× for the chat SDKs; openai-node and zod alone as named references
//   chat:    `kakehashi chat agenticstar` on a 7 MB Japanese answer from the loopback AgenticStar
//            simulator (in this process), stdout to /dev/null, against bench/startup-chat-floor.mjs
//            (fetch + eventsource-parser + JSON.parse, the same two requests); target ≤ 1.25× wall time
//   events:  CPU per event when every event arrives in its own read (simulator `eventDelayMs: 1`),
//            CLI against the floor; target ≤ 1.3×. Child CPU (user + sys) is measured from outside by
//            bash's `time` (getrusage of the child, 1 ms resolution; /usr/bin/time prints 10 ms), for a
//            short and a long answer: per event = (cpu(long) − cpu(short)) / (events(long) − events(short)),
//            so start-up cancels out.
// Needs the packages built (`scripts/bin/nx run @kakehashi/cli:build`). Knobs: BENCH_ONLY=help|import|
// chat|events (one section), BENCH_ROUNDS (default 15 for help/import, 9 for chat/events), BENCH_CHAT_MB
// (default 7), BENCH_ROOT=<dir>: the CLI (apps/cli/bin, node_modules/.bin/kakehashi) and the SDK builds
// (packages/<name>/dist, where that tree has them) from another tree laid out like this one, for
// before/after figures; the baselines, the floor and the references stay this checkout's.
// BENCH_BEFORE=<dir>: the import section adds each chat SDK's packages/<name>/dist/index.js from that
// tree as rows of their own, in the same alternation (before and after in one run).
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startAgenticStarSimulator } from '@kakehashi/testkit';
import { median } from './bench-utils.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const root = process.env.BENCH_ROOT ? resolve(process.env.BENCH_ROOT) : repo;
const node = process.execPath;
const bin = join(root, 'apps/cli/bin/kakehashi.js');
const shim = join(root, 'node_modules/.bin/kakehashi');
const only = process.env.BENCH_ONLY;
const roundsOr = (n) => Number(process.env.BENCH_ROUNDS ?? n);
const section = (name) => only === undefined || only === name;
for (const file of [bin, join(root, 'apps/cli/dist/cli.js'), shim]) {
  if (!existsSync(file)) throw new Error(`${file} is missing: build first (scripts/bin/nx run @kakehashi/cli:build)`);
}
const git = (...args) => spawnSync('git', args, { cwd: repo, encoding: 'utf8' }).stdout.trim();
console.log(
  `commit ${git('rev-parse', '--short', 'HEAD')}; sse-core last changed in ${git('log', '-1', '--format=%h', '--', 'packages/sse-core')}${root === repo ? '' : `; CLI and SDKs from ${root}`}`,
);

/** Runs `command` once to the end (synchronously: nothing of this process needs to run meanwhile); wall ms. */
function timeSync(command, args, options = {}) {
  const started = performance.now();
  const r = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
  const ms = performance.now() - started;
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(0, 500)}`);
  return ms;
}

/** Each contender `rounds` times after `warmup`, alternating, the order rotating each round; median per contender. */
async function alternate(contenders, { rounds, warmup = 1 }) {
  const names = Object.keys(contenders);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      const value = await contenders[name]();
      if (round >= warmup) samples[name].push(value);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])]));
}

/** One line per contender: its median, its ratio to `baseline`, and its target when it has one. */
function printRatios(title, medians, baseline, unit, targets = {}) {
  console.log(`\n${title}`);
  for (const [name, value] of Object.entries(medians)) {
    const ratio = value / medians[baseline];
    const target = targets[name];
    const verdict =
      target === undefined
        ? ''
        : ratio <= target
          ? `  target ≤ ${target}×: met`
          : `  target ≤ ${target}×: missed by ${((ratio / target - 1) * 100).toFixed(0)}%`;
    const shown = unit === 'ms' ? value.toFixed(1) : value.toFixed(2);
    console.log(
      `  ${name.padEnd(52)} ${shown.padStart(9)} ${unit}  ${ratio.toFixed(2)}x ${name === baseline ? '(baseline)' : `of ${baseline}`}${verdict}`,
    );
  }
}

const BASELINE = 'node -e 0';

if (section('help')) {
  // The same pnpm shim, copied beside a `node` link to this Node, running an empty script: what the
  // shim itself costs (a shell and its dirname/sed/uname children), whatever the CLI does.
  const fake = mkdtempSync(join(tmpdir(), 'kakehashi-shim-'));
  mkdirSync(join(fake, '.bin'));
  mkdirSync(join(fake, '@kakehashi/cli/bin'), { recursive: true });
  copyFileSync(shim, join(fake, '.bin/kakehashi'));
  symlinkSync(node, join(fake, '.bin/node'));
  writeFileSync(join(fake, '@kakehashi/cli/bin/kakehashi.js'), '');
  const HELP_BIN = 'kakehashi --help (node bin/kakehashi.js)';
  const HELP_SHIM = 'kakehashi --help (node_modules/.bin shim)';
  const EMPTY_SHIM = 'reference: the same shim running an empty script';
  const rounds = roundsOr(15);
  try {
    const medians = await alternate(
      {
        [BASELINE]: () => timeSync(node, ['-e', '0']),
        [HELP_BIN]: () => timeSync(node, [bin, '--help']),
        [HELP_SHIM]: () => timeSync(shim, ['--help']),
        [EMPTY_SHIM]: () => timeSync(join(fake, '.bin/kakehashi'), []),
      },
      { rounds, warmup: 2 },
    );
    printRatios(`kakehashi --help, whole process, median of ${rounds}`, medians, BASELINE, 'ms', {
      [HELP_BIN]: 1.5,
      [HELP_SHIM]: 1.5,
    });
    console.log(
      `  shim --help against the shim on an empty script: ${(medians[HELP_SHIM] / medians[EMPTY_SHIM]).toFixed(2)}x`,
    );
  } finally {
    rmSync(fake, { recursive: true, force: true });
  }
}

if (section('import')) {
  const rounds = roundsOr(15);
  const importOf =
    (url, cwd = repo) =>
    () =>
      timeSync(node, ['--input-type=module', '-e', `await import(${JSON.stringify(url)})`], { cwd });
  const dist = (pkg) => {
    const file = join(root, 'packages', pkg, 'dist/index.js');
    return pathToFileURL(existsSync(file) ? file : join(repo, 'packages', pkg, 'dist/index.js')).href;
  };
  const chat = {
    'import @kakehashi/agenticstar': importOf(dist('agenticstar')),
    'import @kakehashi/codeer': importOf(dist('codeer')),
    'import @kakehashi/miibo': importOf(dist('miibo')),
  };
  const before = process.env.BENCH_BEFORE ? resolve(process.env.BENCH_BEFORE) : undefined;
  const beforeRows = before
    ? Object.fromEntries(
        ['agenticstar', 'codeer', 'miibo'].map((pkg) => [
          `import @kakehashi/${pkg} (BENCH_BEFORE)`,
          importOf(pathToFileURL(join(before, 'packages', pkg, 'dist/index.js')).href),
        ]),
      )
    : {};
  const medians = await alternate(
    {
      [BASELINE]: () => timeSync(node, ['-e', '0']),
      'node --input-type=module -e "await 0" (ESM loader)': () =>
        timeSync(node, ['--input-type=module', '-e', 'await 0']),
      ...chat,
      ...beforeRows,
      'import @kakehashi/sse-core': importOf(dist('sse-core')),
      'import @kakehashi/auth': importOf(dist('auth')),
      'import openai (openai-node, reference)': importOf(import.meta.resolve('openai')),
      // Bare 'zod' resolved from the codeer package, as the SDKs resolve it.
      'import zod (reference: the schema library alone)': importOf('zod', join(repo, 'packages/codeer')),
    },
    { rounds, warmup: 2 },
  );
  printRatios(
    `importing one SDK, whole process, median of ${rounds}`,
    medians,
    BASELINE,
    'ms',
    Object.fromEntries(Object.keys(chat).map((n) => [n, 2])),
  );
}

// Deterministic Japanese prose of at least `bytes` UTF-8 bytes (and of `chars` characters when given).
function japaneseText({ bytes = 0, chars = 0 }) {
  const sentences = [
    '架け橋は日本とアジアのAIエージェント基盤をつなぐ道具箱です。',
    '請求書の締め日は毎月二十五日で、支払いは翌月末になります。',
    '東京駅から新大阪駅までは新幹線でおよそ二時間半かかります。',
    '会議の議事録を要約し、決定事項と宿題を箇条書きにしました。',
    '「承知しました」と返信し、資料は金曜日までに共有します。',
  ];
  const parts = [];
  let size = 0;
  let length = 0;
  for (let i = 0; size < bytes || length < chars; i++) {
    const s = `${i % 7 === 6 ? '\n' : ''}第${i + 1}項：${sentences[i % sentences.length]}`;
    parts.push(s);
    size += Buffer.byteLength(s);
    length += s.length;
  }
  const text = parts.join('');
  return chars > 0 ? text.slice(0, chars) : text;
}

/** Runs `command` to the end without blocking this process (the simulator answers meanwhile); wall ms. */
function timeAsync(command, args, { env, cwd, stdoutFile = '/dev/null' }) {
  return new Promise((resolvePromise, reject) => {
    const out = openSync(stdoutFile, 'w');
    const started = performance.now();
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', out, 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      closeSync(out);
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolvePromise(ms);
    });
  });
}

/** CPU seconds (user + sys) of `command`'s process tree, measured by bash's `time` from outside. */
function cpuAsync(command, args, { env, cwd }) {
  return new Promise((resolvePromise, reject) => {
    const script = 'TIMEFORMAT="%3U %3S"; { time "$@" >/dev/null 2>/dev/null; } 2>&1';
    const child = spawn('bash', ['-c', script, 'bash', command, ...args], {
      env,
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const [user, sys] = out.trim().split(/\s+/).map(Number);
      if (code !== 0 || !Number.isFinite(user + sys))
        reject(new Error(`${command} exited ${code}: ${out.slice(0, 300)}`));
      else resolvePromise(user + sys);
    });
  });
}

if (section('chat') || section('events')) {
  const sim = await startAgenticStarSimulator({ heartbeatIntervalMs: 0, tokenLifetimeSeconds: 86_400 });
  const cwd = mkdtempSync(join(tmpdir(), 'kakehashi-startup-')); // no .env here
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AGENTICSTAR_')));
  Object.assign(env, {
    AGENTICSTAR_BASE_URL: sim.url,
    AGENTICSTAR_TOKEN_URL: sim.tokenUrl,
    AGENTICSTAR_CLIENT_ID: sim.clientId,
    AGENTICSTAR_CLIENT_SECRET: sim.clientSecret,
    NO_COLOR: '1',
  });
  const message = '長い資料を全部読み上げてください';
  const floorArgs = [join(here, 'startup-chat-floor.mjs'), message];
  const cliArgs = [bin, 'chat', 'agenticstar', message];
  const FLOOR = 'floor: fetch + eventsource-parser + JSON.parse';
  const CLI = 'kakehashi chat agenticstar';
  try {
    if (section('chat')) {
      const answer = japaneseText({ bytes: Number(process.env.BENCH_CHAT_MB ?? 7) * 1024 * 1024 });
      sim.configure({ answer, eventDelayMs: 0 });
      // Both write exactly the answer and a newline.
      for (const [name, args] of [
        [FLOOR, floorArgs],
        [CLI, cliArgs],
      ]) {
        const file = join(cwd, 'answer.txt');
        await timeAsync(node, args, { env, cwd, stdoutFile: file });
        if (readFileSync(file, 'utf8') !== `${answer}\n`)
          throw new Error(`${name} wrote something else than the answer`);
      }
      const rounds = roundsOr(9);
      const medians = await alternate(
        {
          [FLOOR]: () => timeAsync(node, floorArgs, { env, cwd }),
          [CLI]: () => timeAsync(node, cliArgs, { env, cwd }),
        },
        { rounds },
      );
      printRatios(
        `chat on a ${(Buffer.byteLength(answer) / 2 ** 20).toFixed(1)} MB answer (${Math.ceil(answer.length / 8)} text events), whole process, stdout to /dev/null, median of ${rounds}`,
        medians,
        FLOOR,
        'ms',
        { [CLI]: 1.25 },
      );
    }
    if (section('events')) {
      // The simulator sends 8 characters per text event; the rest of its script is the same for both sizes.
      const short = japaneseText({ chars: 8 * 100 });
      const long = japaneseText({ chars: 8 * 2100 });
      const events = (long.length - short.length) / 8;
      const perEvent = (args) => async () => {
        sim.configure({ answer: short, eventDelayMs: 1 });
        const a = await cpuAsync(node, args, { env, cwd });
        sim.configure({ answer: long, eventDelayMs: 1 });
        const b = await cpuAsync(node, args, { env, cwd });
        return ((b - a) / events) * 1e6;
      };
      const rounds = roundsOr(9);
      const medians = await alternate({ [FLOOR]: perEvent(floorArgs), [CLI]: perEvent(cliArgs) }, { rounds });
      printRatios(
        `CPU per event, one event per read (eventDelayMs 1), ${events} events between a short and a long answer, child user+sys, median of ${rounds}`,
        medians,
        FLOOR,
        'µs',
        { [CLI]: 1.3 },
      );
    }
  } finally {
    await sim.close();
    rmSync(cwd, { recursive: true, force: true });
  }
}
