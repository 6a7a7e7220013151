import { readRequestText } from '@kakehashi/sse-core';
import { z } from 'zod';
import { ChatRequestError } from './chat-completions-errors';

/** Roles the gateway accepts (OpenAI's, `developer` included). */
export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';

/** One message, with its content reduced to text. */
export interface ChatMessage {
  role: ChatRole;
  text: string;
}

/** The parts of an OpenAI Chat Completions request the gateway acts on. */
export interface ChatCompletionsRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  /** OpenAI `user`: miibo `uid`, Codeer `external_user_id`. */
  user: string | undefined;
  /** AgenticStar conversation to continue (`conversation_id`, or `metadata.conversation_id`). */
  conversationId: string | undefined;
  /** Codeer chat to continue (`chat_id`, or `metadata.chat_id`). */
  chatId: string | number | undefined;
}

const contentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

const messageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(contentPartSchema), z.null()]).optional(),
});

const idSchema = z.string().min(1, 'must not be empty').max(512, 'must be at most 512 characters');

/**
 * The request body. Unknown fields are accepted and ignored (sampling parameters, `tools`, … have no
 * counterpart on the agent platforms); the fields the gateway uses are checked.
 */
export const chatCompletionsBodySchema = z.looseObject({
  model: z.string().min(1, 'must not be empty'),
  messages: z.array(messageSchema).min(1, 'must contain at least one message'),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  user: idSchema.nullish(),
  n: z.literal(1, 'only n=1 is supported').nullish(),
  conversation_id: idSchema.nullish(),
  chat_id: z.union([idSchema, z.number().int().positive()]).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

/** Default cap on the request body. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** `messages[0].content` from a zod path. */
export function openAIParamPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function contentText(content: z.infer<typeof messageSchema>['content'], index: number): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  let text = '';
  for (let j = 0; j < content.length; j++) {
    const part = content[j]!;
    if ((part.type === 'text' || part.type === 'input_text') && typeof part.text === 'string') text += part.text;
    else {
      throw new ChatRequestError(
        `Invalid value for 'messages[${index}].content[${j}].type': only text content is supported by the agent platforms (got "${part.type}").`,
        {
          param: `messages[${index}].content[${j}].type`,
          code: 'unsupported_value',
        },
      );
    }
  }
  return text;
}

function metadataId(metadata: Record<string, unknown> | null | undefined, key: string): string | undefined {
  const v = metadata?.[key];
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

/**
 * Checks a parsed JSON body and reduces it to what the gateway needs.
 *
 * @throws ChatRequestError naming the first bad field (`param` in OpenAI's path style).
 */
export function toChatCompletionsRequest(body: unknown): ChatCompletionsRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ChatRequestError('The request body must be a JSON object.', { code: 'invalid_type' });
  }
  const parsed = chatCompletionsBodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = openAIParamPath(issue.path);
    const missing = valueAt(body, issue.path) === undefined;
    if (missing && issue.code === 'invalid_type') {
      throw new ChatRequestError(`Missing required parameter: '${param}'.`, {
        param,
        code: 'missing_required_parameter',
      });
    }
    const code = issue.code === 'invalid_type' || issue.code === 'invalid_union' ? 'invalid_type' : 'invalid_value';
    throw new ChatRequestError(`Invalid value for '${param}': ${issue.message}.`, { param, code });
  }
  const b = parsed.data;
  const messages: ChatMessage[] = b.messages.map((m, i) => ({ role: m.role, text: contentText(m.content, i) }));
  return {
    model: b.model,
    messages,
    stream: b.stream === true,
    includeUsage: b.stream_options?.include_usage === true,
    user: b.user ?? undefined,
    conversationId: b.conversation_id ?? metadataId(b.metadata, 'conversation_id'),
    chatId: b.chat_id ?? metadataId(b.metadata, 'chat_id'),
  };
}

/**
 * Reads and checks the body of a `POST /v1/chat/completions` request.
 *
 * @throws ChatRequestError for a body that is too large, not JSON, or invalid.
 */
export async function readChatCompletionsRequest(
  request: Request,
  maxBytes = DEFAULT_MAX_BODY_BYTES,
): Promise<ChatCompletionsRequest> {
  const text = await readRequestText(request, maxBytes);
  if (text === undefined || text.length > maxBytes) {
    throw new ChatRequestError(`The request body is larger than ${maxBytes} bytes.`, {
      status: 413,
      code: 'request_too_large',
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ChatRequestError('We could not parse the JSON body of your request: it must be one JSON object.', {
      code: 'invalid_json',
    });
  }
  return toChatCompletionsRequest(body);
}
