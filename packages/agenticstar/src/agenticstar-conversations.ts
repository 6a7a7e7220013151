import { ResponseDecodeError, type HttpClient, type HttpClientRequest, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';

/** Query of `GET /v1/conversations`. Unknown keys are rejected. */
export interface AgenticStarListConversationsParams {
  /** Items per page (the platform's default and maximum for this endpoint are not documented). */
  limit?: number;
  /** `desc` (platform default, newest first) or `asc`. */
  order?: 'asc' | 'desc';
  /** Start after this cursor (a previous page's `cursor`, passed back unchanged). */
  cursor?: string;
  /** Stop after this many pages (iterators only). Default: no limit. */
  maxPages?: number;
}

/**
 * One conversation of the list. Its fields are not documented: everything the server sends is kept,
 * and `conversationId` is filled from `conversationId`, `conversation_id` or `id`, whichever is present.
 */
export interface AgenticStarConversationSummary {
  conversationId?: string;
  title?: string;
  createdAt?: string;
  updatedAt?: string;
  [field: string]: unknown;
}

/** One page of the list. */
export interface AgenticStarConversationPage {
  items: AgenticStarConversationSummary[];
  /** Whether another page follows. */
  hasMore: boolean;
  /** The cursor of the next page (opaque), when there is one. */
  cursor: string | undefined;
  /** The response body as sent. */
  raw: Record<string, unknown>;
}

export const listConversationsSchema = lazySchema(() =>
  z.strictObject({
    limit: z.number().int().positive().optional(),
    order: z.enum(['asc', 'desc']).optional(),
    cursor: z.string().min(1, 'must not be empty').optional(),
    maxPages: z.number().int().positive().optional(),
  }),
);

/** The names tried, in order, for the items array (the real one is not documented). */
export const AGENTICSTAR_CONVERSATION_ITEM_FIELDS = ['conversations', 'data', 'items', 'results'] as const;

const pageSchema = lazySchema(() =>
  z.looseObject({
    hasMore: z.boolean().nullish(),
    has_more: z.boolean().nullish(),
    cursor: z.union([z.string(), z.number()]).nullish(),
    nextCursor: z.union([z.string(), z.number()]).nullish(),
  }),
);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function itemsOf(body: Record<string, unknown>): unknown[] {
  for (const name of AGENTICSTAR_CONVERSATION_ITEM_FIELDS) {
    const v = body[name];
    if (Array.isArray(v)) return v;
    if (isRecord(v))
      for (const inner of AGENTICSTAR_CONVERSATION_ITEM_FIELDS)
        if (Array.isArray(v[inner])) return v[inner] as unknown[];
  }
  for (const v of Object.values(body)) if (Array.isArray(v)) return v;
  return [];
}

function summaryOf(item: unknown): AgenticStarConversationSummary {
  if (!isRecord(item)) return { value: item };
  const id = item.conversationId ?? item.conversation_id ?? item.id;
  const out: AgenticStarConversationSummary = { ...item };
  if (typeof id === 'string' || typeof id === 'number') out.conversationId = String(id);
  return out;
}

/** Reads one page tolerantly: the items array under any of the usual names, `hasMore`, `cursor`. */
export function parseConversationPage(body: unknown, url: string): AgenticStarConversationPage {
  if (Array.isArray(body))
    return { items: body.map(summaryOf), hasMore: false, cursor: undefined, raw: { items: body } };
  if (!isRecord(body)) {
    throw new ResponseDecodeError('invalid-event', `Conversations list from ${url} is not a JSON object`, {
      excerpt: JSON.stringify(body) ?? '',
    });
  }
  const page = pageSchema.safeParse(body);
  const meta = page.success ? page.data : {};
  const cursor = meta.cursor ?? meta.nextCursor;
  return {
    items: itemsOf(body).map(summaryOf),
    hasMore: meta.hasMore ?? meta.has_more ?? false,
    cursor: cursor === undefined || cursor === null || cursor === '' ? undefined : String(cursor),
    raw: body,
  };
}

/** Request options for one page. */
export type ConversationPageRequest = Pick<HttpClientRequest, 'signal' | 'timeouts' | 'retry' | 'headers'>;

/** Fetches one page of `GET /v1/conversations`. */
export async function fetchConversationPage(
  client: HttpClient,
  params: AgenticStarListConversationsParams,
  request: ConversationPageRequest,
): Promise<AgenticStarConversationPage> {
  const res = await client.request({
    path: '/v1/conversations',
    method: 'GET',
    query: { limit: params.limit, cursor: params.cursor, order: params.order },
    read: 'buffer',
    ...request,
  });
  return parseConversationPage(await res.json(), res.url);
}

/**
 * Every page from `params.cursor` on. Stops when `hasMore` is false, when the next cursor is missing
 * or repeats the previous one (a server bug would otherwise loop forever), or after `maxPages`.
 */
export async function* conversationPages(
  fetchPage: (params: AgenticStarListConversationsParams) => Promise<AgenticStarConversationPage>,
  params: AgenticStarListConversationsParams,
): AsyncGenerator<AgenticStarConversationPage, void, undefined> {
  let cursor = params.cursor;
  for (let pages = 0; params.maxPages === undefined || pages < params.maxPages; pages++) {
    const page = await fetchPage({ ...params, ...(cursor === undefined ? {} : { cursor }) });
    yield page;
    if (!page.hasMore || page.cursor === undefined || page.cursor === cursor) return;
    cursor = page.cursor;
  }
}
