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
