import { parseArgs } from 'node:util';
import { ServerConfigError, SERVER_ENV } from './server-config';

/** The binary's flags: each sets the environment variable of the same meaning (flags win). Secrets have no flag (they would show in `ps`). */
export const SERVER_FLAGS = {
  host: SERVER_ENV.host,
  port: SERVER_ENV.port,
  'public-url': SERVER_ENV.publicUrl,
  'sqlite-path': SERVER_ENV.sqlitePath,
  'body-limit': SERVER_ENV.bodyLimit,
  'log-level': SERVER_ENV.logLevel,
  'shutdown-timeout-ms': SERVER_ENV.shutdownTimeoutMs,
} as const;

export const SERVER_USAGE = `Usage: kakehashi-server [--host <host>] [--port <port>] [--public-url <url>] [--sqlite-path <file>]
                       [--body-limit <size>] [--log-level <level>] [--shutdown-timeout-ms <ms>]

Every flag has an environment variable (HOST, PORT, KAKEHASHI_PUBLIC_URL, KAKEHASHI_SQLITE_PATH,
KAKEHASHI_BODY_LIMIT, KAKEHASHI_LOG_LEVEL, KAKEHASHI_SHUTDOWN_TIMEOUT_MS). Secrets and keys are read from
the environment only: KAKEHASHI_API_KEYS, KAKEHASHI_WEBHOOK_SECRET, KAKEHASHI_WEBHOOK_HMAC_SECRET,
DATABASE_URL and the provider variables (MIIBO_*, CODEER_*, AGENTICSTAR_*, ALIYUN_*, ALIBABA_CLOUD_*).
Prints "listening on http://HOST:PORT" when ready; logs are JSON lines on stderr.`;

/**
 * Folds the command-line flags into a copy of the environment. `help` is true for `--help`.
 *
 * @throws ServerConfigError for an unknown flag or a missing value (the binary exits 2).
 */
export function applyServerArgs(
  argv: string[],
  env: Readonly<Record<string, string | undefined>>,
): { env: Record<string, string | undefined>; help: boolean } {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(Object.keys(SERVER_FLAGS).map((flag) => [flag, { type: 'string' as const }]));
    values = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
      strict: true,
    }).values;
  } catch (error) {
    throw new ServerConfigError('argv', `${error instanceof Error ? error.message : String(error)}\n${SERVER_USAGE}`);
  }
  const out: Record<string, string | undefined> = { ...env };
  for (const [flag, variable] of Object.entries(SERVER_FLAGS)) {
    const value = values[flag];
    if (typeof value === 'string') out[variable] = value;
  }
  return { env: out, help: values.help === true };
}
