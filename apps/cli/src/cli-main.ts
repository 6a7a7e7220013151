import { parseArgs } from 'node:util';
import { defaultPlatforms, type PlatformRegistry } from '@kakehashi/platforms';
import { runChat } from './cli-chat';
import type { CliContext, CliInput, CliStream } from './cli-context';
import { loadDotEnv } from './cli-env';
import { describeError, exitCodeFor, UsageError } from './cli-errors';
import { chatHelp, DEMO_HELP, MCP_HELP, mainHelp } from './cli-help';
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
  /** Cancels what runs (the `kakehashi` binary aborts it on Ctrl-C). */
  signal?: AbortSignal;
}

/** Runs the command line; resolves with the exit status (0 done, 1 platform or network failure, 2 usage or configuration, 130 cancelled). */
export async function main(argv: readonly string[], options: CliOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const platforms = options.platforms ?? defaultPlatforms;
  try {
    let parsed: ReturnType<typeof parseArgs<{ options: typeof CLI_OPTIONS; allowPositionals: true }>>;
    try {
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
    if (!command || command === 'help') {
      stdout.write(command === 'help' && rest[0] === 'chat' ? chatHelp(platforms.names) : mainHelp(platforms.names));
      return command || values.help ? 0 : 2;
    }
    const env = options.env ?? process.env;
    const ctx: CliContext = {
      values,
      platforms,
      env,
      stdout,
      stderr,
      stdin: options.stdin ?? process.stdin,
      signal: options.signal ?? new AbortController().signal,
    };
    const help = (text: string): number => {
      stdout.write(text);
      return 0;
    };
    switch (command) {
      case 'chat':
        if (values.help) return help(chatHelp(platforms.names));
        loadDotEnv(env, values['env-file']);
        await runChat(ctx, rest[0], rest.length > 1 ? rest.slice(1).join(' ') : undefined);
        return 0;
      case 'mcp': {
        if (values.help) return help(MCP_HELP);
        loadDotEnv(env, values['env-file']);
        const mcp = await import('@kakehashi/mcp');
        await mcp.runMcpStdio({ platforms, env, signal: ctx.signal, logger: mcp.createStderrLogger() });
        return 0;
      }
      case 'demo':
        if (values.help) return help(DEMO_HELP);
        // The other commands load on use: `chat` starts without the server, the simulators or every SDK.
        await (await import('./cli-demo')).runDemo(ctx);
        return 0;
      case 'auth':
        loadDotEnv(env, values['env-file']);
        return await (await import('./cli-auth-check')).runAuthCheck(rest, ctx);
      case 'aliyun':
        loadDotEnv(env, values['env-file']);
        return await (await import('./cli-aliyun')).runAliyun(rest, ctx);
      case 'miibo':
        loadDotEnv(env, values['env-file']);
        return await (await import('./cli-miibo-group')).runMiiboGroup(rest, ctx);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    const code = exitCodeFor(error);
    stderr.write(`${code === 130 ? 'kakehashi: cancelled' : describeError(error)}\n`);
    return code;
  }
}

declare const __CLI_VERSION__: string | undefined;
const CLI_VERSION = typeof __CLI_VERSION__ === 'string' ? __CLI_VERSION__ : '0.0.0';
