/**
 * Test helpers for the server core: the real built binary (`node_modules/.bin/kakehashi-server` at the
 * repository root) started with a chosen environment, and in-process servers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createKakehashiServer, type KakehashiServer, type KakehashiServerConfig } from '../src/index';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SERVER_BIN = join(REPO_ROOT, 'node_modules/.bin/kakehashi-server');

/** A running `kakehashi-server` process. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** The URL from the `listening on` line. */
  readonly url: string;
  /** Every stdout line so far. */
  readonly stdout: string[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the spawned process has exited. */
  readonly exited: Promise<number | string>;
  /** The server's own pid, from its `listening` log line (the same as `child.pid` now that the bin wrapper execs node). */
  readonly serverPid: number;
  /** Resolves once the server process itself is gone. */
  serverGone(): Promise<void>;
  /** Sends SIGTERM to the spawned process and waits until the server process is gone. */
  stop(): Promise<void>;
}

/** The environment every spawned server gets: the pinned node on PATH, no inherited KAKEHASHI_ or provider settings. */
export function baseEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: `${join(REPO_ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? tmpdir(),
    KAKEHASHI_LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Spawns the binary and collects its output; does not wait for anything. */
export function spawnServer(
  env: Record<string, string>,
  args: string[] = [],
): Omit<ServerProcess, 'url' | 'serverPid' | 'serverGone' | 'stop'> & { listening: Promise<string> } {
  const child = spawn(SERVER_BIN, args, { cwd: REPO_ROOT, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  let stderr = '';
  let partial = '';
  let onLine: ((line: string) => void) | undefined;
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    for (let newline = partial.indexOf('\n'); newline >= 0; newline = partial.indexOf('\n')) {
      const line = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      stdout.push(line);
      onLine?.(line);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line within 15 s; stderr:\n${stderr}`)), 15_000);
    onLine = (line) => {
      const match = /^listening on (http:\/\/\S+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`kakehashi-server exited (${code}) before listening; stderr:\n${stderr}`));
    });
  });
  listening.catch(() => {});
  return { child, stdout, stderr: () => stderr, exited, listening };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    // An exited process whose new parent has not reaped it yet is a zombie: count it as gone.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No /proc (or no such process).
  }
  try {
    process.kill(pid, 0);
    return process.platform !== 'linux';
  } catch {
    return false;
  }
}

/** Spawns the binary and waits for its `listening on` line (and its `listening` log line, for the pid). */
export async function startServer(env: Record<string, string>, args: string[] = []): Promise<ServerProcess> {
  const proc = spawnServer({ PORT: '0', ...env }, args);
  const url = await proc.listening;
  let serverPid: number | undefined;
  for (let i = 0; i < 200 && serverPid === undefined; i++) {
    const line = proc
      .stderr()
      .split('\n')
      .find((l) => l.includes('"msg":"listening"'));
    if (line) serverPid = (JSON.parse(line) as { pid: number }).pid;
    else await sleep(10);
  }
  if (serverPid === undefined) throw new Error(`no "listening" log line; stderr:\n${proc.stderr()}`);
  const pid = serverPid;
  const serverGone = async () => {
    for (let i = 0; i < 300 && alive(pid); i++) await sleep(50);
    if (alive(pid)) throw new Error(`server process ${pid} still running after 15 s`);
  };
  return {
    ...proc,
    url,
    serverPid: pid,
    serverGone,
    async stop() {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
      await proc.exited;
      await serverGone().catch(() => {
        // Last resort, so a broken shutdown does not leave the process behind.
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      });
    },
  };
}

/** A temporary directory, removed by the returned function. */
export function tempDir(prefix = 'kakehashi-server-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Collects the JSON log lines of an in-process server. */
export function logSink(): { destination: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString('utf8');
      callback();
    },
  });
  return {
    destination,
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** An in-process server on 127.0.0.1 and a free port, with an in-memory SQLite store unless given one. */
export async function startInProcess(
  config: KakehashiServerConfig = {},
): Promise<{ server: KakehashiServer; url: string }> {
  const server = createKakehashiServer({
    host: '127.0.0.1',
    port: 0,
    store: { sqlitePath: ':memory:' },
    logger: false,
    env: {},
    ...config,
  });
  const { url } = await server.listen();
  return { server, url };
}

/** A fixed miibo agent group start body (the simulator accepts any keys). */
export function groupStartBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    utterance: '新商品のキャッチコピーを考えてください',
    uid: 'admin-user-1',
    agentIds: [
      { agentId: 'agent-a', apiKey: 'agent-a-api-key-123456' },
      { agentId: 'agent-b', apiKey: 'agent-b-api-key-123456' },
    ],
    groupName: 'コピー班',
    groupMission: 'キャッチコピーを作る',
    groupDescription: '二人で検討する',
    ...extra,
  };
}

/** POSTs JSON. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** The simulator's record of the webhook delivery for a group, once it has finished (the receiver may answer first). */
export async function deliveryFor<Delivery extends { groupId: string }>(
  miibo: { webhookDeliveries: Delivery[] },
  groupId: string,
): Promise<Delivery> {
  for (let i = 0; i < 500; i++) {
    const found = miibo.webhookDeliveries.find((d) => d.groupId === groupId);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no webhook delivery recorded for ${groupId}`);
}
