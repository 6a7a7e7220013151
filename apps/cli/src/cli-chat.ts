import { createAgentDirectory } from '@kakehashi/platforms';
import {
  AbortError,
  type AgentEvent,
  type AgentMessage,
  AgentStreamError,
  type AgentTurn,
  type AgentTurnInput,
  type ChatAgent,
  InvalidArgumentError,
} from '@kakehashi/sse-core';
import { openAgent, type TurnFlags, turnFlags, turnInput } from './cli-agent';
import { AnswerRenderer } from './cli-answer-renderer';
import { type CliContext, type CliStream, envSetting } from './cli-context';
import { UsageError } from './cli-errors';
import { colorFor, Spinner } from './cli-output';

/** How one turn is shown. */
export interface ChatTurnOutput {
  /** One `AgentEvent` JSON per line on stdout instead of text. */
  json: boolean;
  stdout: CliStream;
  stderr: CliStream;
  /** Cancels the turn (`AgentTurn.cancel()`) when aborted. */
  signal: AbortSignal;
  /** For `NO_COLOR` / `FORCE_COLOR`. */
  env: Record<string, string | undefined>;
  /** Which flag named the session, for error messages. */
  sessionFlag?: string;
  /** Called with the turn once it has started (an interactive session reads its session after a cancel). */
  onStart?: (turn: AgentTurn) => void;
}

/** What a finished turn leaves: its answer and the session that continues it. */
export interface ChatTurnResult {
  text: string;
  session: string | undefined;
}

/**
 * One turn through the agent contract: streams the answer (text, or one AgentEvent JSON per line
 * with `json`). An `error` event becomes a thrown AgentStreamError once what arrived has been shown,
 * so the exit status is 1. An abort of `signal` cancels the turn.
 */
export async function runChatTurn(
  agent: ChatAgent,
  input: AgentTurnInput,
  output: ChatTurnOutput,
): Promise<ChatTurnResult> {
  const { stdout, stderr, signal } = output;
  if (signal.aborted) throw new AbortError(signal.reason);
  const turn = startTurn(agent, input, output.sessionFlag);
  output.onStart?.(turn);
  const cancel = () => turn.cancel(new AbortError(signal.reason));
  signal.addEventListener('abort', cancel, { once: true });
  let failure: Extract<AgentEvent, { type: 'error' }> | undefined;
  let text = '';
  try {
    if (output.json) {
      for await (const event of turn) {
        stdout.write(`${JSON.stringify(event)}\n`);
        if (event.type === 'error') failure ??= event;
        if (event.type === 'finish') text = event.text;
        if (signal.aborted) break;
      }
    } else {
      const spinner = new Spinner(`${agent.provider} is thinking…`, stderr).start();
      const renderer = new AnswerRenderer({
        out: stdout,
        err: stderr,
        holdText: agent.rewritesText === true && stdout.isTTY !== true,
        color: colorFor(stderr, output.env),
        spinner,
      });
      try {
        for await (const event of turn) {
          renderer.handle(event);
          if (event.type === 'error') failure ??= event;
          if (signal.aborted) break;
        }
      } finally {
        renderer.end();
        spinner.stop();
      }
      text = renderer.answer;
      const session = turn.session();
      if (!signal.aborted && failure === undefined && session !== undefined && session !== input.session) {
        renderer.status(`↳ session ${session} (continue with --session ${session})`);
      }
    }
  } finally {
    signal.removeEventListener('abort', cancel);
  }
  // A cancel between two reads ends the stream as a cut one would; the abort is what happened.
  if (signal.aborted) throw new AbortError(signal.reason);
  if (failure !== undefined) {
    throw new AgentStreamError(agent.provider, failure.message, {
      ...(failure.code !== undefined ? { code: failure.code } : {}),
      retryable: failure.retryable,
      partialText: text,
    });
  }
  return { text, session: turn.session() };
}

/** Starts the turn; a bad input is reported in the CLI's words (the flag, not the contract's field). */
function startTurn(agent: ChatAgent, input: AgentTurnInput, sessionFlag = '--session'): AgentTurn {
  try {
    return agent.startTurn(input);
  } catch (error) {
    if (!InvalidArgumentError.isInstance(error)) throw error;
    const field = error.argument;
    const flag = field.startsWith('input.session')
      ? sessionFlag
      : field.startsWith('input.agentId')
        ? '--agent'
        : field.startsWith('input.userId')
          ? '--user'
          : field.startsWith('input.messages')
            ? 'the message'
            : undefined;
    if (flag === undefined) throw error;
    throw new UsageError(`${flag}: ${error.reason}`);
  }
}

