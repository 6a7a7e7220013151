import { parseJsonRequestBody, readRequestText } from '@kakehashi/sse-core';
import { z } from 'zod';
import { ChatRequestError } from './chat-completions-errors';
import { isUnsupportedIssue, unsupportedChatParameters } from './unsupported-parameters';

/** Roles the handler accepts (OpenAI's, `developer` included). */
export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';

/** One message, with its content reduced to text. */
export interface ChatMessage {
  role: ChatRole;
  text: string;
}

/** The parts of an OpenAI Chat Completions request the handler acts on. */
export interface ChatCompletionsRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  /** OpenAI `user`: the end user the turn runs for (`userId` of the agent contract). */
  user: string | undefined;
  /** The platform session to continue, from `conversation_id` or `chat_id` (top-level or in `metadata`). */
  session: string | undefined;
  /** The request field the session came from (`conversation_id`, `chat_id`, `metadata.conversation_id`, `metadata.chat_id`). */
  sessionParam: string | undefined;
}

const idSchema = z.string().min(1, 'must not be empty').max(512, 'must be at most 512 characters');
const chatIdSchema = z.union([idSchema, z.number().int().positive()]);

const contentPartSchema = z
  .looseObject({
    type: z
      .string()
      .describe('`text` (or `input_text`); other part types (images, audio, files) are refused with 400.'),
    text: z.string().optional(),
  })
  .describe('A content part. Only text parts are accepted: the agent platforms take text.');

const messageSchema = z
  .looseObject({
    role: z
      .enum(['system', 'developer', 'user', 'assistant', 'tool', 'function'])
      .describe('`developer` is sent as `system`; `tool` and `function` messages are left out.'),
    content: z
      .union([z.string(), z.array(contentPartSchema), z.null()])
      .optional()
      .describe('Text, or text parts (joined). Empty messages are left out, except a last user message.'),
    name: z.string().optional(),
  })
  .describe('One message of the conversation.');

/**
 * The request body of `POST /v1/chat/completions`, as the handler checks it (and as `/openapi.json`
 * describes it). Unknown fields are accepted and ignored: sampling parameters (`temperature`,
 * `max_tokens`, …) have no counterpart on agent platforms, whose agents carry their own settings.
 * Parameters a platform cannot honour (`tools`, `response_format` other than text, `n` other than 1,
 * …: the list shared with the Responses API, `unsupported-parameters.ts`) are refused with a 400
 * naming them, never dropped silently.
 */
export const chatCompletionsRequestSchema = z
  .looseObject({
    model: z
      .string()
      .min(1, 'must not be empty')
      .describe(
        '`<platform>` (its default agent) or `<platform>/<agentId>`, for example `codeer/<agentId>`; `GET /v1/models` lists them.',
      ),
    messages: z
      .array(messageSchema)
      .min(1, 'must contain at least one message')
      .describe(
        'The conversation, ending with the new user message. Platforms that keep the history themselves get only what is new.',
      ),
    stream: z
      .boolean()
      .nullish()
      .describe('`true`: Server-Sent Events of `chat.completion.chunk`s ending with `data: [DONE]`.'),
    stream_options: z
      .looseObject({
        include_usage: z
          .boolean()
          .nullish()
          .describe('Add a usage chunk (`choices: []`) before `[DONE]` when the platform reports usage.'),
      })
      .nullish(),
    user: idSchema.nullish().describe('The end user the turn runs for (miibo `uid`, Codeer `external_user_id`).'),
    conversation_id: idSchema
      .nullish()
      .describe(
        'The platform session to continue (an id from the `kakehashi` field or an `x-kakehashi-*` header of an earlier answer).',
      ),
    chat_id: chatIdSchema.nullish().describe('Another name for `conversation_id` (the Codeer chat).'),
    metadata: z
      .looseObject({
        conversation_id: idSchema.optional().describe('As the top-level `conversation_id`.'),
        chat_id: chatIdSchema.optional().describe('As the top-level `chat_id`.'),
      })
      .nullish()
      .describe('OpenAI metadata; `conversation_id` / `chat_id` here work as the top-level fields (typed clients).'),
    ...unsupportedChatParameters,
  })
  .describe('An OpenAI Chat Completions request, as kakehashi serves it.');

