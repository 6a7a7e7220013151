import { ResponseDecodeError, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';

/**
 * Response schemas are tolerant: the documented fields are checked, every other field is kept as sent,
 * and fields Codeer may leave out are optional.
 */

/** An agent from `GET /chats/published-agents`. */
export const codeerAgentSchema = lazySchema(() =>
  z.looseObject({
    /** The agent id (UUID) to pass as `agentId`. */
    id: z.string(),
    name: z.string().nullish(),
    description: z.string().nullish(),
    workspace_id: z.string().nullish(),
    /** `private`, `in_organization` or `public`. */
    publish_state: z.string().nullish(),
    agent_type: z.string().nullish(),
    /** `provider/model;label`, for example `openai/gpt-5-mini;gpt-5 mini`. */
    llm_model: z.string().nullish(),
    created_at: z.string().nullish(),
    updated_at: z.string().nullish(),
  }),
);
/** An agent usable through the API (`GET /chats/published-agents`); unknown fields are kept. */
export type CodeerAgent = z.infer<typeof codeerAgentSchema>;

/** A chat (Codeer calls them "histories" internally). */
export const codeerChatSchema = lazySchema(() =>
  z.looseObject({
    /** The chat id (an integer): `chatId` for every later call, `chat_id` in stream events. */
    id: z.number(),
    name: z.string().nullish(),
    created_at: z.string().nullish(),
    updated_at: z.string().nullish(),
    meta: z
      .looseObject({
        conversation_agent_id: z.string().nullish(),
        external_user_id: z.string().nullish(),
      })
      .nullish(),
    external_user_id: z.string().nullish(),
  }),
);
/** A chat as Codeer returns it; unknown fields are kept. */
export type CodeerChat = z.infer<typeof codeerChatSchema>;

/** A file attached to a message. */
export const codeerAttachedFileSchema = lazySchema(() =>
  z.looseObject({
    id: z.string().nullish(),
    type: z.string().nullish(),
    name: z.string().nullish(),
    url: z.string().nullish(),
    scope: z.string().nullish(),
    attachment_type: z.string().nullish(),
  }),
);
/** A file attached to a history message; unknown fields are kept. */
export type CodeerAttachedFile = z.infer<typeof codeerAttachedFileSchema>;

/** One message of a chat's history (`GET /chats/{chat_id}/messages`), oldest first. */
export const codeerMessageSchema = lazySchema(() =>
  z.looseObject({
    id: z.number(),
    /** `cvg-<uuid>`: ties a user message to its assistant reply (one turn). */
    group_id: z.string().nullish(),
    /** `system`, `user` or `assistant`. */
    role: z.string(),
    content: z.string().nullish(),
    meta: z.looseObject({}).nullish(),
    attached_files: z.array(codeerAttachedFileSchema).nullish(),
  }),
);
/** A history message; unknown fields are kept. */
export type CodeerMessage = z.infer<typeof codeerMessageSchema>;

/** The result of `POST /chats/upload-file`. */
export const codeerUploadedFileSchema = lazySchema(() =>
  z.looseObject({
    /** Pass it in `attachedFileUuids`. */
    uuid: z.string(),
    original_name: z.string().nullish(),
    content_type: z.string().nullish(),
    size: z.number().nullish(),
    file_url: z.string().nullish(),
    /** `persistent` or `ephemeral`. */
    scope: z.string().nullish(),
  }),
);
/** An uploaded file; unknown fields are kept. */
export type CodeerUploadedFile = z.infer<typeof codeerUploadedFileSchema>;

/**
 * A batch. Codeer does not document the batch object, so nothing is required; an `id` and a `status`
 * are the likely fields. Everything the server sends is kept.
 */
export const codeerBatchSchema = lazySchema(() =>
  z.looseObject({
    id: z.union([z.string(), z.number()]).nullish(),
    status: z.string().nullish(),
  }),
);
/** A batch (shape undocumented: every field is kept as sent). */
export type CodeerBatch = z.infer<typeof codeerBatchSchema>;

/** One result of a batch (shape undocumented: every field is kept as sent). */
export const codeerBatchResultSchema = lazySchema(() =>
  z.looseObject({
    custom_id: z.string().nullish(),
    status: z.string().nullish(),
  }),
);
/** One batch result (shape undocumented: every field is kept as sent). */
export type CodeerBatchResult = z.infer<typeof codeerBatchResultSchema>;

/** Validates a response's `data` against a schema; a mismatch is a {@link ResponseDecodeError} naming the field. */
export function parseResponseData<T>(schema: z.ZodType<T>, data: unknown, what: string, url: string): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue ? ['data', ...issue.path.map(String)].join('.') : 'data';
  let excerpt: string;
  try {
    excerpt = JSON.stringify(data) ?? String(data);
  } catch {
    excerpt = String(data);
  }
  throw new ResponseDecodeError(
    'invalid-event',
    `Unexpected ${what} from ${url}: ${where}: ${issue?.message ?? 'invalid'}`,
    { excerpt },
  );
}
