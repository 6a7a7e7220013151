import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from './cli-errors';

/**
 * Loads a `.env` file into `env` without overriding variables that are already set (as Node's own
 * `--env-file` does): flags win over the environment, the environment wins over the file. The file
 * is parsed by Node's `util.parseEnv` (comments, single, double and back quotes, multi-line double
 * quoted values with `\n`, an `export ` prefix). Without `path`, `./.env` if there is one; a `path`
 * given (`--env-file`) must be readable. Returns the file read, if any.
 *
 * @throws ConfigError (exit status 2) naming the file and the reason it cannot be read.
 */
export function loadDotEnv(env: Record<string, string | undefined>, path?: string): string | undefined {
  const file = resolve(path ?? '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (path === undefined && code === 'ENOENT') return undefined;
    throw new ConfigError(`${path === undefined ? '.env' : `--env-file ${path}`}: ${unreadable(code, error)}`);
  }
  for (const [key, value] of Object.entries(parseEnv(text))) {
    if (env[key] === undefined && value !== undefined) env[key] = value;
  }
  return file;
}

/** Why a file could not be read, in a few words. */
function unreadable(code: string | undefined, error: unknown): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    default:
      return code ?? (error as Error).message;
  }
}
