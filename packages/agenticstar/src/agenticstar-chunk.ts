import { lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';

/**
 * Tolerant schemas of the stream's chunks: every documented field is typed, every unknown field is
 * kept (`z.looseObject`), ids may be strings or numbers, and `null` is accepted wherever OpenAI-style
 * servers send it.
 */

const id = lazySchema(() => z.union([z.string(), z.number()]));

/** An agent task in `delta.tasks` (`messageId`, `conversationId`, `actionType`, `callId`, `title`, `status`, `timestamp` in epoch ms). */
export const agenticStarTaskSchema = lazySchema(() =>
  z.looseObject({
    messageId: id.nullish(),
    conversationId: id.nullish(),
    actionType: z.string().nullish(),
    callId: id.nullish(),
    title: z.string().nullish(),
    status: z.string().nullish(),
    timestamp: z.union([z.number(), z.string()]).nullish(),
  }),
);

/** `delta.messageInfo` of the role chunk. Its fields are not documented; the ids are read when present. */
export const agenticStarMessageInfoSchema = lazySchema(() =>
  z.looseObject({
    conversationId: id.nullish(),
    messageId: id.nullish(),
  }),
);

/** A choice's `delta`: `role` and `messageInfo` (first chunk), `content`, `tasks`, and anything else, kept. */
export const agenticStarDeltaSchema = lazySchema(() =>
  z.looseObject({
    role: z.string().nullish(),
    content: z.string().nullish(),
    messageInfo: agenticStarMessageInfoSchema.nullish(),
    tasks: z.array(agenticStarTaskSchema).nullish(),
  }),
);

/** One choice. The platform sends camelCase `finishReason`; OpenAI-style `finish_reason` is read too. */
export const agenticStarChoiceSchema = lazySchema(() =>
  z.looseObject({
    index: z.number().nullish(),
    delta: agenticStarDeltaSchema.nullish(),
    finishReason: z.string().nullish(),
    finish_reason: z.string().nullish(),
  }),
);

/** Token counts, should the platform send OpenAI-style `usage` (not documented). */
export const agenticStarUsageSchema = lazySchema(() =>
  z.looseObject({
    prompt_tokens: z.number().nullish(),
    completion_tokens: z.number().nullish(),
    total_tokens: z.number().nullish(),
    promptTokens: z.number().nullish(),
    completionTokens: z.number().nullish(),
    totalTokens: z.number().nullish(),
  }),
);

/** A chunk: `{createdAt, model: "AGENTIC STAR", choices: [...]}`, plus OpenAI's `id` / `usage` if sent. */
export const agenticStarChunkSchema = lazySchema(() =>
  z.looseObject({
    id: id.nullish(),
    createdAt: z.union([z.string(), z.number()]).nullish(),
    model: z.string().nullish(),
    choices: z.array(agenticStarChoiceSchema),
    usage: agenticStarUsageSchema.nullish(),
  }),
);

/** An agent task (unknown fields kept). */
export type AgenticStarTask = z.infer<typeof agenticStarTaskSchema>;
/** `delta.messageInfo` (unknown fields kept). */
export type AgenticStarMessageInfo = z.infer<typeof agenticStarMessageInfoSchema>;
/** A choice's delta (unknown fields kept). */
export type AgenticStarDelta = z.infer<typeof agenticStarDeltaSchema>;
/** One choice (unknown fields kept). */
export type AgenticStarChoice = z.infer<typeof agenticStarChoiceSchema>;
/** A stream chunk (unknown fields kept). */
export type AgenticStarChunk = z.infer<typeof agenticStarChunkSchema>;

const isOptionalString = (v: unknown) => v === undefined || v === null || typeof v === 'string';
const isOptionalId = (v: unknown) => v === undefined || v === null || typeof v === 'string' || typeof v === 'number';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isPlainMessageInfo(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  return isRecord(v) && isOptionalId(v.conversationId) && isOptionalId(v.messageId);
}

function isPlainTasks(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const t = v[i] as unknown;
    if (!isRecord(t)) return false;
    if (
      !isOptionalId(t.messageId) ||
      !isOptionalId(t.conversationId) ||
      !isOptionalId(t.callId) ||
      !isOptionalId(t.timestamp)
    )
      return false;
    if (!isOptionalString(t.actionType) || !isOptionalString(t.title) || !isOptionalString(t.status)) return false;
  }
  return true;
}

/**
 * A fast check, field for field the same as {@link agenticStarChunkSchema} without `usage`: true
 * only when the schema would accept the value unchanged. Chunks with `usage` (not documented, rare)
 * go through the schema. Saves the schema's cost on every chunk of a long answer; the package's tests
 * hold the two to the same verdicts.
 */
export function isPlainAgenticStarChunk(value: Record<string, unknown>): value is AgenticStarChunk {
  if (
    !isOptionalId(value.id) ||
    !isOptionalId(value.createdAt) ||
    !isOptionalString(value.model) ||
    value.usage !== undefined
  )
    return false;
  const choices = value.choices;
  if (!Array.isArray(choices)) return false;
  for (let i = 0; i < choices.length; i++) {
    const c = choices[i] as unknown;
    if (!isRecord(c)) return false;
    if (!(c.index === undefined || c.index === null || typeof c.index === 'number')) return false;
    if (!isOptionalString(c.finishReason) || !isOptionalString(c.finish_reason)) return false;
    const d = c.delta;
    if (d === undefined || d === null) continue;
    if (!isRecord(d)) return false;
    if (
      !isOptionalString(d.content) ||
      !isOptionalString(d.role) ||
      !isPlainMessageInfo(d.messageInfo) ||
      !isPlainTasks(d.tasks)
    )
      return false;
  }
  return true;
}
