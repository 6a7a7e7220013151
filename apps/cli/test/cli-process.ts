import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI exactly as a user gets it after set-up: the repository root's node_modules/.bin/kakehashi. */
export const KAKEHASHI_BIN = fileURLToPath(new URL('../../../node_modules/.bin/kakehashi', import.meta.url));

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
