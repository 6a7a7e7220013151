import { z } from 'zod';
import { timeoutsSchema, type AgenticStarTimeouts } from './agenticstar-settings';

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

/** Per-call options. Unknown keys are rejected. */
export interface AgenticStarCallOptions {
  /** Cancels the call (and its stream). */
  signal?: AbortSignal;
  /** Timeouts for this call, over the provider's. */
  timeouts?: AgenticStarTimeouts;
  /** Retries for this call, over the provider's. */
  maxRetries?: number;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
  /** Called for every SSE comment of a chat stream: `connected`, then `heartbeat` about every 30 s while the agent works. */
  onComment?: (comment: string) => void;
}

const nonEmpty = z.string().min(1, 'must not be empty');

const messageSchema = z.strictObject({
  role: z.enum(['user', 'assistant', 'system']),
  content: nonEmpty,
});

const fileSchema = z.union([nonEmpty, z.looseObject({ fileId: nonEmpty })]);

export const chatInputSchema = z
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
  });

export const callOptionsSchema = z.strictObject({
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'must be an AbortSignal').optional(),
  timeouts: timeoutsSchema.optional(),
  maxRetries: z.number().int().nonnegative().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  onComment: z.custom<(comment: string) => void>((v) => typeof v === 'function', 'must be a function').optional(),
});

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

const PLAIN_INPUT_KEYS = new Set(['message', 'messages', 'conversationId', 'agentId', 'model']);
const ROLES = new Set(['user', 'assistant', 'system']);

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * A fast path in front of {@link chatInputSchema} for the common inputs (`message` or plain
 * `messages`, with `conversationId`, `agentId` or `model`): a copy of the input, equal to what the
 * schema returns, or `undefined` for anything else, which the schema then judges. Saves the schema's
 * cost on every chat call of a busy gateway; the package's tests hold the two to the same results.
 */
export function plainChatInput(value: unknown): AgenticStarChatInput | undefined {
  if (!isPlainRecord(value)) return undefined;
  const out: AgenticStarChatInput = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (!PLAIN_INPUT_KEYS.has(key)) return undefined;
    if (key === 'messages') {
      if (!Array.isArray(v) || v.length === 0) return undefined;
      const messages: AgenticStarMessage[] = [];
      for (const m of v as unknown[]) {
        if (!isPlainRecord(m)) return undefined;
        const keys = Object.keys(m);
        if (keys.length !== 2 || !('role' in m) || !('content' in m)) return undefined;
        if (typeof m.role !== 'string' || !ROLES.has(m.role) || !isNonEmptyString(m.content)) return undefined;
        messages.push({ role: m.role as AgenticStarMessage['role'], content: m.content });
      }
      out.messages = messages;
    } else {
      if (!isNonEmptyString(v)) return undefined;
      (out as Record<string, string>)[key] = v;
    }
  }
  return (out.message === undefined) !== (out.messages === undefined) ? out : undefined;
}

/** The same for {@link callOptionsSchema}: `{}` or `{ signal }` copied, else `undefined`. */
export function plainCallOptions(value: unknown): { signal?: AbortSignal } | undefined {
  if (value === undefined) return {};
  if (!isPlainRecord(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length === 0) return {};
  if (keys.length === 1 && keys[0] === 'signal' && value.signal instanceof AbortSignal) return { signal: value.signal };
  return undefined;
}
