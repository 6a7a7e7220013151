import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Loads a `.env` file (default `./.env`) into `process.env` without overriding variables that are
 * already set: flags win over the environment, the environment wins over the file.
 */
export function loadDotEnv(path = '.env'): string | undefined {
  const file = resolve(path);
  if (!existsSync(file)) return undefined;
  process.loadEnvFile(file);
  return file;
}
