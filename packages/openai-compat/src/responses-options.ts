import { InvalidArgumentError, validateArgument } from '@kakehashi/sse-core';
import { z } from 'zod';
import {
  type ChatCompletionsHandlerOptions,
  type ChatCompletionsOptions,
  type ResolvedChatOptions,
  resolveChatOptions,
} from './chat-completions-options';
import { type ConversationStore, createMemoryConversationStore } from './conversation-store';

/** How long a stored response can be fetched and continued by default: 30 days, as OpenAI keeps them. */
export const DEFAULT_RESPONSE_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Options of `createResponsesHandler`: those of the Chat Completions handler (`platforms`,
 * `provide`, `env`, `directory`, `heartbeatMs`, `firstEventWaitMs`, `maxBodyBytes`, `timeouts`,
 * `maxRetries`, `metrics`, `logger`, …, the same meaning), and where responses are kept.
 */
export interface ResponsesOptions extends ChatCompletionsOptions {
  /**
   * Where stored responses (`store: true`, the default) are kept, in the namespace `response`:
   * `GET /v1/responses/{id}` reads them and `previous_response_id` continues their platform session.
   * Default: an in-process store (`createMemoryConversationStore()`, 10,000 entries, gone on
   * restart); give a durable one (the server's SQLite or PostgreSQL) to survive restarts and share
   * them between instances.
   */
  store?: ConversationStore;
  /** How long a stored response can be fetched and continued, in ms. Default {@link DEFAULT_RESPONSE_TTL_MS} (30 days). */
  responseTtlMs?: number;
  /**
   * Keeps callers' responses apart: a response stored under one scope is unknown (404) under
   * another. Default: the request's `Authorization` header (each API key sees its own responses;
   * only a SHA-256 digest of it is stored). Return `undefined` to share one scope.
   */
  responseScope?: (request: Request) => string | undefined;
}

/**
 * The options of `createResponsesHandler`. As with the chat handler, a registered platform's name
 * may be given as a key of its own (`{ codeer: { apiKey } }`).
 */
export type ResponsesHandlerOptions = ResponsesOptions & { readonly [platform: string]: unknown };

/** The options, checked, with the defaults filled in. */
export interface ResolvedResponsesOptions extends ResolvedChatOptions {
  store: ConversationStore;
  responseTtlMs: number;
  responseScope: (request: Request) => string | undefined;
}

const ownSchema = z.strictObject({
  store: z
    .custom<ConversationStore>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as ConversationStore).get === 'function' &&
        typeof (v as ConversationStore).put === 'function',
      'must be a ConversationStore (get and put)',
    )
    .optional(),
  responseTtlMs: z.number().int('must be a whole number of milliseconds').positive().optional(),
  responseScope: z
    .custom<(request: Request) => string | undefined>((v) => typeof v === 'function', 'must be a function')
    .optional(),
});

const OWN = new Set(Object.keys(ownSchema.shape));

const authorizationScope = (request: Request): string | undefined => request.headers.get('authorization') ?? undefined;

/**
 * Checks the handler's options: its own here, the rest as the chat handler checks them.
 *
 * @throws InvalidArgumentError naming the bad option (`options.<key>`).
 */
export function resolveResponsesOptions(options: ResponsesHandlerOptions): ResolvedResponsesOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  const own: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) (OWN.has(key) ? own : rest)[key] = value;
  const o = validateArgument(ownSchema, own, 'options');
  return {
    ...resolveChatOptions(rest as ChatCompletionsHandlerOptions),
    store: o.store ?? createMemoryConversationStore(),
    responseTtlMs: o.responseTtlMs ?? DEFAULT_RESPONSE_TTL_MS,
    responseScope: o.responseScope ?? authorizationScope,
  };
}
