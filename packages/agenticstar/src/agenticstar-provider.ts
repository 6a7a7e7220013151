import {
  ApiCallError,
  callRetryOptions,
  MissingConfigError,
  ResponseDecodeError,
  batchReader,
  type BatchReadable,
  createAgentTurn,
  registerSecret,
  validateArgument,
  type AbortSignals,
  type AgentCallOptions,
  type AgentTurn,
  type AgentTurnInput,
  type ChatAgent,
  type SSEJsonMessage,
} from '@kakehashi/sse-core';
import { agentEventIterator } from './agenticstar-agent-events';
import {
  buildChatBody,
  callOptionsSchema,
  chatInputSchema,
  idSchema,
  listOptionsSchema,
  normaliseChatInput,
  type AgenticStarCallOptions,
  type AgenticStarChatInput,
  type AgenticStarListOptions,
} from './agenticstar-chat-request';
import { AgenticStarChatStream, type AgenticStarAnswer, type AgenticStarOpenedChat } from './agenticstar-chat-stream';
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
import { decodeAgenticStarMessages, toAgenticStarStreamEvent } from './agenticstar-stream-events';
import { AGENTICSTAR_PROVIDER, AgenticStarTurnState, type AgenticStarIdsListener } from './agenticstar-turn';
import { agenticStarTurnChatInput, turnInputSchema } from './agenticstar-turn-input';

/**
 * An AgenticStar client. Create one with {@link createAgenticStar}. It speaks the agent contract
 * ({@link startTurn}) and the platform's own terms ({@link streamChat}, {@link ask}, conversations).
 */
