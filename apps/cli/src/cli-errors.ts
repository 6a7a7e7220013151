/** Bad usage of the command line. Exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Configuration is missing: a platform is not configured (the message names the variable to set), or
 * an env file cannot be read (the message names the file and why). Exit status 2.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * stdout cannot be written any more: its reader went away (`EPIPE`, `kakehashi chat … | head -1`) or
 * the write failed (a full disk). The `kakehashi` binary aborts what runs with it as the reason:
 * after an `EPIPE` the CLI exits 0 without a word (the reader has what it wanted); after another
 * failure, 1 with one line.
 */
export class OutputClosedError extends Error {
  override name = 'OutputClosedError';
  /** The system error code (`EPIPE`, `ENOSPC`, …). */
  readonly code: string | undefined;
  constructor(cause: Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    super(`cannot write to stdout (${code ?? cause.message})`, { cause });
    this.code = code;
  }
}
