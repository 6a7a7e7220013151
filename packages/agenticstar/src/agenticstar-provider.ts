import {
  ApiCallError,
  MissingConfigError,
  ResponseDecodeError,
  registerSecret,
  validateArgument,
} from '@kakehashi/sse-core';
import {
  buildChatBody,
  callOptionsSchema,
  chatInputSchema,
  plainCallOptions,
  plainChatInput,
  normaliseChatInput,
  type AgenticStarCallOptions,
  type AgenticStarChatInput,
} from './agenticstar-chat-request';
import { AgenticStarChatStream, type AgenticStarChatResult } from './agenticstar-chat-stream';
import { createAgenticStarRuntime, type AgenticStarEndpoints, type AgenticStarRuntime } from './agenticstar-config';
import { AgenticStarConversation } from './agenticstar-conversation';
import {
  conversationPages,
  fetchConversationPage,
  listConversationsSchema,
  type AgenticStarConversationPage,
  type AgenticStarConversationSummary,
  type AgenticStarListConversationsParams,
  type ConversationPageRequest,
} from './agenticstar-conversations';
import {
  AGENTICSTAR_DEFAULT_MODEL,
  AGENTICSTAR_ENV,
  settingsSchema,
  type AgenticStarSettings,
} from './agenticstar-settings';
import { decodeAgenticStarMessages } from './agenticstar-stream-events';
import { AGENTICSTAR_PROVIDER, AgenticStarTurnState, type AgenticStarIdsListener } from './agenticstar-turn';

/** Per-call options of the conversations list (no `onComment`: it is not a stream). */
export type AgenticStarListOptions = Omit<AgenticStarCallOptions, 'onComment'>;

/** An AgenticStar client. Create one with {@link createAgenticStar}. */
export interface AgenticStarProvider {
  /** `agenticstar`. */
  readonly provider: typeof AGENTICSTAR_PROVIDER;
  /**
   * Starts a streaming chat turn (`POST /v1/chat/completions`). Input is checked now; the request is
   * sent when you start reading the returned stream. A string is shorthand for `{ message }`.
   *
   * @throws InvalidArgumentError naming the field, before anything is sent.
   */
  streamChat(input: string | AgenticStarChatInput, options?: AgenticStarCallOptions): AgenticStarChatStream;
  /** Sends a chat turn and returns the whole answer (text, `conversationId`, tasks, events). */
  chat(input: string | AgenticStarChatInput, options?: AgenticStarCallOptions): Promise<AgenticStarChatResult>;
  /** A conversation that carries its `conversationId` from turn to turn; pass an id to continue an existing one. */
  conversation(conversationId?: string): AgenticStarConversation;
  /** One page of `GET /v1/conversations`. */
  getConversationPage(
    params?: AgenticStarListConversationsParams,
    options?: AgenticStarListOptions,
  ): Promise<AgenticStarConversationPage>;
  /** Every page of `GET /v1/conversations`, following the cursor until `hasMore` is false. */
  listConversationPages(
    params?: AgenticStarListConversationsParams,
    options?: AgenticStarListOptions,
  ): AsyncGenerator<AgenticStarConversationPage, void, undefined>;
  /** Every conversation, page after page (the next page is fetched when the previous one is used up). */
  listConversations(
    params?: AgenticStarListConversationsParams,
    options?: AgenticStarListOptions,
  ): AsyncGenerator<AgenticStarConversationSummary, void, undefined>;
  /**
   * The edition, base URL, token URL and agent id in effect (reads the environment on first use).
   *
   * @throws MissingConfigError / InvalidArgumentError as the first request would.
   */
  endpoints(): AgenticStarEndpoints;
}

