import { lazySecret, lazySetting } from '@kakehashi/auth';
import {
  createAgentTurn,
  createHttpClient,
  callRetryOptions,
  flattenBatches,
  joinUrl,
  registerSecret,
  ResponseDecodeError,
  runtimeEnv,
  type AgentCallOptions,
  type AgentTurn,
  type AgentTurnInput,
  type ChatAgent,
  type HttpClientRequest,
  type HttpResponse,
  type TimeoutOptions,
} from '@kakehashi/sse-core';
import { agentEventBatches, MIIBO_PROVIDER } from './miibo-agent-events';
import {
  agentGroupStartResponseSchema,
  validateAgentGroupOptions,
  validateAgentGroupStart,
  type MiiboAgentGroupStartInput,
  type MiiboAgentGroupStartOptions,
  type MiiboAgentGroupStartResponse,
} from './miibo-agent-groups';
import {
  chatRequestBody,
  validateChatInput,
  validateStartConversationInput,
  type MiiboChatInput,
  type MiiboStartConversationInput,
} from './miibo-chat-input';
import { MiiboChatStream, type MiiboAnswer } from './miibo-chat-stream';
import { parseMiiboErrorBody } from './miibo-error-body';
import { validateRequestOptions, type MiiboRequestOptions } from './miibo-request-options';
import { RequestPacer } from './miibo-request-pacer';
import type { MiiboResponse } from './miibo-response';
import {
  MIIBO_AGENT_GROUPS_START_PATH,
  MIIBO_CONVERSATION_PATH,
  MIIBO_DEFAULT_BASE_URL,
  MIIBO_ENV,
  validateSettings,
  type MiiboSettings,
} from './miibo-settings';
import { miiboEventBatches, type MiiboDecodeOptions } from './miibo-stream-decoder';
import { miiboTurnRequest } from './miibo-turn-input';
import { signalList } from './miibo-validation';

/** The answer of a non-streaming conversation call (`askWithoutStreaming`, `startConversation`). */
export interface MiiboChatResult {
  /** The agent's reply: `bestResponse.utterance` (never the echoed top-level `utterance`). */
  text: string;
  /** The whole response object (options, topic, `userState`, …; unknown fields kept). */
  response: MiiboResponse;
  /** miibo's `isError` flag: a 200 whose text may be a canned failure message (limits, LLM errors). */
  isError: boolean;
  /** The request id from the response headers, if miibo sent one. */
  requestId: string | undefined;
}

/**
 * A miibo client. Create it with {@link createMiibo}. It speaks the agent contract (`startTurn`) and
 * miibo's own terms (`streamChat`, `ask`, `askWithoutStreaming`, `startConversation`, agent groups).
 */
export interface MiiboProvider extends ChatAgent {
  /** Always `miibo`. */
  readonly provider: 'miibo';
  /**
   * Always true: miibo streams the whole answer so far in every object and may rewrite it (a
   * `text-replace` that does not extend the text shown), so a reader that cannot take text back,
   * such as a pipe, should hold the text until `finish`.
   */
  readonly rewritesText: true;
  /** Conversation calls waiting for their pacing slot (`minIntervalMs`). */
  readonly queuedRequests: number;
  /**
   * The agent contract: one streamed turn from messages. The last user message is the utterance
   * (`''` starts a conversation); system messages are ignored (the agent keeps the instructions set
   * on miibo). The session is the `uid`: `input.session ?? input.userId ??` a new random id, so it
   * is known at once (`turn.session()`) and passing it to the next turn continues the conversation.
   * Nothing is sent until the first read.
   *
   * @throws InvalidArgumentError naming `input.messages`, `input.session`, `input.agentId`,
   * `input.userId` or `options.<field>`, before anything is sent.
   */
  startTurn(input: AgentTurnInput, options?: AgentCallOptions): AgentTurn;
  /**
   * One conversation turn, streamed (`stream: true`; with the agent's "use stream" setting off miibo
   * answers one plain JSON body, which is read the same way). Resolves once the answer starts
   * arriving; HTTP errors (401, a 5xx after retries) reject here.
   */
  streamChat(input: MiiboChatInput, options?: MiiboRequestOptions): Promise<MiiboChatStream>;
  /** {@link MiiboProvider.streamChat} read to the end: the whole answer (rejects with `AgentStreamError` on a failed or cut stream). */
  ask(input: MiiboChatInput, options?: MiiboRequestOptions): Promise<MiiboAnswer>;
  /** One conversation turn, not streamed (no `stream` field is sent): resolves with the agent's whole reply. */
  askWithoutStreaming(input: MiiboChatInput, options?: MiiboRequestOptions): Promise<MiiboChatResult>;
  /**
   * Starts a conversation: sends the empty utterance that tells the agent a user arrived (not
   * streamed), and returns its greeting.
   */
  startConversation(input?: MiiboStartConversationInput, options?: MiiboRequestOptions): Promise<MiiboChatResult>;
  /**
   * Starts an agent group run (beta): `POST /agent-groups/start` with the admin key in `X-API-Key`.
   * The input is validated first (1–5 agents, utterance ≤ 5,000 characters, e-mails, field names).
   * The result arrives later at `resultWebhookUrl` (see `verifyAgentGroupWebhook`).
   */
  startAgentGroup(
    input: MiiboAgentGroupStartInput,
    options?: MiiboAgentGroupStartOptions,
  ): Promise<MiiboAgentGroupStartResponse>;
}

