import type { AgentDirectory } from '@kakehashi/platforms';
import { AbortError, type AgentTurn, type AgentTurnInput, applyAgentEvent } from '@kakehashi/sse-core';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { describeStreamError, describeToolFailure, type ToolFailure, type ToolPlatformInfo } from './mcp-errors';
import { log, type McpLogger } from './mcp-logger';
import type { ResolvedMcpOptions } from './mcp-options';
import { createProgressReporter } from './mcp-progress';

/** The input of every `<platform>_chat` tool. */
export const chatToolInputShape = {
  message: z.string().describe("The user's message to the agent."),
  agent: z
    .string()
    .optional()
    .describe('The agent id to talk to. Without it the configured default agent answers (where one is configured).'),
  session: z
    .string()
    .optional()
    .describe(
      'The `session` of an earlier result, to continue that conversation. Without it a new conversation starts.',
    ),
};

/** The structured result of every `<platform>_chat` tool. */
export const chatToolOutputShape = {
  text: z.string().describe("The agent's whole answer."),
  session: z
    .string()
    .optional()
    .describe('Pass this back as `session` with the next message to continue the conversation.'),
};

/** What a chat tool receives. */
export interface ChatToolArgs {
  message: string;
  agent?: string | undefined;
  session?: string | undefined;
}

/** What a chat tool answers: `structuredContent` is `{ text, session }`. */
export interface ChatToolStructuredResult {
  [key: string]: unknown;
  text: string;
  session?: string;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** A blank optional field counts as not given (tool-calling models often send `""`). */
function given(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function failed(failure: ToolFailure): CallToolResult {
  return { content: [{ type: 'text', text: failure.message }], isError: true };
}

/** Internal: what the handler needs from the server. */
export interface ChatToolContext extends Pick<ResolvedMcpOptions, 'progressIntervalMs' | 'callOptions'> {
  directory: AgentDirectory;
  logger: McpLogger | undefined;
}

/**
 * Runs one `<platform>_chat` call: one turn of the platform's agent, read to its end, with progress
 * notifications when the client asked for them. `extra.signal` (the client's `notifications/cancelled`,
 * or the connection closing) cancels the turn at once. Every failure is a result with `isError: true`
 * and one line; nothing is thrown.
 */
export async function runChatTool(
  ctx: ChatToolContext,
  platform: ToolPlatformInfo,
  args: ChatToolArgs,
  extra: Extra,
): Promise<CallToolResult> {
  const tool = `${platform.name}_chat`;
  const startedAt = performance.now();
  const signal = extra.signal;
  const progress = createProgressReporter(
    { progressToken: extra._meta?.progressToken, send: (n) => extra.sendNotification(n) },
    platform.title,
    ctx.progressIntervalMs,
  );
  let turn: AgentTurn | undefined;
  const onAbort = () => turn?.cancel(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const fail = (failure: ToolFailure): CallToolResult => {
    const fields = { tool, kind: failure.kind, durationMs: Math.round(performance.now() - startedAt) };
    if (failure.kind === 'cancelled') log(ctx.logger, 'debug', fields, `${tool} cancelled by the client`);
    else log(ctx.logger, 'warn', fields, `${tool} failed: ${failure.message}`);
    return failed(failure);
  };
  try {
    if (signal.aborted) throw new AbortError(signal.reason);
    const agent = await ctx.directory.agent(platform.name);
    const input: AgentTurnInput = { messages: [{ role: 'user', content: args.message }] };
    const session = given(args.session);
    const agentId = given(args.agent);
    if (session !== undefined) input.session = session;
    if (agentId !== undefined) input.agentId = agentId;
    turn = agent.startTurn(input, { ...ctx.callOptions, signal });
    if (signal.aborted) turn.cancel(signal.reason);
    let text = '';
    let finalText: string | undefined;
    for await (const event of turn) {
      if (event.type === 'error') return fail(describeStreamError(event, platform));
      text = applyAgentEvent(text, event);
      if (event.type === 'finish') finalText = event.text;
      await progress.event(event, text);
    }
    await progress.settle();
    if (signal.aborted) throw new AbortError(signal.reason);
    const answer = finalText ?? text;
    const next = turn.session();
    const structured: ChatToolStructuredResult =
      next === undefined ? { text: answer } : { text: answer, session: next };
    log(
      ctx.logger,
      'debug',
      { tool, durationMs: Math.round(performance.now() - startedAt), chars: answer.length },
      `${tool} answered`,
    );
    return { content: [{ type: 'text', text: answer }], structuredContent: structured };
  } catch (error) {
    const failure = describeToolFailure(error, platform);
    if (failure.kind === 'internal') {
      log(
        ctx.logger,
        'error',
        { tool, error: error instanceof Error ? error.name : typeof error },
        `${tool}: ${String(error)}`,
      );
    }
    return fail(failure);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
