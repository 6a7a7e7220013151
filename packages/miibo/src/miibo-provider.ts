import { lazySecret, lazySetting } from '@kakehashi/auth';
import {
  createHttpClient,
  joinUrl,
  registerSecret,
  ResponseDecodeError,
  type AgentEventStream,
  type HttpClientRequest,
  type HttpResponse,
  type TimeoutOptions,
} from '@kakehashi/sse-core';
import {
  agentGroupStartResponseSchema,
  validateAgentGroupStart,
  type MiiboAgentGroupStartInput,
  type MiiboAgentGroupStartResponse,
} from './miibo-agent-groups';
import { MIIBO_PROVIDER } from './miibo-agent-events';
import {
  chatRequestBody,
  REQUEST_OPTION_FIELDS,
  requestOptionsSchema,
  validateChatOptions,
  type MiiboChatOptions,
  type MiiboRequestOptions,
  type MiiboStartConversationOptions,
} from './miibo-chat-options';
import { MiiboChatStream, type MiiboCollectedAnswer } from './miibo-chat-stream';
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
import { miiboEventBatches } from './miibo-stream-decoder';
import { parseMiiboErrorBody } from './miibo-error-body';
import { validate } from './miibo-validation';
import { z } from 'zod';

/** The answer of a non-streaming conversation call. */
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

/** Per-call options of `startAgentGroup`. */
export interface MiiboAgentGroupStartOptions extends MiiboRequestOptions {
  /** Further body fields sent as given (for fields miibo adds later). Validated fields win. */
  extraBody?: Record<string, unknown>;
}

/** A miibo client. Create it with {@link createMiibo}. */
export interface MiiboProvider {
  /** Always `miibo`. */
  readonly provider: 'miibo';
  /** Conversation calls waiting for their pacing slot (`minIntervalMs`). */
  readonly queuedRequests: number;
  /** One conversation turn, not streamed: resolves with the agent's whole reply. */
  chat(options: MiiboChatOptions): Promise<MiiboChatResult>;
  /** Starts a conversation: sends the empty utterance that tells the agent a user arrived, and returns its greeting. */
  startConversation(options?: MiiboStartConversationOptions): Promise<MiiboChatResult>;
  /**
   * One conversation turn, streamed (`stream: true`; the agent's "use stream" setting must be on,
   * otherwise miibo answers one plain JSON body, which is handled the same way). Resolves once the
   * answer starts arriving; HTTP errors reject here.
   */
  streamChat(options: MiiboChatOptions): Promise<MiiboChatStream>;
  /** {@link MiiboProvider.streamChat} read as `AgentEvent`s in one call (errors before the first event are thrown). */
  streamAgentEvents(options: MiiboChatOptions): AgentEventStream;
  /** Streams a turn and collects the whole answer (rejects with `AgentStreamError` on a failed or cut stream). */
  collectAnswer(options: MiiboChatOptions): Promise<MiiboCollectedAnswer>;
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

const groupOptionsSchema = requestOptionsSchema.extend({ extraBody: z.record(z.string(), z.unknown()).optional() });

/**
 * Creates a miibo client. Credentials come from the settings or, lazily on first use, from
 * `MIIBO_API_KEY`, `MIIBO_AGENT_ID`, `MIIBO_ADMIN_API_KEY` and `MIIBO_BASE_URL`; a missing one
 * throws `MissingConfigError` naming the variable. Settings are validated at once.
 */
export function createMiibo(settings: MiiboSettings = {}): MiiboProvider {
  const s = validateSettings(settings);
  const source = s.env;
  const apiKey = lazySecret({
    value: s.apiKey,
    env: MIIBO_ENV.apiKey,
    setting: 'apiKey',
    ...(source ? { source } : {}),
  });
  const adminApiKey = lazySecret({
    value: s.adminApiKey,
    env: MIIBO_ENV.adminApiKey,
    setting: 'adminApiKey',
    ...(source ? { source } : {}),
  });
  const agentId = lazySetting({
    value: s.agentId,
    env: MIIBO_ENV.agentId,
    setting: 'agentId',
    ...(source ? { source } : {}),
  });
  const baseURL = lazySetting({
    value: s.baseURL,
    env: MIIBO_ENV.baseURL,
    setting: 'baseURL',
    default: MIIBO_DEFAULT_BASE_URL,
    kind: 'url',
    ...(source ? { source } : {}),
  });
  const groupsBaseURL = (): string => (s.agentGroupsBaseURL ? s.agentGroupsBaseURL.replace(/\/+$/, '') : baseURL());
  const finalObject = s.finalObject ?? 'full-response';
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
    if (options.maxRetries !== undefined) out.retry = { maxRetries: options.maxRetries };
    return out;
  };

  /** Resolves credentials (MissingConfigError before anything is sent), waits for a pacing slot, sends. */
  const sendChat = async (options: MiiboChatOptions, stream: boolean): Promise<HttpResponse> => {
    const credentials = { apiKey: options.apiKey ?? apiKey(), agentId: options.agentId ?? agentId() };
    baseURL();
    const body = chatRequestBody(options, credentials, stream);
    await pacer.acquire(options.signal);
    return http.request({
      ...transport(options),
      path: MIIBO_CONVERSATION_PATH,
      method: 'POST',
      body: { json: body },
      ...(stream ? {} : { read: 'buffer' as const }),
    });
  };

  const chat = async (options: MiiboChatOptions): Promise<MiiboChatResult> => {
    const valid = validateChatOptions(options);
    const res = await sendChat(valid, false);
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
        {
          excerpt: lastRaw === undefined ? '' : JSON.stringify(lastRaw),
        },
      );
    }
    return {
      text: final.bestResponse.utterance,
      response: final,
      isError: final.isError === true,
      requestId: res.requestId,
    };
  };

  const streamChat = async (options: MiiboChatOptions): Promise<MiiboChatStream> => {
    const valid = validateChatOptions(options);
    const res = await sendChat(valid, true);
    return new MiiboChatStream(res, valid.uid, { finalObject });
  };

  const provider: MiiboProvider = {
    provider: 'miibo',
    get queuedRequests() {
      return pacer.waiting;
    },
    chat,
    startConversation(options = {}) {
      return chat({ ...options, utterance: '' });
    },
    streamChat,
    streamAgentEvents(options) {
      const valid = validateChatOptions(options);
      return (async function* () {
        const stream = await streamChat(valid);
        yield* stream.agentEvents();
      })();
    },
    async collectAnswer(options) {
      return (await streamChat(options)).collect();
    },
    async startAgentGroup(input, options = {}) {
      const body = validateAgentGroupStart(input);
      const call = validate(
        groupOptionsSchema,
        [...REQUEST_OPTION_FIELDS, 'extraBody'],
        options,
        'options',
      ) as MiiboAgentGroupStartOptions;
      const key = adminApiKey();
      const url = joinUrl(groupsBaseURL(), MIIBO_AGENT_GROUPS_START_PATH);
      const request = transport(call);
      if (body.isSyncMode === true) {
        // A synchronous run answers only when done (up to 30 minutes), and re-sending would start it twice.
        request.timeouts = { headersMs: SYNC_MODE_HEADERS_MS, ...call.timeouts } satisfies TimeoutOptions;
        request.retry = { maxRetries: call.maxRetries ?? 0 };
      }
      request.headers = { ...(request.headers as Record<string, string>), 'X-API-Key': key };
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
          { excerpt: JSON.stringify(json) },
        );
      }
      return parsed.data as MiiboAgentGroupStartResponse;
    },
  };
  return provider;
}
