import { registerSecret, type TimeoutOptions } from '@kakehashi/sse-core';
import { z } from 'zod';
import { toBareBase64 } from './miibo-base64-image';
import {
  abortSignalSchema,
  headerRecordSchema,
  maxRetriesSchema,
  nonEmpty,
  timeoutsSchema,
  validate,
} from './miibo-validation';

/** Per-call transport options, shared by every method. */
export interface MiiboRequestOptions {
  /** Cancels the call: while queued for pacing, while waiting, and while the answer streams. */
  signal?: AbortSignal;
  /** Overrides the provider's timeouts for this call (merged field by field). */
  timeouts?: TimeoutOptions;
  /** Overrides the provider's retry count for this call. */
  maxRetries?: number;
  /** Extra HTTP headers for this call. */
  headers?: Record<string, string>;
}

/** One conversation turn: miibo's documented request fields, in camelCase. */
export interface MiiboChatOptions extends MiiboRequestOptions {
  /**
   * The user's message (`utterance`). Required, but may be `''`: an empty utterance tells the agent
   * that a conversation starts (see `startConversation`).
   */
  utterance: string;
  /**
   * The end user's id (`uid`), unique per user, e.g. `myservice_12345`. Needed for scenario dialogue
   * and for state to persist; users sharing a uid share history and state.
   */
  uid?: string;
  /** User state to set (`state`): keys to string values (miibo stores strings only). */
  state?: Record<string, string>;
  /** The utterance used when the conversation starts (`start_utterance`). */
  startUtterance?: string;
  /**
   * An image for vision-capable models (`base64_image`): base64 text (a `data:…;base64,` prefix is
   * stripped, as miibo wants the bare base64) or the image bytes.
   */
  base64Image?: string | Uint8Array;
  /** Record the utterance without an AI (LLM) answer (`disable_ai_response`). */
  disableAiResponse?: boolean;
  /** Answer without using the conversation history (`disable_history`). */
  disableHistory?: boolean;
  /**
   * A token that replaces `@{thirdPartyToken}` in the agent's webhook URLs and payloads and in
   * function-calling parameters, for this call only (`third_party_token`). Treated as a secret.
   */
  thirdPartyToken?: string;
  /** Talk to this agent instead of the provider's `agentId`. */
  agentId?: string;
  /** This agent's API key, when it differs from the provider's `apiKey`. Treated as a secret. */
  apiKey?: string;
  /**
   * Further body fields sent as given (for fields miibo adds later). Documented fields, `api_key`,
   * `agent_id` and `stream` always win.
   */
  extraBody?: Record<string, unknown>;
}

/** The fields of {@link MiiboChatOptions} except `utterance` (for `startConversation`). */
export type MiiboStartConversationOptions = Omit<MiiboChatOptions, 'utterance'>;

const requestOptionShape = {
  signal: abortSignalSchema.optional(),
  timeouts: timeoutsSchema.optional(),
  maxRetries: maxRetriesSchema.optional(),
  headers: headerRecordSchema.optional(),
};

const chatShape = {
  ...requestOptionShape,
  utterance: z.string(),
  uid: nonEmpty.optional(),
  state: z
    .record(z.string(), z.string({ error: 'state values must be strings (miibo stores strings only)' }))
    .optional(),
  startUtterance: z.string().optional(),
  base64Image: z
    .union([z.string(), z.instanceof(Uint8Array)], { error: 'must be a base64 string or a Uint8Array' })
    .refine((v) => toBareBase64(v) !== undefined, {
      error: 'must be non-empty base64 (optionally with a data:…;base64, prefix)',
    })
    .optional(),
  disableAiResponse: z.boolean().optional(),
  disableHistory: z.boolean().optional(),
  thirdPartyToken: nonEmpty.optional(),
  agentId: nonEmpty.optional(),
  apiKey: nonEmpty.optional(),
  extraBody: z.record(z.string(), z.unknown()).optional(),
};

const chatOptionsSchema = z.strictObject(chatShape);
const CHAT_FIELDS = Object.keys(chatShape);
export const requestOptionsSchema = z.strictObject(requestOptionShape);
export const REQUEST_OPTION_FIELDS = Object.keys(requestOptionShape);

/** Validates chat options (before anything is sent); registers the secrets among them. */
export function validateChatOptions(options: unknown, name = 'options'): MiiboChatOptions {
  const parsed = validate(chatOptionsSchema, CHAT_FIELDS, options, name) as MiiboChatOptions;
  registerSecret(parsed.apiKey);
  registerSecret(parsed.thirdPartyToken);
  return parsed;
}

/** The JSON body of one conversation call, in miibo's wire names. */
export function chatRequestBody(
  options: MiiboChatOptions,
  credentials: { apiKey: string; agentId: string },
  stream: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...options.extraBody };
  body.api_key = credentials.apiKey;
  body.agent_id = credentials.agentId;
  body.utterance = options.utterance;
  if (options.uid !== undefined) body.uid = options.uid;
  if (options.state !== undefined) body.state = options.state;
  if (options.startUtterance !== undefined) body.start_utterance = options.startUtterance;
  if (options.base64Image !== undefined) body.base64_image = toBareBase64(options.base64Image);
  if (options.disableAiResponse !== undefined) body.disable_ai_response = options.disableAiResponse;
  if (options.disableHistory !== undefined) body.disable_history = options.disableHistory;
  if (options.thirdPartyToken !== undefined) body.third_party_token = options.thirdPartyToken;
  if (stream) body.stream = true;
  else delete body.stream;
  return body;
}
