import { createInterface } from 'node:readline/promises';
import { AgentStreamError, type AgentEvent } from '@kakehashi/sse-core';
import { UsageError } from './cli-errors';
import { Spinner, TextRenderer } from './cli-output';
import {
  CHAT_PROVIDERS,
  chatTurn,
  rememberIds,
  type ChatProviderName,
  type ChatProviderOverrides,
  type ChatSession,
} from './cli-providers';

export interface ChatCommandOptions {
  provider: string | undefined;
  message: string | undefined;
  session: ChatSession;
  json: boolean;
  signal: AbortSignal;
  overrides?: ChatProviderOverrides;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream;
}

export function parseProvider(name: string | undefined): ChatProviderName {
  if (!name) throw new UsageError(`chat needs a platform: ${CHAT_PROVIDERS.join(', ')}`);
  if (!(CHAT_PROVIDERS as readonly string[]).includes(name)) {
    throw new UsageError(`unknown platform "${name}": expected one of ${CHAT_PROVIDERS.join(', ')}`);
  }
  return name as ChatProviderName;
}

/**
 * One turn: streams the answer (text, or one AgentEvent JSON per line with --json). An `error` event
 * becomes a thrown AgentStreamError after what arrived has been printed, so the exit status is 1.
 */
export async function runChatTurn(
  provider: ChatProviderName,
  message: string,
  options: ChatCommandOptions,
): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const turn = chatTurn(provider, options.overrides);
  const spinner = options.json ? undefined : new Spinner(`${provider} is thinking…`, stderr).start();
  const renderer = new TextRenderer(stdout, stderr);
  let failure: AgentEvent | undefined;
  try {
    for await (const event of turn(message, options.session, options.signal)) {
      rememberIds(options.session, event);
      if (options.json) {
        stdout.write(`${JSON.stringify(event)}\n`);
      } else {
        if (event.type !== 'start') spinner?.stop();
        renderer.handle(event);
      }
      if (event.type === 'error') failure = event;
    }
  } finally {
    spinner?.stop();
  }
  if (!options.json) renderer.end();
  if (failure?.type === 'error') {
    throw new AgentStreamError(provider, failure.message, { code: failure.code, retryable: failure.retryable });
  }
}

/** `kakehashi chat`: one message, or an interactive session on a terminal when no message is given. */
export async function runChat(options: ChatCommandOptions): Promise<void> {
  const provider = parseProvider(options.provider);
  if (options.message !== undefined && options.message.trim() !== '') {
    await runChatTurn(provider, options.message, options);
    return;
  }
  if (!process.stdin.isTTY) {
    // Piped input: the whole of stdin is the message.
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const message = Buffer.concat(chunks).toString('utf8').trim();
    if (!message) throw new UsageError('chat needs a message (as arguments, or on stdin)');
    await runChatTurn(provider, message, options);
    return;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const stderr = options.stderr ?? process.stderr;
  stderr.write(`kakehashi chat ${provider} — an empty line or Ctrl-D ends the session\n`);
  try {
    for (;;) {
      let line: string;
      try {
        line = await rl.question('> ', { signal: options.signal });
      } catch {
        break; // Ctrl-D or Ctrl-C at the prompt
      }
      if (!line.trim()) break;
      try {
        await runChatTurn(provider, line, options);
      } catch (error) {
        if (options.signal.aborted) throw error;
        if (!AgentStreamError.isInstance(error)) throw error;
        stderr.write(`${error.message}\n`);
      }
    }
  } finally {
    rl.close();
  }
}
