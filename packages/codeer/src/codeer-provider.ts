import { apiKeyAuth, lazySecret, lazySetting } from '@kakehashi/auth';
import {
  createAgentTurn,
  runtimeEnv,
  validateArgument,
  type AgentCallOptions,
  type AgentTurn,
  type AgentTurnInput,
  type ChatAgent,
  lazySchema,
} from '@kakehashi/sse-core';
import * as z from 'zod';
import { createCodeerAgents, type CodeerAgents } from './codeer-agents';
import { codeerTurnRequest } from './codeer-agent-turn';
import { createCodeerBatches, type CodeerBatches } from './codeer-batches';
import { createCodeerChats, type CodeerChats } from './codeer-chats';
import { CODEER_DEFAULT_BASE_URL, CODEER_ENV, CODEER_PROVIDER } from './codeer-constants';
import { checkOptions, createCodeerContext } from './codeer-context';
import { createCodeerFiles, type CodeerFiles } from './codeer-files';
import { CodeerHttp } from './codeer-http';
import { chatIdSchema, type SchemaFor } from './codeer-input-schemas';
import type { CodeerAnswer, CodeerMessageStream } from './codeer-message-stream';
import {
  createCodeerMessages,
  sendMessageCall,
  sendMessageInputSchema,
  type CodeerMessages,
  type SendMessageInput,
} from './codeer-messages';
import type { CodeerRequestOptions } from './codeer-request-options';
import { codeerChatSchema, parseResponseData, type CodeerChat } from './codeer-response-schemas';
import { codeerProviderSettingsSchema, type CodeerProviderSettings } from './codeer-settings';
import { openMessageStream } from './codeer-turn';

/** Input of `streamChat` and `ask`: a message, to an existing chat or to a new one. Unknown fields are rejected. */
export interface CodeerChatInput extends SendMessageInput {
  /** The chat to continue (an integer, or its digits). Without it a chat is created first (with `chatName`, `agentId`, `externalUserId`). */
  chatId?: number | string;
  /** The name of the chat created when `chatId` is not given (at most 256 characters). Default `''` ("Untitled"). */
  chatName?: string;
}

const chatInputObject = lazySchema(() =>
  sendMessageInputSchema.extend({
    chatId: chatIdSchema.optional(),
    chatName: z.string().max(256, 'must be at most 256 characters').optional(),
  }),
);

type ParsedChatInput = z.output<typeof chatInputObject>;

/** The strict schema of {@link CodeerChatInput}. */
const codeerChatInputSchema: SchemaFor<ParsedChatInput, CodeerChatInput, typeof chatInputObject> = chatInputObject;

/** A configured Codeer client; it speaks the agent contract too (`startTurn`). */
export interface CodeerProvider extends ChatAgent {
  /** `'codeer'`. */
  readonly provider: typeof CODEER_PROVIDER;
  /** Published agents. */
  readonly agents: CodeerAgents;
  /** Chats: create, list, update, regenerate, submit a form. */
  readonly chats: CodeerChats;
  /** Messages: history, send (whole answer or stream), feedback. */
  readonly messages: CodeerMessages;
  /** File uploads for attachments. */
  readonly files: CodeerFiles;
  /** The Batch API (experimental: answers undocumented). */
  readonly batches: CodeerBatches;
  /**
   * The agent contract: a turn from messages. The last user message is sent; `session` is the chat
   * id (as a string) to continue, and without it a chat is created first (with `agentId`, and
   * `userId` as its `external_user_id`); system messages are ignored (the agent keeps the
   * instructions configured on the platform). Nothing is sent before the first read; the session is
   * known once the chat exists.
   *
   * @throws InvalidArgumentError naming `input.messages`, `input.session`, `input.agentId`,
   * `input.userId` or `options.<field>`, before anything is sent.
   */
  startTurn(input: AgentTurnInput, options?: AgentCallOptions): AgentTurn;
  /**
   * Sends a message and streams the answer, creating a chat first when `chatId` is not given (the new
   * chat is `stream.chat`, its id `stream.chatId`). Resolves once the answer starts: HTTP errors
   * (a 401, a 404 for an unknown chat) and error envelopes reject here.
   */
  streamChat(input: CodeerChatInput, options?: CodeerRequestOptions): Promise<CodeerMessageStream>;
  /** `streamChat`, read to the end: the whole answer (text, steps, title, usage, chat id). */
  ask(input: CodeerChatInput, options?: CodeerRequestOptions): Promise<CodeerAnswer>;
}

