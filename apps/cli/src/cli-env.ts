import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { UsageError } from './cli-errors';

/**
 * Loads a `.env` file into `env` without overriding variables that are already set: flags win over
 * the environment, the environment wins over the file. Without `path`, `./.env` if it exists; a
 * `path` given (`--env-file`) must exist. Returns the file read, if any.
 */
export function loadDotEnv(env: Record<string, string | undefined>, path?: string): string | undefined {
  const file = resolve(path ?? '.env');
  if (!existsSync(file)) {
    if (path !== undefined) throw new UsageError(`--env-file: there is no file ${file}`);
    return undefined;
  }
  const values = parseEnv(readFileSync(file, 'utf8'));
  for (const [key, value] of Object.entries(values)) {
    if (env[key] === undefined && value !== undefined) env[key] = value;
  }
  return file;
}
