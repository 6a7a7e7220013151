import { AbortError, InvalidArgumentError, KakehashiError, MissingConfigError, redact } from '@kakehashi/sse-core';
import { ConfigError, UsageError } from './cli-errors';

// Loaded only when a command fails: the error classes of sse-core are not needed to start.

/** Exit status for an error: 2 for usage and configuration, 130 for Ctrl-C, 1 for provider or network failures. */
export function exitCodeFor(error: unknown): number {
  if (
    error instanceof UsageError ||
    error instanceof ConfigError ||
    MissingConfigError.isInstance(error) ||
    InvalidArgumentError.isInstance(error)
  )
    return 2;
  if (AbortError.isInstance(error) || (error instanceof Error && error.name === 'AbortError')) return 130;
  return 1;
}

/** One clear line for stderr; never a secret (messages are redacted once more here). */
export function describeError(error: unknown): string {
  if (error instanceof UsageError) return `kakehashi: ${oneLine(error.message)} (see --help)`;
  if (KakehashiError.isInstance(error) || error instanceof Error) return `kakehashi: ${oneLine(redact(error.message))}`;
  return `kakehashi: ${oneLine(redact(String(error)))}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
