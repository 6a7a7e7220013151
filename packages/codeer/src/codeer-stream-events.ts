import { lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';

/**
 * The events of Codeer's message stream (`POST /chats/{chat_id}/messages` with `stream: true`), as the
 * platform sends them. Each payload's documented fields are checked; every other field is kept.
 */

const idFields = lazySchema(() => ({
  /** Identifies this response. */
  response_id: z.string().nullish(),
  /** The chat (an integer). */
  chat_id: z.union([z.number(), z.string()]).nullish(),
}));

/** Token counts, on the completed event and on reasoning steps. */
export const codeerUsageSchema = lazySchema(() =>
  z.looseObject({
    total_tokens: z.number().nullish(),
    total_prompt_tokens: z.number().nullish(),
    total_completion_tokens: z.number().nullish(),
    total_calls: z.number().nullish(),
  }),
);
/** Token counts as Codeer reports them. */
export type CodeerUsage = z.infer<typeof codeerUsageSchema>;

/**
 * A reasoning step. Its kind is in `type` (for example `consultant_retrieve_context_source`) or, in
 * newer servers, in `tool_name` (`retrieve_context_objs`); both are optional, and open-ended strings.
 */
export const codeerReasoningStepSchema = lazySchema(() =>
  z.looseObject({
    id: z.union([z.string(), z.number()]).nullish(),
    /** Human-readable text, for example `Searching the knowledge base`. */
    content: z.string().nullish(),
    type: z.string().nullish(),
    tool_name: z.string().nullish(),
    args: z.unknown().optional(),
    result: z.unknown().optional(),
    token_usage: codeerUsageSchema.nullish(),
    timestamp: z.string().nullish(),
  }),
);
/** A reasoning step as Codeer sends it. */
export type CodeerReasoningStep = z.infer<typeof codeerReasoningStepSchema>;

export const codeerCreatedEventSchema = lazySchema(() =>
  z.looseObject({
    type: z.literal('response.created'),
    ...idFields,
    agent_id: z.string().nullish(),
    /** The model, for example `gpt-4o`. */
    model: z.string().nullish(),
    conversation_group_id: z.string().nullish(),
    user_conversation_id: z.union([z.number(), z.string()]).nullish(),
  }),
);
/** The answer began. */
export type CodeerCreatedEvent = z.infer<typeof codeerCreatedEventSchema>;

export const codeerTitleUpdatedEventSchema = lazySchema(() =>
  z.looseObject({
    type: z.literal('response.chat.title.updated'),
    ...idFields,
    /** The generated chat title. */
    name: z.string(),
  }),
);
/** Codeer generated a title for the chat (usually after its first message). */
export type CodeerTitleUpdatedEvent = z.infer<typeof codeerTitleUpdatedEventSchema>;

export const codeerReasoningStepStartEventSchema = lazySchema(() =>
  z.looseObject({
    type: z.literal('response.reasoning_step.start'),
    ...idFields,
    step: codeerReasoningStepSchema,
  }),
);
/** A reasoning step (knowledge-base search, web search, tool call, form request…) began. */
export type CodeerReasoningStepStartEvent = z.infer<typeof codeerReasoningStepStartEventSchema>;

export const codeerReasoningStepEndEventSchema = lazySchema(() =>
  z.looseObject({
    type: z.literal('response.reasoning_step.end'),
    ...idFields,
    step: codeerReasoningStepSchema,
  }),
);
/** A reasoning step ended (`step.result`, `step.token_usage`). */
export type CodeerReasoningStepEndEvent = z.infer<typeof codeerReasoningStepEndEventSchema>;

export const codeerOutputTextDeltaEventSchema = lazySchema(() =>
  z.looseObject({
    type: z.literal('response.output_text.delta'),
    ...idFields,
    /** The next piece of the answer. */
    delta: z.string(),
  }),
);
/** A piece of the answer. */
export type CodeerOutputTextDeltaEvent = z.infer<typeof codeerOutputTextDeltaEventSchema>;

export const codeerOutputTextCompletedEventSchema = lazySchema(() =>
  z.looseObject({
    type: z.literal('response.output_text.completed'),
    ...idFields,
    /** The whole answer (documented name). */
    final_text: z.string().nullish(),
    /** The whole answer (name some servers use instead of `final_text`). */
    full_text: z.string().nullish(),
    usage: codeerUsageSchema.nullish(),
  }),
);
/** The answer is complete: the whole text and the token usage. */
export type CodeerOutputTextCompletedEvent = z.infer<typeof codeerOutputTextCompletedEventSchema>;

/** The event types that report a failure: documented, sent by Codeer's own samples, and Chat V2's. */
export const CODEER_ERROR_EVENT_TYPES = ['response.error', 'error', 'response.failed'] as const;

export const codeerErrorEventSchema = lazySchema(() =>
  z.looseObject({
    type: z.enum(CODEER_ERROR_EVENT_TYPES),
    ...idFields,
    message: z.string().nullish(),
    /** Codeer's error code (for example 10005), not an HTTP status. */
    code: z.union([z.number(), z.string()]).nullish(),
  }),
);
/** The stream failed (also sent when the server's 90 s stream timeout fires). */
export type CodeerErrorEvent = z.infer<typeof codeerErrorEventSchema>;

/** The `data: [DONE]` terminator. */
export interface CodeerDoneEvent {
  type: 'done';
}

/** A `data:` line that is not JSON (legacy plain-text streaming): its text is part of the answer. */
export interface CodeerPlainTextEvent {
  type: 'plain-text';
  /** The SSE `event:` name, when there was one. */
  event?: string;
  /** The raw data. */
  text: string;
}

/** An event this package does not know, passed through untouched. */
export interface CodeerUnknownEvent {
  type: 'unknown';
  /** The SSE `event:` name, when there was one. */
  event?: string;
  /** The payload's own `type`, when it had one. */
  originalType?: string;
  /** The parsed payload (or the raw text when it was not JSON). */
  data: unknown;
}

/** One event of a Codeer message stream. */
export type CodeerStreamEvent =
  | CodeerCreatedEvent
  | CodeerTitleUpdatedEvent
  | CodeerReasoningStepStartEvent
  | CodeerReasoningStepEndEvent
  | CodeerOutputTextDeltaEvent
  | CodeerOutputTextCompletedEvent
  | CodeerErrorEvent
  | CodeerDoneEvent
  | CodeerPlainTextEvent
  | CodeerUnknownEvent;

/** The schema of each known JSON event type. */
export const CODEER_STREAM_EVENT_SCHEMAS: Readonly<Record<string, z.ZodType<CodeerStreamEvent>>> = {
  'response.created': codeerCreatedEventSchema,
  'response.chat.title.updated': codeerTitleUpdatedEventSchema,
  'response.reasoning_step.start': codeerReasoningStepStartEventSchema,
  'response.reasoning_step.end': codeerReasoningStepEndEventSchema,
  'response.output_text.delta': codeerOutputTextDeltaEventSchema,
  'response.output_text.completed': codeerOutputTextCompletedEventSchema,
  'response.error': codeerErrorEventSchema,
  error: codeerErrorEventSchema,
  'response.failed': codeerErrorEventSchema,
};