/**
 * `kakehashi chat <platform> [message…]`: one message (from the arguments, or the whole of stdin
 * when it is not a terminal), or an interactive session on a terminal that continues the platform's
 * session from turn to turn.
 */
export async function runChat(
  ctx: CliContext,
  platform: string | undefined,
  message: string | undefined,
): Promise<void> {
  const flags = turnFlags(ctx.values);
  const directory = createAgentDirectory({ platforms: ctx.platforms, ...envSetting(ctx) });
  const agent = await openAgent(directory, platform, flags);
  const output: ChatTurnOutput = {
    json: ctx.values.json ?? false,
    stdout: ctx.stdout,
    stderr: ctx.stderr,
    signal: ctx.signal,
    env: ctx.env,
    ...(flags.sessionFlag !== undefined ? { sessionFlag: flags.sessionFlag } : {}),
  };
  if (message !== undefined && message.trim() !== '') {
    await runChatTurn(agent, turnInput([{ role: 'user', content: message }], flags), output);
    return;
  }
  if (!ctx.stdin.isTTY) {
    // Piped input: the whole of stdin is the message.
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    const piped = Buffer.concat(chunks).toString('utf8').trim();
    if (!piped) throw new UsageError('chat needs a message (as arguments, or on stdin)');
    await runChatTurn(agent, turnInput([{ role: 'user', content: piped }], flags), output);
    return;
  }
  await interactive(ctx, agent, flags, output);
}

/**
 * Turns read from the terminal until an empty line or Ctrl-D; each continues the session of the one
 * before. Ctrl-C (read by readline as a key: the terminal is in raw mode) cancels the answer in
 * progress and comes back to the prompt with the session kept; on a line being typed it clears the
 * line; at an empty prompt, or again before the prompt is back, it ends the session (exit status 130).
 */
async function interactive(ctx: CliContext, agent: ChatAgent, flags: TurnFlags, output: ChatTurnOutput): Promise<void> {
  // readline draws its prompt on stderr, so stdout keeps only answers. Loaded only for a session.
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: ctx.stdin, output: ctx.stderr as NodeJS.WritableStream });
  const ended = new AbortController();
  const sessionSignal = AbortSignal.any([ctx.signal, ended.signal]);
  let answering: AbortController | undefined;
  let asking: AbortController | undefined;
  const onInterrupt = (): void => {
    if (answering !== undefined && !answering.signal.aborted) answering.abort(new Error('cancelled with Ctrl-C'));
    else if (asking !== undefined && rl.line !== '') asking.abort();
    else ended.abort(new Error('cancelled with Ctrl-C'));
  };
  rl.on('SIGINT', onInterrupt);
  ctx.stderr.write(
    `kakehashi chat ${agent.provider} — an empty line or Ctrl-D ends the session, Ctrl-C cancels an answer\n`,
  );
  const history: AgentMessage[] = [];
  let session = flags.session;
  try {
    for (;;) {
      asking = new AbortController();
      let line: string;
      try {
        line = await rl.question('> ', { signal: AbortSignal.any([sessionSignal, asking.signal]) });
      } catch {
        if (sessionSignal.aborted) throw new AbortError(sessionSignal.reason); // Ctrl-C at an empty prompt
        if (asking.signal.aborted) continue; // Ctrl-C on a line being typed: readline cleared it
        break; // Ctrl-D
      } finally {
        asking = undefined;
      }
      if (!line.trim()) break;
      history.push({ role: 'user', content: line });
      const cancel = new AbortController();
      answering = cancel;
      let started: AgentTurn | undefined;
      try {
        const result = await runChatTurn(agent, turnInput(history, flags, session), {
          ...output,
          signal: AbortSignal.any([sessionSignal, cancel.signal]),
          onStart: (turn) => (started = turn),
        });
        history.push({ role: 'assistant', content: result.text });
        session = result.session ?? session;
      } catch (error) {
        history.pop();
        if (sessionSignal.aborted) throw error;
        if (cancel.signal.aborted) {
          // The platform may have started a session for the cancelled turn: the next one continues it.
          session = started?.session() ?? session;
          ctx.stderr.write('↳ answer cancelled (Ctrl-C at an empty prompt ends the session)\n');
          continue;
        }
        if (!AgentStreamError.isInstance(error)) throw error;
        ctx.stderr.write(`${error.message}\n`);
      } finally {
        answering = undefined;
      }
    }
  } finally {
    rl.off('SIGINT', onInterrupt);
    rl.close();
  }
}
