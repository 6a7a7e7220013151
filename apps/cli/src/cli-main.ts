import type { parseArgs as ParseArgs } from 'node:util';
import type { PlatformRegistry } from '@kakehashi/platforms';
import type { CliContext, CliInput, CliStream } from './cli-context';
import { OutputClosedError, UsageError } from './cli-errors';
import {
  ALIYUN_HELP,
  authHelp,
  chatHelp,
  DEFAULT_PLATFORM_NAMES,
  DEMO_HELP,
  MCP_HELP,
  MIIBO_GROUP_HELP,
  mainHelp,
} from './cli-help';
import { CLI_OPTIONS } from './cli-options';

/** Options of {@link main}: what the command line runs with. Everything defaults to the process's own. */
export interface CliOptions {
  /**
   * The chat platforms `kakehashi chat <platform>` serves (default `defaultPlatforms`: agenticstar,
   * codeer, miibo). A registry with one more platform serves it with no change to the CLI.
   */
  platforms?: PlatformRegistry;
  /** Where configuration variables are read, and `.env` is loaded into (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** The answer's stream (default `process.stdout`). */
  stdout?: CliStream;
  /** Status lines, the spinner and error lines (default `process.stderr`). */
  stderr?: CliStream;
  /** Read for the message when none is given (default `process.stdin`). */
  stdin?: CliInput;
  /**
   * Cancels what runs (the `kakehashi` binary aborts it on Ctrl-C, and when stdout's reader goes away).
   * Aborted with an `EPIPE` {@link OutputClosedError}, the run ends quietly with status 0.
   */
  signal?: AbortSignal;
}

/**
 * Runs the command line; resolves with the exit status (0 done, or stdout's reader went away; 1 platform or network
 * failure; 2 usage or configuration; 130 cancelled).
 *
 * Each command loads only what it runs: help and `--version` load no package, `chat` loads the
 * platform registry and then the one SDK it talks to, the other commands their own modules.
 */
export async function main(argv: readonly string[], options: CliOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  try {
    let parsed: ReturnType<typeof ParseArgs<{ options: typeof CLI_OPTIONS; allowPositionals: true }>>;
    try {
      // getBuiltinModule hands over node:util as it is; an ES import of it would first read every
      // one of its exports (some load more of Node), which costs the help a few milliseconds.
      const { parseArgs } = process.getBuiltinModule('node:util');
      parsed = parseArgs({ args: [...argv], options: CLI_OPTIONS, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    const [command, ...rest] = positionals;
    if (values.version) {
      stdout.write(`kakehashi ${CLI_VERSION}\n`);
      return 0;
    }
    const names = options.platforms?.names ?? DEFAULT_PLATFORM_NAMES;
    if (!command || command === 'help') {
      stdout.write(command === 'help' && rest[0] === 'chat' ? chatHelp(names) : mainHelp(names));
      return command || values.help ? 0 : 2;
    }
    const help = COMMAND_HELP.get(command);
    if (help === undefined) throw new UsageError(`unknown command "${command}"`);
    if (values.help) {
      stdout.write(typeof help === 'function' ? help(names) : help);
      return 0;
    }
    const env = options.env ?? process.env;
    const ctx: CliContext = {
      values,
      platforms: options.platforms ?? (await import('@kakehashi/platforms')).defaultPlatforms,
      env,
      stdout,
      stderr,
      stdin: options.stdin ?? process.stdin,
      signal: options.signal ?? new AbortController().signal,
    };
    if (command !== 'demo') (await import('./cli-env')).loadDotEnv(env, values['env-file']);
    switch (command) {
      case 'chat':
        await (await import('./cli-chat')).runChat(ctx, rest[0], rest.length > 1 ? rest.slice(1).join(' ') : undefined);
        return 0;
      case 'mcp': {
        const mcp = await import('@kakehashi/mcp');
        await mcp.runMcpStdio({ platforms: ctx.platforms, env, signal: ctx.signal, logger: mcp.createStderrLogger() });
        return 0;
      }
      case 'demo':
        await (await import('./cli-demo')).runDemo(ctx);
        return 0;
      case 'auth':
        return await (await import('./cli-auth-check')).runAuthCheck(rest, ctx);
      case 'aliyun':
        return await (await import('./cli-aliyun')).runAliyun(rest, ctx);
      case 'miibo':
        return await (await import('./cli-miibo-group')).runMiiboGroup(rest, ctx);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (thrown) {
    // stdout's reader went away (`| head -1`): what ran was cancelled for it; nothing more to say.
    const reason: unknown = options.signal?.aborted ? options.signal.reason : undefined;
    const closed = reason instanceof OutputClosedError;
    if (closed && (reason.code === 'EPIPE' || reason.code === 'ERR_STREAM_DESTROYED')) return 0;
    const error = closed ? reason : thrown;
    // The error classes of sse-core load only now, when something failed.
    const { describeError, exitCodeFor } = await import('./cli-error-report');
    const code = exitCodeFor(error);
    stderr.write(`${code === 130 ? 'kakehashi: cancelled' : describeError(error)}\n`);
    return code;
  }
}

/** Each command's `--help` (the chat help lists the registered platforms). */
const COMMAND_HELP = new Map<string, string | ((platforms: readonly string[]) => string)>([
  ['chat', chatHelp],
  ['mcp', MCP_HELP],
  ['demo', DEMO_HELP],
  ['auth', authHelp],
  ['aliyun', ALIYUN_HELP],
  ['miibo', MIIBO_GROUP_HELP],
]);

declare const __CLI_VERSION__: string | undefined;
const CLI_VERSION = typeof __CLI_VERSION__ === 'string' ? __CLI_VERSION__ : '0.0.0';
