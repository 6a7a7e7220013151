import { apiKeyAuth, lazySecret, lazySetting } from '@kakehashi/auth';
import { validateArgument } from '@kakehashi/sse-core';
import { z } from 'zod';
import { createCodeerAgents, type CodeerAgents } from './codeer-agents';
import { createCodeerBatches, type CodeerBatches } from './codeer-batches';
import { createCodeerChats, type CodeerChats } from './codeer-chats';
import { CODEER_DEFAULT_BASE_URL, CODEER_ENV } from './codeer-constants';
import { checkOptions, createCodeerContext } from './codeer-context';
import { createCodeerFiles, type CodeerFiles } from './codeer-files';
import { CodeerHttp } from './codeer-http';
import { chatIdSchema, externalUserIdSchema } from './codeer-input-schemas';
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

/** Input of `streamChat` and `ask`: a message, to an existing chat or to a new one. */
export interface CodeerChatInput extends SendMessageInput {
  /** The chat to continue. Without it a chat is created first (with `chatName`, `agentId`, `externalUserId`). */
  chatId?: number | string;
  /** The name of the chat created when `chatId` is not given (at most 256 characters). Default `''` ("Untitled"). */
  chatName?: string;
}

/** A configured Codeer client. */
export interface CodeerProvider {
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
   * Sends a message and streams the answer, creating a chat first when `chatId` is not given (the new
   * chat is `stream.chat`, its id `stream.chatId`). Resolves once the answer starts.
   */
  streamChat(input: CodeerChatInput, options?: CodeerRequestOptions): Promise<CodeerMessageStream>;
  /** `streamChat`, read to the end: the whole answer (text, steps, title, usage, chat id). */
  ask(input: CodeerChatInput, options?: CodeerRequestOptions): Promise<CodeerAnswer>;
}

const chatInputSchema = sendMessageInputSchema.extend({
  chatId: chatIdSchema.optional(),
  chatName: z.string().max(256, 'must be at most 256 characters').optional(),
  externalUserId: externalUserIdSchema.optional(),
});

/**
 * Creates a Codeer client. Nothing is read or sent until the first call: the API key comes from
 * `apiKey` or `CODEER_API_KEY`, the base URL from `baseURL`, `CODEER_BASE_URL` or the public host, the
 * default agent from `agentId` or `CODEER_AGENT_ID`.
 *
 * @example
 * const codeer = createCodeer();
 * const stream = await codeer.streamChat({ message: 'こんにちは' });
 * for await (const event of stream.agentEvents()) if (event.type === 'text-delta') process.stdout.write(event.delta);
 */
export function createCodeer(settings: CodeerProviderSettings = {}): CodeerProvider {
  const s = validateArgument(codeerProviderSettingsSchema, settings, 'settings');
  const auth = apiKeyAuth({
    key: lazySecret({ value: s.apiKey, env: CODEER_ENV.apiKey, setting: 'apiKey' }),
    setting: 'apiKey',
  });
  const http = new CodeerHttp({
    baseURL: lazySetting({
      value: s.baseURL,
      env: CODEER_ENV.baseURL,
      setting: 'baseURL',
      default: CODEER_DEFAULT_BASE_URL,
      kind: 'url',
    }),
    authHeaders: auth.headers,
    headers: s.headers,
    fetch: s.fetch,
    timeouts: s.timeouts,
    maxRetries: s.maxRetries ?? 2,
  });
  const ctx = createCodeerContext(http, { agentId: s.agentId, externalUserId: s.externalUserId });
  const chats = createCodeerChats(ctx);

  const streamChat = async (input: CodeerChatInput, options?: CodeerRequestOptions): Promise<CodeerMessageStream> => {
    const { chatId, chatName, ...message } = validateArgument(chatInputSchema, input, 'input');
    const opts = checkOptions(options);
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
    }
    return openMessageStream(ctx, sendMessageCall(ctx, id, { ...message, agentId }, true), id, opts, chat);
  };

  return {
    agents: createCodeerAgents(ctx),
    chats,
    messages: createCodeerMessages(ctx),
    files: createCodeerFiles(ctx),
    batches: createCodeerBatches(ctx),
    streamChat,
    async ask(input, options) {
      const stream = await streamChat(input, options);
      return stream.collect();
    },
  };
}
