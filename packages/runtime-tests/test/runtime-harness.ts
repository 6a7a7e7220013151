/**
 * What every runtime test shares: the simulators (on Node, on loopback), the configuration handed to
 * the runtime (simulator URLs only: no secret beyond the simulators' own, no environment variable),
 * the expected outcome of each case, the runtime binaries from npm and esbuild bundles of the SDKs.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signAcs3Request } from '@kakehashi/auth';
import {
  ALIYUN_ICE_SIM_INSTANCE_ID,
  CODEER_SIM_DEFAULT_ANSWER,
  agenticStarDefaultAnswer,
  defaultMiiboAnswer,
  startAgenticStarSimulator,
  startAliyunIceSimulator,
  startCodeerSimulator,
  startMiiboSimulator,
  startScriptedServer,
  type AgenticStarSimulator,
  type AliyunIceSimulator,
  type CodeerSimulator,
  type MiiboSimulator,
  type ScriptedServer,
} from '@kakehashi/testkit';
import { expect } from 'vitest';

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const fixturesDir = join(packageDir, 'fixtures');
const require = createRequire(import.meta.url);

/** What the runtime gets, as JSON: where each simulator listens, and its (simulator-only) credentials. */
export interface RuntimeConfig {
  agenticstar: { url: string; tokenUrl: string; clientId: string; clientSecret: string };
  codeer: { url: string; apiKey: string; agentId: string };
  miibo: { url: string; apiKey: string; agentId: string };
  ice: { url: string; accessKeyId: string; accessKeySecret: string; instanceId: string };
  /** A server that sends one SSE event and then nothing (for "leaving a stream early"). */
  stall: string;
  /** A loopback port nobody listens on. */
  refused: string;
  /** What the signing case signs: fixed date and nonce, so every runtime must produce Node's header. */
  acs3Sample: Parameters<typeof signAcs3Request>[0];
}

const ACS3_SAMPLE = {
  method: 'POST',
  host: 'ice.cn-shanghai.aliyuncs.com',
  action: 'DescribeAIAgentInstance',
  version: '2020-11-09',
  accessKeyId: 'LTAI-runtime-test',
  accessKeySecret: 'runtime-test-secret',
  query: { InstanceId: 'i-1' },
  date: '2025-01-01T00:00:00Z',
  nonce: 'fixed-nonce',
};

export interface Simulators {
  config: RuntimeConfig;
  stall: ScriptedServer;
  /** Requests the AgenticStar, Codeer and miibo simulators have received so far. */
  requestCount(): number;
  close(): Promise<void>;
}

export async function startSimulators(): Promise<Simulators> {
  const agenticstar: AgenticStarSimulator = await startAgenticStarSimulator();
  const codeer: CodeerSimulator = await startCodeerSimulator();
  const miibo: MiiboSimulator = await startMiiboSimulator({ apiKey: 'runtime-miibo-key', agentId: 'runtime-agent' });
  const ice: AliyunIceSimulator = await startAliyunIceSimulator();
  const stall = await startScriptedServer({
    cors: true,
    handler: () => ({ headers: { 'content-type': 'text/event-stream' }, body: ['data: 一\n\n', { stall: true }] }),
  });
  const gone = await startScriptedServer();
  const refused = gone.url;
  await gone.close();
  return {
    stall,
    requestCount: () => agenticstar.requests.length + codeer.requests.length + miibo.requests.length,
    config: {
      agenticstar: {
        url: agenticstar.url,
        tokenUrl: agenticstar.tokenUrl,
        clientId: agenticstar.clientId,
        clientSecret: agenticstar.clientSecret,
      },
      codeer: { url: codeer.url, apiKey: codeer.apiKey, agentId: codeer.agentId },
      miibo: { url: miibo.url, apiKey: 'runtime-miibo-key', agentId: 'runtime-agent' },
      ice: {
        url: ice.url,
        accessKeyId: ice.accessKeyId,
        accessKeySecret: ice.accessKeySecret,
        instanceId: ALIYUN_ICE_SIM_INSTANCE_ID,
      },
      stall: stall.url,
      refused,
      acs3Sample: ACS3_SAMPLE,
    },
    async close() {
      await Promise.all([agenticstar.close(), codeer.close(), miibo.close(), ice.close(), stall.close()]);
    },
  };
}

/** One case's outcome as the runtime reported it. */
export type CaseResult = { ok: true; value: Record<string, unknown> } | { ok: false; error: string; stack: string };

type Check = (value: Record<string, unknown>, sims: Simulators) => void | Promise<void>;

const MIIBO_UTTERANCE = 'おすすめは?';

