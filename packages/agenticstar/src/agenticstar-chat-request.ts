import { type AbortSignals, type AgentCallOptions, type HeaderRecord, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';
import { timeoutsSchema } from './agenticstar-settings';

/** One message. The role rules (system prompts, history versus `conversationId`) are not documented. */
export interface AgenticStarMessage {
  /** Who speaks: `user`, `assistant` or `system`. */
  role: 'user' | 'assistant' | 'system';
  /** The text (the prompt goes here, per the connection guide). */
  content: string;
}

/** An uploaded file to attach: its `fileId`, or an object with `fileId` and any further fields (sent as given). */
export type AgenticStarFileReference = string | ({ fileId: string } & Record<string, unknown>);

/** What to send to `POST /v1/chat/completions`. Unknown keys are rejected; use `extraBody` for undocumented fields. */
export interface AgenticStarChatInput {
  /** The prompt, sent as `messages: [{role: 'user', content}]`. Give this or `messages`. */
  message?: string;
  /** Messages in OpenAI style. Give this or `message`. */
  messages?: AgenticStarMessage[];
  /** Continue this conversation (from a previous answer's `conversationId`); omit to start a new one. */
  conversationId?: string;
  /** `true` (platform default): autonomous agent run; `false`: a direct LLM answer. */
  agentMode?: boolean;
  /** `default` (platform default) or `high_performance`: the LLM used for agent reasoning. */
  agentLevel?: 'default' | 'high_performance';
  /** Uploaded files to attach, by `fileId` (sent as `files: [{fileId}]`). The upload endpoint is not documented. */
  files?: AgenticStarFileReference[];
  /** Marketplace agent id for this call (overrides the setting / `AGENTICSTAR_AGENT_ID`). */
  agentId?: string;
  /** `model` for this call. Default: the setting (`AGENTIC STAR`). */
  model?: string;
  /** Further body fields, merged last (they may replace the ones above). */
  extraBody?: Record<string, unknown>;
}

/**
 * Per-call options of the conversations list, and of `startTurn` (the agent contract's
 * `AgentCallOptions`): `signal` (one or a list; any one cancels), `headers`, `timeouts`, `maxRetries`, `maxRetryAfterMs`,
 * each over the client's settings. Unknown keys are rejected.
 */
export type AgenticStarListOptions = AgentCallOptions;

/** Per-call options of `streamChat` and `ask`. Unknown keys are rejected. */
export interface AgenticStarCallOptions extends AgentCallOptions {
  /** Called for every SSE comment of a chat stream: `connected`, then `heartbeat` about every 30 s while the agent works. */
  onComment?: (comment: string) => void;
}

const nonEmpty = lazySchema(() => z.string().min(1, 'must not be empty'));

/** A non-empty string: the conversation id check `conversation(id)` and the contract's session share. */
export const idSchema = nonEmpty;

const messageSchema = lazySchema(() =>
  z.strictObject({
    role: z.enum(['user', 'assistant', 'system']),
    content: nonEmpty,
  }),
);

const fileSchema = lazySchema(() => z.union([nonEmpty, z.looseObject({ fileId: nonEmpty })]));

export const chatInputSchema: z.ZodType<AgenticStarChatInput> = lazySchema(() =>
  z
    .strictObject({
      message: nonEmpty.optional(),
      messages: z.array(messageSchema).min(1, 'must hold at least one message').optional(),
      conversationId: nonEmpty.optional(),
      agentMode: z.boolean().optional(),
      agentLevel: z.enum(['default', 'high_performance']).optional(),
      files: z.array(fileSchema).optional(),
      agentId: nonEmpty.optional(),
      model: nonEmpty.optional(),
      extraBody: z.record(z.string(), z.unknown()).optional(),
    })
    .superRefine((input, ctx) => {
      if (input.message === undefined && input.messages === undefined) {
        ctx.addIssue({ code: 'custom', path: ['message'], message: 'is required (or give messages)' });
      } else if (input.message !== undefined && input.messages !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['messages'], message: 'give either message or messages, not both' });
      }
    }),
);

const isSignal = (v: unknown): v is AbortSignal => v instanceof AbortSignal;

const signalSchema = lazySchema(() =>
  z.custom<AbortSignals>(
    (v) => isSignal(v) || (Array.isArray(v) && v.every(isSignal)),
    'must be an AbortSignal or a list of AbortSignals',
  ),
);

const headersSchema: z.ZodType<HeaderRecord> = lazySchema(() => z.record(z.string(), z.string().optional()));

const listOptionsShape = lazySchema(() => ({
  signal: signalSchema.optional(),
  timeouts: timeoutsSchema.optional(),
  maxRetries: z.number().int().nonnegative().optional(),
  maxRetryAfterMs: z.number().nonnegative().optional(),
  headers: headersSchema.optional(),
}));

export const listOptionsSchema: z.ZodType<AgenticStarListOptions> = lazySchema(() => z.strictObject(listOptionsShape));

export const callOptionsSchema: z.ZodType<AgenticStarCallOptions> = lazySchema(() =>
  z.strictObject({
    ...listOptionsShape,
    onComment: z.custom<(comment: string) => void>((v) => typeof v === 'function', 'must be a function').optional(),
  }),
);

/** A string is shorthand for `{ message }`. */
export function normaliseChatInput(input: unknown): unknown {
  return typeof input === 'string' ? { message: input } : input;
}

/** The JSON body of `POST /v1/chat/completions`. */
export function buildChatBody(
  input: AgenticStarChatInput,
  defaults: { model: string; agentId: string | undefined; agentIdInBody: boolean },
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: input.model ?? defaults.model,
    stream: true,
    messages: input.messages ?? [{ role: 'user', content: input.message }],
  };
  if (input.conversationId !== undefined) body.conversationId = input.conversationId;
  if (input.agentMode !== undefined) body.agentMode = input.agentMode;
  if (input.agentLevel !== undefined) body.agentLevel = input.agentLevel;
  if (input.files !== undefined) body.files = input.files.map((f) => (typeof f === 'string' ? { fileId: f } : f));
  if (defaults.agentIdInBody && defaults.agentId !== undefined) body.agentId = defaults.agentId;
  if (input.extraBody) Object.assign(body, input.extraBody);
  return body;
}