export interface AgenticStarProvider extends ChatAgent {
  /** `agenticstar`. */
  readonly provider: typeof AGENTICSTAR_PROVIDER;
  /**
   * The agent contract: starts a turn from OpenAI-style messages. The session is the
   * `conversationId`: given, it is continued (only the messages after the last assistant message are
   * sent, as the platform holds the history); otherwise it is known once the `start` event has passed.
   * `system` messages are sent as `system`; empty messages are left out; `userId` is not sent (the
   * platform has no such field). Nothing is sent until the first read.
   *
   * @throws InvalidArgumentError naming `input.messages`, `input.session`, `input.agentId`,
   * `input.userId` or `options.<field>`, before anything is sent.
   */
  startTurn(input: AgentTurnInput, options?: AgentCallOptions): AgentTurn;
  /**
   * Sends one chat turn (`POST /v1/chat/completions`) and resolves with its stream once the answer
   * has started (the response headers arrived): an HTTP error such as a 401 rejects here. A string is
   * shorthand for `{ message }`. Read the stream, or `cancel()` it: an unread stream holds its connection.
   *
   * @throws InvalidArgumentError (as a rejection) naming the field, before anything is sent.
   */
  streamChat(input: string | AgenticStarChatInput, options?: AgenticStarCallOptions): Promise<AgenticStarChatStream>;
  /** {@link streamChat} read to the end: the whole answer (text, `conversationId`, tasks, events). */
  ask(input: string | AgenticStarChatInput, options?: AgenticStarCallOptions): Promise<AgenticStarAnswer>;
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

function requestOptions(options: AgentCallOptions): ConversationPageRequest {
  const out: ConversationPageRequest = {};
  if (options.signal) out.signal = options.signal;
  if (options.timeouts) out.timeouts = options.timeouts;
  const retry = callRetryOptions(options);
  if (retry) out.retry = retry;
  if (options.headers) out.headers = options.headers;
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The caller's signal(s) plus one more, as one list. */
function withSignal(signals: AbortSignals | undefined, own: AbortSignal): AbortSignal[] {
  if (signals === undefined) return [own];
  return Array.isArray(signals) ? [...(signals as readonly AbortSignal[]), own] : [signals as AbortSignal, own];
}

/**
 * The messages of a contract turn: closing them after the turn was cancelled (a signal aborted) closes
 * the response at once, even while a read is pending; any other close lets the body end normally, so
 * that a finished answer's connection goes back to the pool.
 */
function turnMessages(
  opened: AgenticStarOpenedChat,
  signals: readonly AbortSignal[],
): AsyncIterator<SSEJsonMessage> & BatchReadable<SSEJsonMessage> {
  const inner = opened.messages;
  return {
    next: () => inner.next(),
    // One network read's messages at once, for the turn's batch read.
    nextBatch: batchReader(inner),
    async return() {
      if (signals.some((s) => s.aborted)) await opened.cancel();
      await inner.return?.();
      return { done: true, value: undefined };
    },
  };
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
    this.#runtime ??= createAgenticStarRuntime(this.#settings);
    return this.#runtime;
  }

  endpoints(): AgenticStarEndpoints {
    return { ...this.#rt().endpoints };
  }

  startTurn(input: AgentTurnInput, options?: AgentCallOptions): AgentTurn {
    const chat = agenticStarTurnChatInput(validateArgument(turnInputSchema, input, 'input'));
    const opts = validateArgument(listOptionsSchema, options ?? {}, 'options');
    return createAgentTurn({
      provider: AGENTICSTAR_PROVIDER,
      session: chat.conversationId,
      sessionOf: (start) => start.conversationId,
      signal: opts.signal,
      open: async (signals, turn) => {
        const opened = await this.#openChat(chat, opts, signals);
        // The conversation id may come in any chunk (message info or a task): the session follows it.
        const state = new AgenticStarTurnState({
          onIds: (ids) => ids.conversationId && turn.setSession(ids.conversationId),
        });
        return agentEventIterator(turnMessages(opened, signals), toAgenticStarStreamEvent, state);
      },
    });
  }

  async streamChat(
    input: string | AgenticStarChatInput,
    options?: AgenticStarCallOptions,
  ): Promise<AgenticStarChatStream> {
    const parsed = validateArgument(chatInputSchema, normaliseChatInput(input), 'input');
    const opts = validateArgument(callOptionsSchema, options ?? {}, 'options');
    return this.#stream(parsed, opts, undefined);
  }

  async ask(input: string | AgenticStarChatInput, options?: AgenticStarCallOptions): Promise<AgenticStarAnswer> {
    return (await this.streamChat(input, options)).collect();
  }

  conversation(conversationId?: string): AgenticStarConversation {
    if (conversationId !== undefined) validateArgument(idSchema, conversationId, 'conversationId');
    return new AgenticStarConversation(async (input, options, onIds) => {
      const parsed = validateArgument(chatInputSchema, input, 'input');
      const opts = validateArgument(callOptionsSchema, options ?? {}, 'options');
      return this.#stream(parsed, opts, onIds);
    }, conversationId);
  }

  getConversationPage(
    params: AgenticStarListConversationsParams = {},
    options?: AgenticStarListOptions,
  ): Promise<AgenticStarConversationPage> {
    try {
      const p = validateArgument(listConversationsSchema, params, 'params');
      const o = requestOptions(validateArgument(listOptionsSchema, options ?? {}, 'options'));
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
    const o = requestOptions(validateArgument(listOptionsSchema, options ?? {}, 'options'));
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

  /** Opens the request with the stream's own cancel signal beside the caller's, and wraps the response. */
  async #stream(
    parsed: AgenticStarChatInput,
    opts: AgenticStarCallOptions,
    onIds: AgenticStarIdsListener | undefined,
  ): Promise<AgenticStarChatStream> {
    const controller = new AbortController();
    const opened = await this.#openChat(parsed, opts, withSignal(opts.signal, controller.signal));
    const state = new AgenticStarTurnState(onIds ? { onIds } : {});
    return new AgenticStarChatStream(opened, state, (reason) => controller.abort(reason));
  }

  /**
   * Sends `POST /v1/chat/completions` and resolves once the answer has started: a `text/event-stream`
   * response whose headers arrived. HTTP errors, a JSON error envelope in a 2xx, missing configuration
   * reject here.
   */
  async #openChat(
    parsed: AgenticStarChatInput,
    opts: AgenticStarCallOptions,
    signal: AbortSignals,
  ): Promise<AgenticStarOpenedChat> {
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
    return { messages, requestId: res.requestId, cancel: () => res.cancel() };
  }
}

/**
 * Creates an AgenticStar client. Settings are checked now; credentials and the `AGENTICSTAR_*`
 * environment variables (or the `env` setting) are read on first use, so a missing one surfaces as a
 * `MissingConfigError` naming the variable, before any request is sent.
 *
 * @throws InvalidArgumentError naming the bad setting.
 */
export function createAgenticStar(settings: AgenticStarSettings = {}): AgenticStarProvider {
  const parsed = validateArgument(settingsSchema, settings, 'settings');
  // Registered at once, so that no error can show it even before the first request.
  if (parsed.clientSecret !== undefined) registerSecret(parsed.clientSecret);
  return new AgenticStarClient(parsed);
}