const SYNC_MODE_HEADERS_MS = 31 * 60 * 1000;
const ACCEPT = 'application/json, text/plain, */*';

/**
 * Creates a miibo client. Credentials come from the settings or, lazily on first use, from
 * `MIIBO_API_KEY`, `MIIBO_AGENT_ID`, `MIIBO_ADMIN_API_KEY` and `MIIBO_BASE_URL` (in `settings.env`,
 * else `process.env`); a missing one throws `MissingConfigError` naming the variable, before
 * anything is sent.
 *
 * @throws InvalidArgumentError naming a bad setting (`settings.baseURL`), at once.
 */
export function createMiibo(settings: MiiboSettings = {}): MiiboProvider {
  const s = validateSettings(settings);
  const source = s.env ?? runtimeEnv();
  const apiKey = lazySecret({ value: s.apiKey, env: MIIBO_ENV.apiKey, setting: 'apiKey', source });
  const adminApiKey = lazySecret({ value: s.adminApiKey, env: MIIBO_ENV.adminApiKey, setting: 'adminApiKey', source });
  const agentId = lazySetting({ value: s.agentId, env: MIIBO_ENV.agentId, setting: 'agentId', source });
  const baseURL = lazySetting({
    value: s.baseURL,
    env: MIIBO_ENV.baseURL,
    setting: 'baseURL',
    default: MIIBO_DEFAULT_BASE_URL,
    kind: 'url',
    source,
  });
  const groupsBaseURL = (): string => (s.agentGroupsBaseURL ? s.agentGroupsBaseURL.replace(/\/+$/, '') : baseURL());
  const decodeOptions: MiiboDecodeOptions = { finalObject: s.finalObject ?? 'full-response' };
  const pacer = new RequestPacer(s.minIntervalMs ?? 0);
  const http = createHttpClient({
    baseURL,
    provider: MIIBO_PROVIDER,
    parseErrorBody: parseMiiboErrorBody,
    ...(s.headers ? { headers: s.headers } : {}),
    ...(s.fetch ? { fetch: s.fetch } : {}),
    ...(s.timeouts ? { timeouts: s.timeouts } : {}),
    retry: { maxRetries: s.maxRetries ?? 2 },
  });
  if (s.apiKey) registerSecret(s.apiKey);
  if (s.adminApiKey) registerSecret(s.adminApiKey);

  const transport = (options: MiiboRequestOptions): Partial<HttpClientRequest> => {
    const out: Partial<HttpClientRequest> = { headers: { accept: ACCEPT, ...options.headers } };
    if (options.signal) out.signal = options.signal;
    if (options.timeouts) out.timeouts = options.timeouts;
    const retry = callRetryOptions(options);
    if (retry) out.retry = retry;
    return out;
  };

  /** Resolves credentials (MissingConfigError before anything is sent), waits for a pacing slot, sends. */
  const sendChat = async (input: MiiboChatInput, options: MiiboRequestOptions, stream: boolean) => {
    const credentials = { apiKey: input.apiKey ?? apiKey(), agentId: input.agentId ?? agentId() };
    baseURL();
    const body = chatRequestBody(input, credentials, stream);
    await pacer.acquire(signalList(options.signal));
    return http.request({
      ...transport(options),
      path: MIIBO_CONVERSATION_PATH,
      method: 'POST',
      body: { json: body },
      ...(stream ? {} : { read: 'buffer' as const }),
    });
  };

  const readWhole = async (res: HttpResponse): Promise<MiiboChatResult> => {
    let final: MiiboResponse | undefined;
    let lastRaw: unknown;
    for await (const batch of miiboEventBatches(res.body(), { finalObject: 'last' })) {
      for (const event of batch) {
        if (event.type === 'final') final = event.response;
        else lastRaw = event.type === 'snapshot' ? event.response : event.raw;
      }
    }
    if (!final) {
      throw new ResponseDecodeError(
        'invalid-event',
        'miibo response has no answer: expected an object with a string bestResponse.utterance',
        { excerpt: lastRaw === undefined ? '' : JSON.stringify(lastRaw) },
      );
    }
    return {
      text: final.bestResponse.utterance,
      response: final,
      isError: final.isError === true,
      requestId: res.requestId,
    };
  };

  const streamChat = async (input: MiiboChatInput, options?: MiiboRequestOptions): Promise<MiiboChatStream> => {
    const valid = validateChatInput(input);
    const call = validateRequestOptions(options);
    const res = await sendChat(valid, call, true);
    return new MiiboChatStream(res, valid.uid, decodeOptions);
  };

  const askWithoutStreaming = async (input: MiiboChatInput, options?: MiiboRequestOptions) => {
    const valid = validateChatInput(input);
    const call = validateRequestOptions(options);
    return readWhole(await sendChat(valid, call, false));
  };

  return {
    provider: 'miibo',
    rewritesText: true,
    get queuedRequests() {
      return pacer.waiting;
    },
    startTurn(input, options) {
      const turn = miiboTurnRequest(input);
      const call = validateRequestOptions(options);
      const chat: MiiboChatInput = { utterance: turn.utterance, uid: turn.uid };
      if (turn.agentId !== undefined) chat.agentId = turn.agentId;
      return createAgentTurn({
        provider: MIIBO_PROVIDER,
        session: turn.uid,
        ...(call.signal ? { signal: call.signal } : {}),
        async open(signals) {
          const res = await sendChat(chat, { ...call, signal: signals }, true);
          return flattenBatches(agentEventBatches(miiboEventBatches(res.body(), decodeOptions), { uid: turn.uid }));
        },
      });
    },
    streamChat,
    async ask(input, options) {
      return (await streamChat(input, options)).collect();
    },
    askWithoutStreaming,
    async startConversation(input, options) {
      const valid = validateStartConversationInput(input);
      const call = validateRequestOptions(options);
      return readWhole(await sendChat({ ...valid, utterance: '' }, call, false));
    },
    async startAgentGroup(input, options) {
      const body = validateAgentGroupStart(input);
      const call = validateAgentGroupOptions(options);
      const key = adminApiKey();
      const url = joinUrl(groupsBaseURL(), MIIBO_AGENT_GROUPS_START_PATH);
      const request = transport(call);
      if (body.isSyncMode === true) {
        // A synchronous run answers only when done (up to 30 minutes), and re-sending would start it twice.
        request.timeouts = { headersMs: SYNC_MODE_HEADERS_MS, ...call.timeouts } satisfies TimeoutOptions;
        request.retry = { ...request.retry, maxRetries: call.maxRetries ?? 0 };
      }
      request.headers = { accept: ACCEPT, ...call.headers, 'X-API-Key': key };
      const json = await http.requestJson({
        ...request,
        path: url,
        method: 'POST',
        body: { json: { ...call.extraBody, ...body } },
      });
      const parsed = agentGroupStartResponseSchema.safeParse(json);
      if (!parsed.success) {
        throw new ResponseDecodeError(
          'invalid-event',
          'miibo agent group start response is not the documented object',
          {
            excerpt: JSON.stringify(json),
          },
        );
      }
      return parsed.data as MiiboAgentGroupStartResponse;
    },
  };
}
