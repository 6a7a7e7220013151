import { ResponseDecodeError, validateArgument, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';
import { checkOptions, path, type CodeerContext } from './codeer-context';
import type { CodeerCall } from './codeer-http';
import {
  agentIdSchema,
  attachedFileUuidsSchema,
  chatIdSchema,
  externalUserIdSchema,
  looseBodySchema,
  messageIdSchema,
} from './codeer-input-schemas';
import type { CodeerMessageStream } from './codeer-message-stream';
import { paginate, type CodeerPage } from './codeer-pagination';
import type { CodeerRequestOptions } from './codeer-request-options';
import { codeerMessageSchema, parseResponseData, type CodeerMessage } from './codeer-response-schemas';
import { openMessageStream } from './codeer-turn';

/** Input of `messages.send` / `messages.stream` (`POST /chats/{chat_id}/messages`). */
export interface SendMessageInput {
  /** The user's message. */
  message: string;
  /**
   * The agent; it must be the chat's agent (else HTTP 400 "History agent mismatch") and published.
   * Default: the provider's `agentId` / `CODEER_AGENT_ID`.
   */
  agentId?: string;
  /** The end user (required in whitelist workspaces; pass it consistently). Default: the provider's `externalUserId`. */
  externalUserId?: string;
  /** Files to attach: `uuid`s from `files.upload`. */
  attachedFileUuids?: string[];
  /** Keep `<tool …>…</tool>` blocks in the streamed text. Default (server) false: they are stripped. */
  includeToolTags?: boolean;
}

/** Query of `messages.list` / `messages.listPage` (`GET /chats/{chat_id}/messages`). */
export interface ListMessagesQuery {
  /** Page size, 1 to 1000. Default 50. */
  limit?: number;
  /** Messages to skip. Default 0. */
  offset?: number;
}

/** The messages of a chat. */
export interface CodeerMessages {
  /** `GET /chats/{chat_id}/messages`: the whole history, oldest first, page after page (`limit` is the page size). */
  list(
    chatId: number | string,
    query?: ListMessagesQuery,
    options?: CodeerRequestOptions,
  ): AsyncIterableIterator<CodeerMessage>;
  /** `GET /chats/{chat_id}/messages`: one page, with the envelope's `pagination`. */
  listPage(
    chatId: number | string,
    query?: ListMessagesQuery,
    options?: CodeerRequestOptions,
  ): Promise<CodeerPage<CodeerMessage>>;
  /**
   * `POST /chats/{chat_id}/messages` with `stream: false`: the whole answer as one string (Codeer returns
   * no ids, usage or reasoning steps in this mode; stream to get them).
   */
  send(chatId: number | string, input: SendMessageInput, options?: CodeerRequestOptions): Promise<string>;
  /**
   * `POST /chats/{chat_id}/messages` with `stream: true`: resolves once the answer starts (HTTP and
   * envelope errors reject here), then read the stream once.
   */
  stream(
    chatId: number | string,
    input: SendMessageInput,
    options?: CodeerRequestOptions,
  ): Promise<CodeerMessageStream>;
  /** `POST /chats/{chat_id}/messages/{message_id}/feedbacks` (body undocumented): returns the envelope's `data` as sent. */
  feedback(
    chatId: number | string,
    messageId: number | string,
    body: Record<string, unknown>,
    options?: CodeerRequestOptions,
  ): Promise<unknown>;
}

/** The strict schema of {@link SendMessageInput}. */
export const sendMessageInputSchema = lazySchema(() =>
  z.strictObject({
    message: z.string().min(1, 'must not be empty'),
    agentId: agentIdSchema.optional(),
    externalUserId: externalUserIdSchema.optional(),
    attachedFileUuids: attachedFileUuidsSchema.optional(),
    includeToolTags: z.boolean().optional(),
  }),
);

const listMessagesSchema = lazySchema(() =>
  z
    .strictObject({
      limit: z.number().int().min(1).max(1000).optional(),
      offset: z.number().int().nonnegative().optional(),
    })
    .optional(),
);

const messageListSchema = lazySchema(() => z.array(codeerMessageSchema));

/** The `POST /chats/{chat_id}/messages` call for a validated input. */
export function sendMessageCall(
  ctx: CodeerContext,
  chatId: number,
  input: z.infer<typeof sendMessageInputSchema>,
  stream: boolean,
): CodeerCall {
  const agentId = ctx.agentId(input.agentId);
  const externalUserId = ctx.externalUserId(input.externalUserId);
  const body: Record<string, unknown> = { message: input.message, stream, agent_id: agentId };
  if (externalUserId !== undefined) body.external_user_id = externalUserId;
  if (input.attachedFileUuids !== undefined) body.attached_file_uuids = input.attachedFileUuids;
  if (input.includeToolTags !== undefined) body.include_tool_tags = input.includeToolTags;
  return { method: 'POST', path: path('chats', chatId, 'messages'), body: { json: body }, turn: true };
}

export function createCodeerMessages(ctx: CodeerContext): CodeerMessages {
  const fetchPage = async (
    chatId: number,
    offset: number | undefined,
    limit: number | undefined,
    options: CodeerRequestOptions,
  ) => {
    const { data, pagination, url } = await ctx.http.envelope(
      { method: 'GET', path: path('chats', chatId, 'messages'), query: { limit, offset } },
      options,
    );
    return { data: parseResponseData(messageListSchema, data, 'message list', url), pagination };
  };

  return {
    list(chatId, query, options) {
      const id = validateArgument(chatIdSchema, chatId, 'chatId');
      const q = validateArgument(listMessagesSchema, query, 'query') ?? {};
      const opts = checkOptions(options);
      return paginate((offset, limit) => fetchPage(id, offset, limit, opts), {
        offset: q.offset ?? 0,
        limit: q.limit ?? 50,
      });
    },

    async listPage(chatId, query, options) {
      const id = validateArgument(chatIdSchema, chatId, 'chatId');
      const q = validateArgument(listMessagesSchema, query, 'query') ?? {};
      const opts = checkOptions(options);
      return fetchPage(id, q.offset, q.limit, opts);
    },

    async send(chatId, input, options) {
      const id = validateArgument(chatIdSchema, chatId, 'chatId');
      const i = validateArgument(sendMessageInputSchema, input, 'input');
      const opts = checkOptions(options);
      const { data, url } = await ctx.http.envelope(sendMessageCall(ctx, id, i, false), opts);
      if (typeof data !== 'string') {
        throw new ResponseDecodeError(
          'invalid-event',
          `Expected the answer string in "data" from ${url}, got ${data === null ? 'null' : typeof data}`,
        );
      }
      return data;
    },

    async stream(chatId, input, options) {
      const id = validateArgument(chatIdSchema, chatId, 'chatId');
      const i = validateArgument(sendMessageInputSchema, input, 'input');
      const opts = checkOptions(options);
      return openMessageStream(ctx, sendMessageCall(ctx, id, i, true), id, opts);
    },

    async feedback(chatId, messageId, body, options) {
      const id = validateArgument(chatIdSchema, chatId, 'chatId');
      const mid = validateArgument(messageIdSchema, messageId, 'messageId');
      const b = validateArgument(looseBodySchema, body, 'body');
      const opts = checkOptions(options);
      const { data } = await ctx.http.envelope(
        { method: 'POST', path: path('chats', id, 'messages', mid, 'feedbacks'), body: { json: b } },
        opts,
      );
      return data;
    },
  };
}
