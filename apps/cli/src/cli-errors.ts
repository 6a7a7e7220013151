import { AbortError, InvalidArgumentError, KakehashiError, MissingConfigError, redact } from '@kakehashi/sse-core';

/** Bad usage of the command line. Exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit status for an error: 2 for usage and configuration, 130 for Ctrl-C, 1 for provider or network failures. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || MissingConfigError.isInstance(error) || InvalidArgumentError.isInstance(error))
    return 2;
  if (AbortError.isInstance(error) || (error instanceof Error && error.name === 'AbortError')) return 130;
  return 1;
}

/** One clear line for stderr; never a secret (messages are redacted once more here). */
export function describeError(error: unknown): string {
  if (error instanceof UsageError) return `kakehashi: ${error.message} (see --help)`;
  if (KakehashiError.isInstance(error)) return `kakehashi: ${redact(error.message)}`;
  if (error instanceof Error) return `kakehashi: ${redact(error.message)}`;
  return `kakehashi: ${redact(String(error))}`;
}