/**
 * Creates a Codeer client. Settings are checked now; nothing is read or sent until the first call:
 * the API key comes from `apiKey` or `CODEER_API_KEY`, the base URL from `baseURL`, `CODEER_BASE_URL`
 * or the public host, the default agent from `agentId` or `CODEER_AGENT_ID` (the variables from `env`
 * when given, else `process.env`).
 *
 * @throws InvalidArgumentError naming a bad setting (`settings.baseURL`).
 *
 * @example
 * const codeer = createCodeer();
 * const stream = await codeer.streamChat({ message: 'こんにちは' });
 * for await (const event of stream.agentEvents()) if (event.type === 'text-delta') process.stdout.write(event.delta);
 */
export function createCodeer(settings: CodeerProviderSettings = {}): CodeerProvider {
  const s = validateArgument(codeerProviderSettingsSchema, settings, 'settings');
  // The variables: the given record, else the runtime's environment (read safely on Deno; browsers have none).
  const env = s.env ?? runtimeEnv();
  const auth = apiKeyAuth({
    key: lazySecret({ value: s.apiKey, env: CODEER_ENV.apiKey, setting: 'apiKey', source: env }),
    setting: 'apiKey',
  });
  const http = new CodeerHttp({
    baseURL: lazySetting({
      value: s.baseURL,
      env: CODEER_ENV.baseURL,
      setting: 'baseURL',
      default: CODEER_DEFAULT_BASE_URL,
      kind: 'url',
      source: env,
    }),
    authHeaders: auth.headers,
    headers: s.headers,
    fetch: s.fetch,
    timeouts: s.timeouts,
    maxRetries: s.maxRetries ?? 2,
  });
  const ctx = createCodeerContext(http, { agentId: s.agentId, externalUserId: s.externalUserId, env });

  /** Creates the chat when none is given (telling `onChat` its id), then opens the streamed send. */
  const openChat = async (
    input: ParsedChatInput,
    opts: CodeerRequestOptions,
    onChat?: (chatId: number) => void,
  ): Promise<CodeerMessageStream> => {
    const { chatId, chatName, ...message } = input;
    const agentId = ctx.agentId(message.agentId);
    let chat: CodeerChat | undefined;
    let id = chatId;
    if (id === undefined) {
      const externalUserId = ctx.externalUserId(message.externalUserId);
      const { data, url } = await http.envelope(
        {
          method: 'POST',
          path: '/chats',
          body: {
            json: {
              name: chatName ?? '',
              agent_id: agentId,
              ...(externalUserId === undefined ? {} : { external_user_id: externalUserId }),
            },
          },
        },
        opts,
      );
      chat = parseResponseData(codeerChatSchema, data, 'chat', url);
      id = chat.id;
      onChat?.(id);
    }
    return openMessageStream(ctx, sendMessageCall(ctx, id, { ...message, agentId }, true), id, opts, chat);
  };

  const streamChat = async (input: CodeerChatInput, options?: CodeerRequestOptions): Promise<CodeerMessageStream> => {
    const i = validateArgument(codeerChatInputSchema, input, 'input');
    return openChat(i, checkOptions(options));
  };

  return {
    provider: CODEER_PROVIDER,
    agents: createCodeerAgents(ctx),
    chats: createCodeerChats(ctx),
    messages: createCodeerMessages(ctx),
    files: createCodeerFiles(ctx),
    batches: createCodeerBatches(ctx),
    startTurn(input, options) {
      const request = codeerTurnRequest(input);
      const opts = checkOptions(options);
      const chatInput: ParsedChatInput = { message: request.message };
      if (request.chatId !== undefined) chatInput.chatId = request.chatId;
      if (request.agentId !== undefined) chatInput.agentId = request.agentId;
      if (request.externalUserId !== undefined) chatInput.externalUserId = request.externalUserId;
      return createAgentTurn({
        provider: CODEER_PROVIDER,
        session: request.chatId === undefined ? undefined : String(request.chatId),
        signal: opts.signal,
        // The turn's signals (the caller's and its own cancel) go to the chat creation and the send.
        // A chat created for the turn is its session at once, even if the send then fails.
        open: async (signals, turn) => {
          const stream = await openChat(chatInput, { ...opts, signal: signals }, (id) => turn.setSession(String(id)));
          return stream.agentEvents();
        },
        sessionOf: (start) => start.chatId,
      });
    },
    streamChat,
    async ask(input, options) {
      const stream = await streamChat(input, options);
      return stream.collect();
    },
  };
}
