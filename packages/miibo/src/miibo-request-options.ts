import { type AbortSignals, type HeaderRecord, type TimeoutOptions, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';
import { abortSignalsSchema, headerRecordSchema, maxRetriesSchema, timeoutsSchema, validate } from './miibo-validation';

/**
 * Per-call options, the second argument of every call (`streamChat`, `ask`, `askWithoutStreaming`,
 * `startConversation`, `startAgentGroup`) and of `startTurn`. They mean the same as the agent
 * contract's `AgentCallOptions`.
 */
export interface MiiboRequestOptions {
  /**
   * Cancels the call: while it waits for its pacing slot, while it waits for the answer, and while the
   * answer streams (the pending read rejects with `AbortError` and the connection is closed). Several
   * signals: any one of them cancels.
   */
  signal?: AbortSignals;
  /** Overrides the provider's timeouts for this call, field by field (`headersMs`, `idleMs`, `totalMs`; `0` switches one off). */
  timeouts?: TimeoutOptions;
  /** Overrides the provider's retry count for this call (`0` turns retries off). */
  maxRetries?: number;
  /** Longest `Retry-After` waited out before a retry, in ms (default 60,000); a longer one fails the call at once. */
  maxRetryAfterMs?: number;
  /** Extra HTTP headers for this call; they win over the provider's `headers`, and `undefined` drops one. */
  headers?: HeaderRecord;
}

/** The schema pieces of {@link MiiboRequestOptions}, reused by calls that take more options. */
export const requestOptionShape = lazySchema(() => ({
  signal: abortSignalsSchema.optional(),
  timeouts: timeoutsSchema.optional(),
  maxRetries: maxRetriesSchema.optional(),
  maxRetryAfterMs: z.number().nonnegative().optional(),
  headers: headerRecordSchema.optional(),
}));

const requestOptionsSchema: z.ZodType<MiiboRequestOptions> = lazySchema(() => z.strictObject(requestOptionShape));

/** Fields of the conversation input that callers put in the options by mistake, with where they go. */
export const INPUT_FIELDS_IN_OPTIONS: Readonly<Record<string, string>> = Object.fromEntries(
  [
    'utterance',
    'uid',
    'state',
    'startUtterance',
    'base64Image',
    'disableAiResponse',
    'disableHistory',
    'thirdPartyToken',
    'agentId',
    'apiKey',
    'extraBody',
  ].map((field) => [field, `${field} belongs in the first argument, the input`]),
);

/** Validates per-call options (`undefined` is no options). */
export function validateRequestOptions(options: unknown, name = 'options'): MiiboRequestOptions {
  if (options === undefined) return {};
  return validate(requestOptionsSchema, Object.keys(requestOptionShape), options, name, INPUT_FIELDS_IN_OPTIONS);
}
