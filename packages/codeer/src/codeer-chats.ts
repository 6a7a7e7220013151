import { validateArgument, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';
import { checkOptions, path, type CodeerContext } from './codeer-context';
import {
  agentIdSchema,
  chatIdSchema,
  externalUserIdSchema,
  idSegmentSchema,
  looseBodySchema,
} from './codeer-input-schemas';
import { paginate, type CodeerPage } from './codeer-pagination';
import type { CodeerRequestOptions } from './codeer-request-options';
import { codeerChatSchema, parseResponseData, type CodeerChat } from './codeer-response-schemas';
import { openTurn, type CodeerTurnResult } from './codeer-turn';

/** Input of `chats.create` (`POST /chats`). */
export interface CreateChatInput {
  /** The chat's name, at most 256 characters. Default `''` (Codeer shows it as "Untitled" and may generate a title). */
  name?: string;
  /** The agent. Default: the provider's `agentId` / `CODEER_AGENT_ID`. It must have a published version before messages can be sent. */
  agentId?: string;
  /** The end user the chat belongs to (required in whitelist workspaces). Default: the provider's `externalUserId`. */
  externalUserId?: string;
}

/** The sort orders `GET /chats` accepts. */
export type CodeerChatOrder = 'asc' | 'ascending' | 'desc' | 'descending' | 'created_at' | '-created_at';

/** Query of `chats.list` / `chats.listPage` (`GET /chats`). */
export interface ListChatsQuery {
  /** Page size, 1 to 1000. Default 50. */
  limit?: number;
  /** Items to skip before the first one returned. Default 0. */
  offset?: number;
  /** Sort order. Default (server) `-created_at`, newest first. */
  orderBy?: CodeerChatOrder;
  /** Only chats with this agent. */
  agentId?: string;
  /** Only chats of this end user. Default: the provider's `externalUserId`. */
  externalUserId?: string;
}

/**
 * Body of `chats.update` (`PUT /chats/{chat_id}`). Codeer does not document it; `name` (rename) is the
 * likely field. Any other field is sent as given.
 */
export interface UpdateChatInput {
  /** The new name (at most 256 characters). */
  name?: string;
  /** Any other field, sent as given. */
  [field: string]: unknown;
}

/** The chats of the workspace. */
export interface CodeerChats {
  /** `POST /chats`: creates a chat; its integer `id` is the `chatId` of every later call. */
  create(input?: CreateChatInput, options?: CodeerRequestOptions): Promise<CodeerChat>;
  /**
   * `GET /chats`: every chat matching the query, page after page (`limit` is the page size). Pages are
   * fetched as the iteration needs them; bad input throws at once.
   */
  list(query?: ListChatsQuery, options?: CodeerRequestOptions): AsyncIterableIterator<CodeerChat>;
  /** `GET /chats`: one page, with the envelope's `pagination`. */
  listPage(query?: ListChatsQuery, options?: CodeerRequestOptions): Promise<CodeerPage<CodeerChat>>;
  /** `PUT /chats/{chat_id}` (body undocumented): returns the envelope's `data` as sent. */
  update(chatId: number | string, body: UpdateChatInput, options?: CodeerRequestOptions): Promise<unknown>;
  /**
   * `POST /chats/{chat_id}/regenerate`: re-runs the last turn. The body is undocumented (default `{}`);
   * a streamed answer gives `{ type: 'stream' }`, a JSON one `{ type: 'data' }`.
   */
  regenerate(
    chatId: number | string,
    body?: Record<string, unknown>,
    options?: CodeerRequestOptions,
  ): Promise<CodeerTurnResult>;
  /**
   * `POST /chats/{chat_id}/form-requests/{form_request_id}/submit`: answers a form the agent asked for
   * (body undocumented); a streamed answer gives `{ type: 'stream' }`, a JSON one `{ type: 'data' }`.
   */
  submitForm(
    chatId: number | string,
    formRequestId: string,
    body: Record<string, unknown>,
    options?: CodeerRequestOptions,
  ): Promise<CodeerTurnResult>;
}

const orderBySchema = lazySchema(() => z.enum(['asc', 'ascending', 'desc', 'descending', 'created_at', '-created_at']));

const createChatSchema = lazySchema(() =>
  z
    .strictObject({
      name: z.string().max(256, 'must be at most 256 characters').optional(),
      agentId: agentIdSchema.optional(),
      externalUserId: externalUserIdSchema.optional(),
    })
    .optional(),
);

const listChatsSchema = lazySchema(() =>
  z
    .strictObject({
      limit: z.number().int().min(1).max(1000).optional(),
      offset: z.number().int().nonnegative().optional(),
      orderBy: orderBySchema.optional(),
      agentId: agentIdSchema.optional(),
      externalUserId: externalUserIdSchema.optional(),
    })
    .optional(),
);

const updateChatSchema = lazySchema(() =>
  z.looseObject({ name: z.string().max(256, 'must be at most 256 characters').optional() }),
);

const chatListSchema = lazySchema(() => z.array(codeerChatSchema));

export function createCodeerChats(ctx: CodeerContext): CodeerChats {
  const fetchPage = async (
    q: ListChatsQuery,
    offset: number | undefined,
    limit: number | undefined,
    options: CodeerRequestOptions,
  ) => {
    const { data, pagination, url } = await ctx.http.envelope(
      {
        method: 'GET',
        path: '/chats',
        query: {
          limit,
          offset,
          order_by: q.orderBy,
          agent_id: q.agentId,
          external_user_id: ctx.externalUserId(q.externalUserId),
        },
      },
      options,
    );
    return { data: parseResponseData(chatListSchema, data, 'chat list', url), pagination };
  };

  return {
    async create(input, options) {
      const i = validateArgument(createChatSchema, input, 'input') ?? {};
      const opts = checkOptions(options);
      const agentId = ctx.agentId(i.agentId);
      const externalUserId = ctx.externalUserId(i.externalUserId);
      const { data, url } = await ctx.http.envelope(
        {
          method: 'POST',
          path: '/chats',
          body: {
            json: {
              name: i.name ?? '',
              agent_id: agentId,
              ...(externalUserId === undefined ? {} : { external_user_id: externalUserId }),
            },
          },
        },
        opts,
      );
      return parseResponseData(codeerChatSchema, data, 'chat', url);
    },

    list(query, options) {
      const q = validateArgument(listChatsSchema, query, 'query') ?? {};
      const opts = checkOptions(options);
      return paginate((offset, limit) => fetchPage(q, offset, limit, opts), {
        offset: q.offset ?? 0,
        limit: q.limit ?? 50,
      });
    },

    async listPage(query, options) {
      const q = validateArgument(listChatsSchema, query, 'query') ?? {};
      const opts = checkOptions(options);
      return fetchPage(q, q.offset, q.limit, opts);
    },

    async update(chatId, body, options) {
      const id = validateArgument(chatIdSchema, chatId, 'chatId');
      const b = validateArgument(updateChatSchema, body, 'body');
      const opts = checkOptions(options);
      const { data } = await ctx.http.envelope({ method: 'PUT', path: path('chats', id), body: { json: b } }, opts);
      return data;
    },

    async regenerate(chatId, body, options) {
      const id = validateArgument(chatIdSchema, chatId, 'chatId');
      const b = validateArgument(looseBodySchema.optional(), body, 'body') ?? {};
      const opts = checkOptions(options);
      return openTurn(ctx, { method: 'POST', path: path('chats', id, 'regenerate'), body: { json: b } }, id, opts);
    },

    async submitForm(chatId, formRequestId, body, options) {
      const id = validateArgument(chatIdSchema, chatId, 'chatId');
      const formId = validateArgument(idSegmentSchema, formRequestId, 'formRequestId');
      const b = validateArgument(looseBodySchema, body, 'body');
      const opts = checkOptions(options);
      return openTurn(
        ctx,
        { method: 'POST', path: path('chats', id, 'form-requests', formId, 'submit'), body: { json: b } },
        id,
        opts,
      );
    },
  };
}
