import { parseArgs } from 'node:util';
import { runAliyun } from './cli-aliyun';
import { runAuthCheck } from './cli-auth-check';
import { runChat } from './cli-chat';
import { runDemo } from './cli-demo';
import { loadDotEnv } from './cli-env';
import { UsageError, describeError, exitCodeFor } from './cli-errors';
import { CHAT_HELP, MAIN_HELP } from './cli-help';
import { runMiiboGroup } from './cli-miibo-group';

const OPTIONS = {
  agent: { type: 'string' },
  chat: { type: 'string' },
  conversation: { type: 'string' },
  uid: { type: 'string' },
  user: { type: 'string' },
  channel: { type: 'string' },
  region: { type: 'string' },
  utterance: { type: 'string' },
  member: { type: 'string', multiple: true },
  'group-name': { type: 'string' },
  mission: { type: 'string' },
  description: { type: 'string' },
  email: { type: 'string', multiple: true },
  server: { type: 'string' },
  wait: { type: 'boolean' },
  'wait-seconds': { type: 'string' },
  json: { type: 'boolean' },
  'env-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

export type CliValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Runs the command line; resolves with the exit status. */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  let interrupted = 0;
  const onSigint = () => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    controller.abort(new Error('cancelled with Ctrl-C'));
  };
  process.on('SIGINT', onSigint);
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    const [command, ...rest] = positionals;
    if (values.version) {
      process.stdout.write(`kakehashi ${CLI_VERSION}\n`);
      return 0;
    }
    if (!command || (values.help && !command)) {
      process.stdout.write(MAIN_HELP);
      return command || values.help ? 0 : 2;
    }
    loadDotEnv(values['env-file']);
    const signal = controller.signal;
    switch (command) {
      case 'chat':
        if (values.help) return help(CHAT_HELP);
        await runChat({
          provider: rest[0],
          message: rest.length > 1 ? rest.slice(1).join(' ') : undefined,
          session: { agent: values.agent, chat: values.chat, conversation: values.conversation, uid: values.uid },
          json: values.json ?? false,
          signal,
        });
        return 0;
      case 'demo':
        if (values.help)
          return help(
            'kakehashi demo\n\nStarts every platform simulator and the gateway in-process and walks through each platform:\na streamed chat each, an AppServer token and an agent group whose result arrives by webhook.\nNo credentials, no network.\n',
          );
        await runDemo({ signal, json: values.json ?? false });
        return 0;
      case 'auth':
        return await runAuthCheck(rest, values, signal);
      case 'aliyun':
        return await runAliyun(rest, values, signal);
      case 'miibo':
        return await runMiiboGroup(rest, values, signal);
      case 'help':
        process.stdout.write(rest[0] === 'chat' ? CHAT_HELP : MAIN_HELP);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    const code = exitCodeFor(error);
    process.stderr.write(`${code === 130 ? 'kakehashi: cancelled' : describeError(error)}\n`);
    return code;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function help(text: string): number {
  process.stdout.write(text);
  return 0;
}

declare const __CLI_VERSION__: string | undefined;
const CLI_VERSION = typeof __CLI_VERSION__ === 'string' ? __CLI_VERSION__ : '0.0.0';
