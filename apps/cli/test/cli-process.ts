import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI exactly as a user gets it after set-up: the repository root's node_modules/.bin/kakehashi. */
export const KAKEHASHI_BIN = fileURLToPath(new URL('../../../node_modules/.bin/kakehashi', import.meta.url));

/** util-linux `script`: runs a command on a pseudo-terminal, as a person at a terminal would. */
export const SCRIPT = '/usr/bin/script';

const PROVIDER_ENV = /^(AGENTICSTAR|CODEER|MIIBO|ALIYUN|ALIBABA_CLOUD|KAKEHASHI)_|^DATABASE_URL$|^FORCE_COLOR$/;

/** The parent's environment without any platform settings (or Nx's FORCE_COLOR), so tests see only what they pass. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!PROVIDER_ENV.test(k)) env[k] = v;
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<CliRun>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv, cwd?: string): RunningCli {
  const child = spawn(KAKEHASHI_BIN, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliRun>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<CliRun> {
  return startCli(args, env, cwd).done;
}

/** Runs the CLI with stdout redirected to a file (`kakehashi … > answer.txt`); `stdout` is the file's content. */
export async function runCliToFile(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const dir = mkdtempSync(join(tmpdir(), 'kakehashi-cli-out-'));
  const file = join(dir, 'answer.txt');
  const fd = openSync(file, 'w');
  try {
    const child = spawn(KAKEHASHI_BIN, args, { env, stdio: ['ignore', fd, 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])),
    );
    return { code, signal, stdout: readFileSync(file, 'utf8'), stderr };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the CLI on a pseudo-terminal `columns` wide (stdout and stderr both on it), as `script`
 * records it: what the terminal received, in order.
 */
export async function runCliOnTerminal(
  args: string[],
  env: NodeJS.ProcessEnv,
  columns: number,
): Promise<{ code: number | null; screen: string }> {
  const quoted = args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn(
    SCRIPT,
    ['-qfec', `stty cols ${columns} rows 200 && exec ${KAKEHASHI_BIN} ${quoted}`, '/dev/null'],
    {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let screen = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (screen += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, screen };
}
