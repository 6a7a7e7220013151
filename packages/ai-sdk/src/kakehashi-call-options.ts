import type { LanguageModelV4CallOptions, SharedV4Warning } from '@ai-sdk/provider';
import type { AgentCallOptions, HeaderRecord, TimeoutOptions } from '@kakehashi/sse-core';
import { validateArgument } from '@kakehashi/sse-core';
import { z } from 'zod';
import { KAKEHASHI_KEY } from './kakehashi-replaced-text';

/**
 * Per-call options, passed as `providerOptions: { kakehashi: { … } }` to `generateText` / `streamText`.
 * Checked strictly: an unknown key or a bad value is an error naming it.
 */
export interface KakehashiCallOptions {
  /**
   * The platform session to continue (the Codeer chat, the AgenticStar conversation, the miibo
   * `uid`), as an earlier call returned it in `providerMetadata.kakehashi.session`. Wins over the
   * session this provider would find from the history.
   */
  session?: string;
  /** The end user the turn runs for: miibo `uid` when no session is given, Codeer `external_user_id`. */
  userId?: string;
  /** Time to headers, idle gap between bytes, and total time of this call, in ms (`0` switches one off). */
  timeouts?: TimeoutOptions;
  /** Retries before the first byte of the answer (0 turns them off). Default: the platform SDK's (2). */
  maxRetries?: number;
}

const nonEmpty = z.string().trim().min(1, { error: 'must be a non-empty string' });
const millis = z.number().int().nonnegative();

const callOptionsSchema = z.strictObject({
  session: nonEmpty.optional(),
  userId: nonEmpty.optional(),
  timeouts: z
    .strictObject({ headersMs: millis.optional(), idleMs: millis.optional(), totalMs: millis.optional() })
    .optional(),
  maxRetries: z.number().int().nonnegative().max(10).optional(),
});

/** Reads and checks `providerOptions.kakehashi`; the error names the field (`providerOptions.kakehashi.session`). */
export function kakehashiCallOptions(options: LanguageModelV4CallOptions): KakehashiCallOptions {
  const own = options.providerOptions?.[KAKEHASHI_KEY];
  if (own === undefined) return {};
  return validateArgument(callOptionsSchema, own, `providerOptions.${KAKEHASHI_KEY}`) as KakehashiCallOptions;
}

/** The contract's call options for one AI SDK call. */
export function agentCallOptions(options: LanguageModelV4CallOptions, own: KakehashiCallOptions): AgentCallOptions {
  const out: AgentCallOptions = {};
  if (options.abortSignal) out.signal = options.abortSignal;
  if (options.headers) out.headers = options.headers as HeaderRecord;
  if (own.timeouts) out.timeouts = own.timeouts;
  if (own.maxRetries !== undefined) out.maxRetries = own.maxRetries;
  return out;
}

const SAMPLING: ReadonlyArray<[keyof LanguageModelV4CallOptions, string]> = [
  ['maxOutputTokens', 'the answer length is set on the agent'],
  ['temperature', 'sampling is set on the agent'],
  ['topP', 'sampling is set on the agent'],
  ['topK', 'sampling is set on the agent'],
  ['presencePenalty', 'sampling is set on the agent'],
  ['frequencyPenalty', 'sampling is set on the agent'],
  ['seed', 'sampling is set on the agent'],
  ['stopSequences', 'the agent decides where its answer ends'],
];

/**
 * The call settings an agent platform cannot honour, as AI SDK warnings (the call goes ahead
 * without them; nothing is dropped silently).
 */
export function unsupportedSettings(options: LanguageModelV4CallOptions, platform: string): SharedV4Warning[] {
  const warnings: SharedV4Warning[] = [];
  for (const [key, why] of SAMPLING) {
    const value = options[key];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    warnings.push({ type: 'unsupported', feature: key, details: `${platform} agents take no ${key}: ${why}` });
  }
  if (options.tools !== undefined && options.tools.length > 0) {
    const names = options.tools.map((t) => t.name).join(', ');
    warnings.push({
      type: 'unsupported',
      feature: 'tools',
      details: `${platform} agents run their own tools and cannot call the application's (${names}); they were not sent`,
    });
  }
  if (options.toolChoice !== undefined && options.toolChoice.type !== 'auto' && options.toolChoice.type !== 'none') {
    warnings.push({
      type: 'unsupported',
      feature: 'toolChoice',
      details: `${platform} agents cannot be made to call a tool (toolChoice "${options.toolChoice.type}")`,
    });
  }
  if (options.responseFormat !== undefined && options.responseFormat.type !== 'text') {
    warnings.push({
      type: 'unsupported',
      feature: 'responseFormat',
      details: `${platform} agents answer in text; JSON output cannot be requested (ask for it in the message instead)`,
    });
  }
  if (options.reasoning !== undefined && options.reasoning !== 'provider-default') {
    warnings.push({
      type: 'unsupported',
      feature: 'reasoning',
      details: `${platform} agents take no reasoning effort ("${options.reasoning}")`,
    });
  }
  return warnings;
}
