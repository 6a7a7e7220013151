import { registerSecret, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';
import { toBareBase64 } from './miibo-base64-image';
import { nonEmpty, validate } from './miibo-validation';

/**
 * One conversation turn, the first argument of `streamChat`, `ask` and `askWithoutStreaming`:
 * miibo's documented request fields, in camelCase. Transport options (`signal`, `timeouts`,
 * `maxRetries`, `headers`) go in the second argument.
 */
export interface MiiboChatInput {
  /**
   * The user's message (`utterance`). Required, but may be `''`: an empty utterance tells the agent
   * that a conversation starts (see `startConversation`).
   */
  utterance: string;
  /**
   * The end user's id (`uid`), unique per user, e.g. `myservice_12345`. miibo keeps the history and
   * the state per uid: users sharing a uid share both, and scenario dialogue needs one.
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

/** The fields of {@link MiiboChatInput} except `utterance` (for `startConversation`). */
export type MiiboStartConversationInput = Omit<MiiboChatInput, 'utterance'>;

const chatInputShape = lazySchema(() => ({
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
}));

const chatInputSchema: z.ZodType<MiiboChatInput> = lazySchema(() => z.strictObject(chatInputShape));
const startConversationSchema: z.ZodType<MiiboStartConversationInput> = lazySchema(() =>
  z.strictObject(chatInputShape).omit({
    utterance: true,
  }),
);

/** Transport options that callers put in the input by mistake (the 0.x API took them together). */
const OPTIONS_IN_INPUT: Readonly<Record<string, string>> = Object.fromEntries(
  ['signal', 'timeouts', 'maxRetries', 'maxRetryAfterMs', 'headers'].map((field) => [
    field,
    `${field} belongs in the second argument, the call options`,
  ]),
);

function registerInputSecrets<T extends MiiboStartConversationInput>(parsed: T): T {
  registerSecret(parsed.apiKey);
  registerSecret(parsed.thirdPartyToken);
  return parsed;
}

/** Validates a conversation input (before anything is sent); registers the secrets among it. */
export function validateChatInput(input: unknown, name = 'input'): MiiboChatInput {
  return registerInputSecrets(validate(chatInputSchema, Object.keys(chatInputShape), input, name, OPTIONS_IN_INPUT));
}

/** Validates the input of `startConversation` (`undefined` is no input). */
export function validateStartConversationInput(input: unknown, name = 'input'): MiiboStartConversationInput {
  if (input === undefined) return {};
  return registerInputSecrets(
    validate(
      startConversationSchema,
      Object.keys(chatInputShape).filter((f) => f !== 'utterance'),
      input,
      name,
      OPTIONS_IN_INPUT,
    ),
  );
}

/** The JSON body of one conversation call, in miibo's wire names. */
export function chatRequestBody(
  input: MiiboChatInput,
  credentials: { apiKey: string; agentId: string },
  stream: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...input.extraBody };
  body.api_key = credentials.apiKey;
  body.agent_id = credentials.agentId;
  body.utterance = input.utterance;
  if (input.uid !== undefined) body.uid = input.uid;
  if (input.state !== undefined) body.state = input.state;
  if (input.startUtterance !== undefined) body.start_utterance = input.startUtterance;
  if (input.base64Image !== undefined) body.base64_image = toBareBase64(input.base64Image);
  if (input.disableAiResponse !== undefined) body.disable_ai_response = input.disableAiResponse;
  if (input.disableHistory !== undefined) body.disable_history = input.disableHistory;
  if (input.thirdPartyToken !== undefined) body.third_party_token = input.thirdPartyToken;
  if (stream) body.stream = true;
  else delete body.stream;
  return body;
}