/** What each case must have produced, whatever the runtime. */
export const expectations: Record<string, Check> = {
  'sse-core picks the global fetch as its default transport': (v) => expect(v).toEqual({ transport: 'fetch' }),
  'codeer streams a chat': (v) => {
    expect(v.text).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(v.finishText).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(v.types).toEqual(expect.arrayContaining(['start', 'step-start', 'text-delta', 'finish']));
    expect(v.chatId).not.toBe('');
  },
  'miibo streams a chat': (v) => {
    const answer = defaultMiiboAnswer({ utterance: MIIBO_UTTERANCE, uid: 'runtime-user-1', agentId: '', body: {} });
    expect(v.text).toBe(answer);
    expect(v.finishText).toBe(answer);
    expect(v.types).toEqual(expect.arrayContaining(['start', 'text-delta', 'finish']));
  },
  'a refused connection is a retryable ConnectionError, after the retries': (v) =>
    expect(v).toMatchObject({ connectionError: true, retryable: true }),
  'a header value with a line break is refused before sending, not retried': (v) =>
    expect(v).toEqual({ kind: 'invalid-argument', argument: 'headers.x-note' }),
  'leaving a stream early closes the connection': async (v, sims) => {
    expect(v).toEqual({ seen: ['一'] });
    const request = sims.stall.requests.at(-1);
    expect(request?.path).toBe('/stall');
    expect(await request!.closed).toEqual({ byClient: true });
  },
  'a missing API key names its variable': (v) => expect(v).toEqual({ missingConfig: true, envVar: 'CODEER_API_KEY' }),
  'agenticstar streams a chat (token, then SSE)': (v) => {
    const answer = agenticStarDefaultAnswer('東京の天気は?');
    expect(v.text).toBe(answer);
    expect(v.finishText).toBe(answer);
    expect(v.conversationId).not.toBe('');
  },
  'auth fetches a client-credentials token': (v) => {
    expect(v.tokenLength).toBeGreaterThan(0);
    expect(v.cached).toBe(true);
  },
  'auth signs an ACS3 request (sha256 and HMAC)': (v) =>
    // The same header Node computes: the runtime's node:crypto agrees byte for byte.
    expect(v).toEqual({ authorization: signAcs3Request(ACS3_SAMPLE).Authorization }),
  'aliyun-aiagent makes an ACS3-signed ICE call': (v) => {
    expect(typeof v.status).toBe('string');
    expect(v.requestId).toBe('string');
  },
};

/** The cases of each group, as the fixtures name them. */
export const WEB_CASES = [
  'sse-core picks the global fetch as its default transport',
  'codeer streams a chat',
  'miibo streams a chat',
  'a refused connection is a retryable ConnectionError, after the retries',
  'a header value with a line break is refused before sending, not retried',
  'leaving a stream early closes the connection',
  'a missing API key names its variable',
];
export const AGENTICSTAR_CASES = ['agenticstar streams a chat (token, then SSE)'];
export const NODE_COMPAT_CASES = [
  'auth fetches a client-credentials token',
  'auth signs an ACS3 request (sha256 and HMAC)',
  'aliyun-aiagent makes an ACS3-signed ICE call',
];

/** Checks one case: it ran without throwing, and its value is what every runtime must produce. */
export async function checkCase(
  results: Record<string, CaseResult> | undefined,
  name: string,
  sims: Simulators,
): Promise<void> {
  const result = results?.[name];
  expect(result, `no result for "${name}"`).toBeDefined();
  if (!result!.ok) throw new Error(`the case threw ${result!.error}\n${result!.stack}`);
  await expectations[name]!(result!.value, sims);
}

/**
 * A runtime binary installed from npm: the copy the package's postinstall put in place (`bun`,
 * `deno`, `workerd` each link their platform's binary), else the binary in the platform package
 * itself (an optional dependency of the wrapper).
 */
export function runtimeBinary(runtime: 'bun' | 'deno' | 'workerd'): string {
  const arch = process.arch === 'x64' ? (runtime === 'workerd' ? '64' : 'x64') : process.arch;
  const [own, platformPackage, platformFile] =
    runtime === 'bun'
      ? ['bin/bun.exe', `@oven/bun-${process.platform}-${arch}`, 'bin/bun']
      : runtime === 'deno'
        ? ['deno', `@deno/${process.platform}-${arch}-glibc`, 'deno']
        : ['bin/workerd', `@cloudflare/workerd-${process.platform}-${arch}`, 'bin/workerd'];
  let wrapper: string;
  try {
    wrapper = require.resolve(`${runtime}/package.json`);
  } catch {
    throw new Error(`${runtime} is not installed: run \`npm run setup\` (it comes from the npm package "${runtime}")`);
  }
  const candidates = [join(dirname(wrapper), own)];
  try {
    candidates.push(join(dirname(createRequire(wrapper).resolve(`${platformPackage}/package.json`)), platformFile));
  } catch {
    // the platform package is not there: the wrapper's copy is all there is
  }
  // A copy of a few hundred bytes is the wrapper's placeholder (its postinstall did not run).
  const found = candidates.find((path) => existsSync(path) && statSync(path).size > 1 << 20);
  if (found === undefined) throw new Error(`${runtime}: no binary among ${candidates.join(', ')}`);
  return found;
}

export interface ProcessOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (bounded by `timeoutMs`), collecting its output. */
export function runProcess(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd ?? packageDir, env: options.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** The environment a runtime gets: PATH, HOME and the temp dir only (no credentials, no proxies). */
export function bareEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: tmpdir(), NO_COLOR: '1' };
  return { ...env, ...extra };
}

/** Parses the one JSON line of results a runtime printed. */
export function parseResults(outcome: ProcessOutcome): Record<string, CaseResult> {
  const line = outcome.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as Record<string, CaseResult>;
  } catch {
    throw new Error(`no results (exit ${outcome.code})\nstdout: ${outcome.stdout}\nstderr: ${outcome.stderr}`);
  }
}

/** A loopback port free right now (for workerd, which is told its ports in its config). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A temporary directory, removed by the returned function. */
export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Starts a long-running program; `stop()` ends it (by its own process id) and waits for the exit. */
export function startProcess(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv },
) {
  const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += String(d)));
  child.stderr.on('data', (d) => (output += String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    get output() {
      return output;
    },
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