/** The body as parsed by {@link chatCompletionsRequestSchema}. */
export type ChatCompletionsRequestBody = z.infer<typeof chatCompletionsRequestSchema>;

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
        { param: `messages[${index}].content[${j}].type`, code: 'unsupported_value' },
      );
    }
  }
  return text;
}

/** The session and the field it came from; two different ids are refused. */
function sessionOf(b: ChatCompletionsRequestBody): { session: string | undefined; param: string | undefined } {
  const given: Array<[string, string | number | null | undefined]> = [
    ['conversation_id', b.conversation_id],
    ['chat_id', b.chat_id],
    ['metadata.conversation_id', b.metadata?.conversation_id],
    ['metadata.chat_id', b.metadata?.chat_id],
  ];
  let session: string | undefined;
  let param: string | undefined;
  for (const [name, value] of given) {
    if (value === undefined || value === null) continue;
    const id = String(value);
    if (session === undefined) {
      session = id;
      param = name;
    } else if (id !== session) {
      throw new ChatRequestError(
        `Invalid value for '${name}': it names a different session than '${param}' (they are two names for the same id; send one).`,
        { param: name, code: 'invalid_value' },
      );
    }
  }
  return { session, param };
}

/**
 * The 400 for the first zod issue of a request body: `param` in OpenAI's path style, `code`
 * `missing_required_parameter`, `invalid_type`, `unsupported_value` (a parameter the platforms
 * cannot honour, see `unsupported-parameters.ts`) or `invalid_value`.
 */
export function requestErrorOf(body: unknown, issue: z.core.$ZodIssue): ChatRequestError {
  const param = openAIParamPath(issue.path);
  const missing = valueAt(body, issue.path) === undefined;
  if (missing && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
    return new ChatRequestError(`Missing required parameter: '${param}'.`, {
      param,
      code: 'missing_required_parameter',
    });
  }
  if (isUnsupportedIssue(issue)) {
    return new ChatRequestError(`Unsupported value for '${param}': ${issue.message}.`, {
      param,
      code: 'unsupported_value',
    });
  }
  const code = issue.code === 'invalid_type' || issue.code === 'invalid_union' ? 'invalid_type' : 'invalid_value';
  return new ChatRequestError(`Invalid value for '${param}': ${issue.message}.`, { param, code });
}

/**
 * Checks a parsed JSON body and reduces it to what the handler needs.
 *
 * @throws ChatRequestError naming the first bad field (`param` in OpenAI's path style).
 */
export function toChatCompletionsRequest(body: unknown): ChatCompletionsRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ChatRequestError('The request body must be a JSON object.', { code: 'invalid_type' });
  }
  const parsed = chatCompletionsRequestSchema.safeParse(body);
  if (!parsed.success) throw requestErrorOf(body, parsed.error.issues[0]!);
  const b = parsed.data;
  const messages: ChatMessage[] = b.messages.map((m, i) => ({ role: m.role, text: contentText(m.content, i) }));
  const { session, param } = sessionOf(b);
  return {
    model: b.model,
    messages,
    stream: b.stream === true,
    includeUsage: b.stream_options?.include_usage === true,
    user: b.user ?? undefined,
    session,
    sessionParam: param,
  };
}

/**
 * Reads a request body of at most `maxBytes` and parses it as JSON (any JSON value).
 *
 * @throws ChatRequestError 413 `request_too_large`, 400 `json_too_deep` (arrays and objects nested more
 * than `JSON_MAX_DEPTH`, 128, levels), or 400 `invalid_json`.
 */
export async function readJsonBody(request: Request, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<unknown> {
  const text = await readRequestText(request, maxBytes);
  if (text === undefined || text.length > maxBytes) {
    throw new ChatRequestError(`The request body is larger than ${maxBytes} bytes.`, {
      status: 413,
      code: 'request_too_large',
    });
  }
  const parsed = parseJsonRequestBody(text);
  if (parsed.ok) return parsed.value;
  if (parsed.reason === 'too-deep') throw new ChatRequestError(parsed.message, { code: 'json_too_deep' });
  throw new ChatRequestError('We could not parse the JSON body of your request: it must be one JSON object.', {
    code: 'invalid_json',
  });
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
  return toChatCompletionsRequest(await readJsonBody(request, maxBytes));
}
