/** Bad usage of the command line. Exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A platform is not configured (the message names the variable to set). Exit status 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
