import { registerSecret, validateArgument, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';
import { checkOptions, path, type CodeerContext } from './codeer-context';
import { agentIdSchema, attachedFileUuidsSchema, batchIdSchema, externalUserIdSchema } from './codeer-input-schemas';
import type { CodeerPage } from './codeer-pagination';
import type { CodeerRequestOptions } from './codeer-request-options';
import {
  codeerBatchResultSchema,
  codeerBatchSchema,
  parseResponseData,
  type CodeerBatch,
  type CodeerBatchResult,
} from './codeer-response-schemas';

/** One request of a batch. */
export interface CodeerBatchRequestInput {
  /** Your id for this request, at most 256 characters, unique within the batch. */
  customId: string;
  /** The user's message. */
  message: string;
  /** Overrides the batch's agent for this request. */
  agentId?: string;
  /** The end user. */
  externalUserId?: string;
  /** The name of the chat created for this request, at most 256 characters. */
  name?: string;
  /** Files to attach (`uuid`s from `files.upload`). */
  attachedFileUuids?: string[];
  /** Continue this existing chat (its integer id) instead of creating one. */
  historyId?: number;
}

/** Events a batch webhook can be sent for. */
export type CodeerBatchWebhookEvent = 'completed' | 'failed' | 'cancelled';

/** Where Codeer reports the batch's outcome. */
export interface CodeerBatchWebhookInput {
  /** An `https://` URL. */
  url: string;
  /** Events to send. Default (server) `['completed', 'failed']`. */
  events?: CodeerBatchWebhookEvent[];
  /** A secret (at most 255 characters) Codeer signs the payloads with. Never appears in errors. */
  secret?: string;
}

/** Input of `batches.create` (`POST /batches`). */
export interface CreateBatchInput {
  /** The default agent of the batch (published). Default: the provider's `agentId` / `CODEER_AGENT_ID`. */
  agentId?: string;
  /** 1 to 1000 requests. */
  requests: CodeerBatchRequestInput[];
  /** Optional webhook. */
  webhook?: CodeerBatchWebhookInput;
}

/** Query of `batches.list` and `batches.results` (sent only when given; pagination is undocumented). */
export interface ListBatchesQuery {
  /** Page size. */
  limit?: number;
  /** Items to skip. */
  offset?: number;
}

/**
 * The Batch API. Codeer documents its requests but not its answers: batch objects and results are
 * typed loosely (every field kept as sent). Experimental.
 */
export interface CodeerBatches {
  /** `POST /batches`: queues up to 1000 messages. */
  create(input: CreateBatchInput, options?: CodeerRequestOptions): Promise<CodeerBatch>;
  /** `GET /batches`: one page of batches. */
  list(query?: ListBatchesQuery, options?: CodeerRequestOptions): Promise<CodeerPage<CodeerBatch>>;
  /** `GET /batches/{batch_id}`: a batch and its status. */
  get(batchId: string | number, options?: CodeerRequestOptions): Promise<CodeerBatch>;
  /** `GET /batches/{batch_id}/results`: one page of results. */
  results(
    batchId: string | number,
    query?: ListBatchesQuery,
    options?: CodeerRequestOptions,
  ): Promise<CodeerPage<CodeerBatchResult>>;
  /** `POST /batches/{batch_id}/cancel`: cancels a batch; returns the batch. */
  cancel(batchId: string | number, options?: CodeerRequestOptions): Promise<CodeerBatch>;
}

const batchRequestSchema = lazySchema(() =>
  z.strictObject({
    customId: z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters'),
    message: z.string().min(1, 'must not be empty'),
    agentId: agentIdSchema.optional(),
    externalUserId: externalUserIdSchema.optional(),
    name: z.string().max(256, 'must be at most 256 characters').optional(),
    attachedFileUuids: attachedFileUuidsSchema.optional(),
    historyId: z.number().int().positive().optional(),
  }),
);

const createBatchSchema = lazySchema(() =>
  z.strictObject({
    agentId: agentIdSchema.optional(),
    requests: z
      .array(batchRequestSchema)
      .min(1, 'must hold at least 1 request')
      .max(1000, 'must hold at most 1000 requests')
      .superRefine((requests, ctx) => {
        const seen = new Set<string>();
        requests.forEach((r, index) => {
          if (seen.has(r.customId))
            ctx.addIssue({
              code: 'custom',
              path: [index, 'customId'],
              message: `"${r.customId}" is used twice; custom ids must be unique`,
            });
          seen.add(r.customId);
        });
      }),
    webhook: z
      .strictObject({
        url: z.string().refine((v) => /^https:\/\/\S+$/i.test(v) && URL.canParse(v), 'must be an https:// URL'),
        events: z
          .array(z.enum(['completed', 'failed', 'cancelled']))
          .min(1, 'must not be empty')
          .optional(),
        secret: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters').optional(),
      })
      .optional(),
  }),
);

const listQuerySchema = lazySchema(() =>
  z
    .strictObject({
      limit: z.number().int().min(1).max(1000).optional(),
      offset: z.number().int().nonnegative().optional(),
    })
    .optional(),
);

const batchListSchema = lazySchema(() => z.array(codeerBatchSchema));
const resultListSchema = lazySchema(() => z.array(codeerBatchResultSchema));

export function createCodeerBatches(ctx: CodeerContext): CodeerBatches {
  return {
    async create(input, options) {
      // Registered first, so that not even a validation message can show it.
      const secret = (input as { webhook?: { secret?: unknown } } | undefined)?.webhook?.secret;
      if (typeof secret === 'string') registerSecret(secret);
      const i = validateArgument(createBatchSchema, input, 'input');
      const opts = checkOptions(options);
      const body: Record<string, unknown> = {
        agent_id: ctx.agentId(i.agentId),
        requests: i.requests.map((r) => {
          const out: Record<string, unknown> = { custom_id: r.customId, message: r.message };
          if (r.agentId !== undefined) out.agent_id = r.agentId;
          if (r.externalUserId !== undefined) out.external_user_id = r.externalUserId;
          if (r.name !== undefined) out.name = r.name;
          if (r.attachedFileUuids !== undefined) out.attached_file_uuids = r.attachedFileUuids;
          if (r.historyId !== undefined) out.history_id = r.historyId;
          return out;
        }),
      };
      if (i.webhook) body.webhook = i.webhook;
      const { data, url } = await ctx.http.envelope({ method: 'POST', path: '/batches', body: { json: body } }, opts);
      return parseResponseData(codeerBatchSchema, data, 'batch', url);
    },

    async list(query, options) {
      const q = validateArgument(listQuerySchema, query, 'query') ?? {};
      const opts = checkOptions(options);
      const { data, pagination, url } = await ctx.http.envelope(
        { method: 'GET', path: '/batches', query: { limit: q.limit, offset: q.offset } },
        opts,
      );
      return { data: parseResponseData(batchListSchema, data, 'batch list', url), pagination };
    },

    async get(batchId, options) {
      const id = validateArgument(batchIdSchema, batchId, 'batchId');
      const opts = checkOptions(options);
      const { data, url } = await ctx.http.envelope({ method: 'GET', path: path('batches', id) }, opts);
      return parseResponseData(codeerBatchSchema, data, 'batch', url);
    },

    async results(batchId, query, options) {
      const id = validateArgument(batchIdSchema, batchId, 'batchId');
      const q = validateArgument(listQuerySchema, query, 'query') ?? {};
      const opts = checkOptions(options);
      const { data, pagination, url } = await ctx.http.envelope(
        { method: 'GET', path: path('batches', id, 'results'), query: { limit: q.limit, offset: q.offset } },
        opts,
      );
      return { data: parseResponseData(resultListSchema, data, 'batch results', url), pagination };
    },

    async cancel(batchId, options) {
      const id = validateArgument(batchIdSchema, batchId, 'batchId');
      const opts = checkOptions(options);
      const { data, url } = await ctx.http.envelope({ method: 'POST', path: path('batches', id, 'cancel') }, opts);
      return parseResponseData(codeerBatchSchema, data, 'batch', url);
    },
  };
}