function requestOptions(options: AgenticStarCallOptions | undefined): ConversationPageRequest {
  const out: ConversationPageRequest = {};
  if (options?.signal) out.signal = options.signal;
  if (options?.timeouts) out.timeouts = options.timeouts;
  if (options?.maxRetries !== undefined) out.retry = { maxRetries: options.maxRetries };
  if (options?.headers) out.headers = options.headers;
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class AgenticStarClient implements AgenticStarProvider {
  readonly provider = AGENTICSTAR_PROVIDER;
  readonly #settings: AgenticStarSettings;
  #runtime: AgenticStarRuntime | undefined;

  constructor(settings: AgenticStarSettings) {
    this.#settings = settings;
  }

  /** Resolves the settings on first use (environment read here); a failure is not cached. */
  #rt(): AgenticStarRuntime {
    return (this.#runtime ??= createAgenticStarRuntime(this.#settings));
  }

  endpoints(): AgenticStarEndpoints {
    return { ...this.#rt().endpoints };
  }

  streamChat(input: string | AgenticStarChatInput, options?: AgenticStarCallOptions): AgenticStarChatStream {
    return this.#startTurn(input, options, undefined);
  }

  chat(input: string | AgenticStarChatInput, options?: AgenticStarCallOptions): Promise<AgenticStarChatResult> {
    try {
      return this.streamChat(input, options).collect();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  conversation(conversationId?: string): AgenticStarConversation {
    if (conversationId !== undefined)
      validateArgument(chatInputSchema.shape.conversationId, conversationId, 'conversationId');
    return new AgenticStarConversation(
      (input, options, onIds) => this.#startTurn(input, options, onIds),
      conversationId,
    );
  }

  getConversationPage(
    params: AgenticStarListConversationsParams = {},
    options?: AgenticStarListOptions,
  ): Promise<AgenticStarConversationPage> {
    try {
      const p = validateArgument(listConversationsSchema, params, 'params');
      const o = requestOptions(validateArgument(callOptionsSchema.omit({ onComment: true }), options ?? {}, 'options'));
      return fetchConversationPage(this.#rt().client, p, o);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  listConversationPages(
    params: AgenticStarListConversationsParams = {},
    options?: AgenticStarListOptions,
  ): AsyncGenerator<AgenticStarConversationPage, void, undefined> {
    const p = validateArgument(listConversationsSchema, params, 'params');
    const o = requestOptions(validateArgument(callOptionsSchema.omit({ onComment: true }), options ?? {}, 'options'));
    return conversationPages((page) => fetchConversationPage(this.#rt().client, page, o), p);
  }

  listConversations(
    params: AgenticStarListConversationsParams = {},
    options?: AgenticStarListOptions,
  ): AsyncGenerator<AgenticStarConversationSummary, void, undefined> {
    const pages = this.listConversationPages(params, options);
    return (async function* () {
      for await (const page of pages) yield* page.items;
    })();
  }

  #startTurn(
    input: string | AgenticStarChatInput,
    options: AgenticStarCallOptions | undefined,
    onIds: AgenticStarIdsListener | undefined,
  ): AgenticStarChatStream {
    const normalised = normaliseChatInput(input);
    const parsed =
      plainChatInput(normalised) ?? (validateArgument(chatInputSchema, normalised, 'input') as AgenticStarChatInput);
    const opts: AgenticStarCallOptions =
      plainCallOptions(options) ?? validateArgument(callOptionsSchema, options ?? {}, 'options');
    const state = new AgenticStarTurnState(onIds ? { onIds } : {});
    const open = async (signal: AbortSignal | readonly AbortSignal[]) => {
      const rt = this.#rt();
      const agentId = parsed.agentId ?? rt.endpoints.agentId;
      if (rt.endpoints.edition === 'marketplace' && agentId === undefined)
        throw new MissingConfigError('agentId', AGENTICSTAR_ENV.agentId);
      const inQuery = this.#settings.agentIdPlacement === 'query';
      const body = buildChatBody(parsed, {
        model: this.#settings.model ?? AGENTICSTAR_DEFAULT_MODEL,
        agentId,
        agentIdInBody: !inQuery,
      });
      const res = await rt.client.request({
        path: '/v1/chat/completions',
        method: 'POST',
        body: { json: body },
        ...(inQuery && agentId !== undefined ? { query: { agentId } } : {}),
        ...requestOptions(opts),
        signal,
      });
      if (res.contentType === 'application/json') {
        // Not a stream: an error envelope in a 2xx, or a non-streaming answer this package does not read.
        const json = await res.json<unknown>();
        const error = isRecord(json) ? (json.error ?? (json.success === false ? json : undefined)) : undefined;
        if (error !== undefined) {
          const e = isRecord(error) ? error : {};
          const message =
            typeof e.message === 'string' ? e.message : typeof error === 'string' ? error : 'error response';
          const code = typeof e.code === 'string' || typeof e.code === 'number' ? e.code : undefined;
          throw new ApiCallError({
            url: res.url,
            status: res.status,
            provider: AGENTICSTAR_PROVIDER,
            message,
            code,
            requestId: res.requestId,
            bodyExcerpt: JSON.stringify(json),
            retryable: false,
          });
        }
        throw new ResponseDecodeError(
          'invalid-event',
          `Expected a text/event-stream answer from ${res.url}, got application/json`,
          { excerpt: JSON.stringify(json) },
        );
      }
      const messages = decodeAgenticStarMessages(res.body(), opts.onComment ? { onComment: opts.onComment } : {});
      return { messages, requestId: res.requestId };
    };
    return new AgenticStarChatStream(open, state, opts.signal);
  }
}

/**
 * Creates an AgenticStar client. Settings are checked now; credentials and the `AGENTICSTAR_*`
 * environment variables are read on first use, so a missing one surfaces as a `MissingConfigError`
 * naming the variable, before any request is sent.
 *
 * @throws InvalidArgumentError naming the bad setting.
 */
export function createAgenticStar(settings: AgenticStarSettings = {}): AgenticStarProvider {
  const parsed = validateArgument(settingsSchema, settings, 'settings') as AgenticStarSettings;
  // Registered at once, so that no error can show it even before the first request.
  if (parsed.clientSecret !== undefined) registerSecret(parsed.clientSecret);
  return new AgenticStarClient(parsed);
}
