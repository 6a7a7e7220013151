import type { PlatformRegistry } from '@kakehashi/platforms';
import type { CliValues } from './cli-options';

/**
 * Where the CLI writes: `process.stdout` / `process.stderr`, or anything with `write` (tests pass
 * fakes). `isTTY`, `columns` and `rows` decide how the answer is shown.
 */
export interface CliStream {
  write(chunk: string): unknown;
  /** A terminal: text is redrawn in place and status lines wait for line ends. */
  readonly isTTY?: boolean;
  /** The terminal's width in columns (default 80), to count wrapped rows. */
  readonly columns?: number;
  /** The terminal's height in rows, when known: a rewrite taller than this is printed below instead of in place. */
  readonly rows?: number;
}

/** What the CLI reads input from when no message is given (`process.stdin` by default). */
export type CliInput = NodeJS.ReadableStream & { readonly isTTY?: boolean };

/** Everything a subcommand runs with. */
export interface CliContext {
  /** The parsed flags. */
  values: CliValues;
  /** The chat platforms `kakehashi chat` serves. */
  platforms: PlatformRegistry;
  /** Where configuration variables are read (and a `.env` file is loaded into). */
  env: Record<string, string | undefined>;
  stdout: CliStream;
  stderr: CliStream;
  stdin: CliInput;
  /** Aborted by Ctrl-C: cancels whatever runs. */
  signal: AbortSignal;
}

/**
 * The `env` setting for the SDKs: the context's variables, unless they are `process.env` itself,
 * which is not handed down (the SDKs read it by default, and some settings schemas refuse it as a
 * record: its prototype is not Object's).
 */
export function envSetting(ctx: Pick<CliContext, 'env'>): { env?: Record<string, string | undefined> } {
  return ctx.env !== process.env ? { env: ctx.env } : {};
}
