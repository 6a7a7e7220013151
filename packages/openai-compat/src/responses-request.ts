import { z } from 'zod';
import { ChatRequestError } from './chat-completions-errors';
import { type ChatMessage, readJsonBody, requestErrorOf } from './chat-completions-request';
import { unsupportedResponsesParameters } from './unsupported-parameters';

/**
 * One entry of the request's `input`, reduced: a message's text, or a reference to an output item
 * of a stored response (`{ type: 'item_reference', id }`), resolved by the handler.
 */
export type ResponsesInputEntry =
  | { kind: 'message'; message: ChatMessage }
  | { kind: 'reference'; id: string; param: string };

/** The parts of a Responses API request the handler acts on. */
export interface ResponsesRequest {
  model: string;
  /** `input`, in order (`reasoning` items left out: they are the agent's own steps). */
  input: ResponsesInputEntry[];
  /** `instructions`, sent as the first `system` message. */
  instructions: string | undefined;
  /** The stored response this one continues. */
  previousResponseId: string | undefined;
  /** OpenAI `user`: the end user the turn runs for (`userId` of the agent contract). */
  user: string | undefined;
  /** Echoed on the response. */
  metadata: Record<string, string> | undefined;
  /** `store` (default true): keep the response so it can be fetched and continued. */
  store: boolean;
  stream: boolean;
}

const idSchema = z.string().min(1, 'must not be empty').max(512, 'must be at most 512 characters');
const ignored = (what: string) => `Accepted and ignored (${what}).`;
const AGENT_SETTINGS = 'the agents on the platforms carry their own settings';

const contentPartSchema = z
  .looseObject({
    type: z
      .string()
      .describe('`input_text` (`output_text` in assistant messages); images, files and audio are refused with 400.'),
    text: z.string().optional(),
  })
  .describe('A content part. Only text parts are accepted: the agent platforms take text.');

const inputItemSchema = z
  .looseObject({
    type: z
      .string()
      .optional()
      .describe(
        "`message` (the default), `reasoning` (an earlier answer's step: left out) or `item_reference` (an output item of a stored response, by `id`). Other item types (tool calls and their outputs, …) are refused with 400.",
      ),
    role: z
      .enum(['user', 'assistant', 'system', 'developer'])
      .optional()
      .describe('Of a message: `developer` is sent as `system`.'),
    content: z
      .union([z.string(), z.array(contentPartSchema)])
      .optional()
      .describe('Of a message: text, or text parts (joined).'),
    id: z.string().optional().describe('Of an `item_reference`: the output item (`msg_…`).'),
  })
  .describe('One input item: a message (`{ role, content }`, with or without `type: "message"`).');

/**
 * The request body of `POST /v1/responses`, as the handler checks it (and as `/openapi.json`
 * describes it). Types are checked; unknown fields are accepted and ignored, and so are the sampling
 * parameters listed here. Parameters the platforms cannot honour (`tools`, `text.format` other than
 * text, `background`, …: the list shared with Chat Completions, `unsupported-parameters.ts`) are
 * refused with a 400 naming them.
 */
export const responsesRequestSchema = z
  .looseObject({
    model: z
      .string()
      .min(1, 'must not be empty')
      .describe(
        '`<platform>` (its default agent) or `<platform>/<agentId>`, for example `codeer/<agentId>`; `GET /v1/models` lists them.',
      ),
    input: z
      .union([z.string(), z.array(inputItemSchema).min(1, 'must contain at least one item')])
      .describe(
        'The user message as a string, or message items. With `previous_response_id`, only what is new: the platform holds the history.',
      ),
    instructions: z
      .string()
      .nullish()
      .describe(
        'Sent as the `system` message. AgenticStar takes it; Codeer and miibo agents keep the instructions configured on the platform.',
      ),
    previous_response_id: idSchema
      .nullish()
      .describe(
        'A stored response to continue: the same platform session (Codeer chat, miibo uid, AgenticStar conversation).',
      ),
    user: idSchema.nullish().describe('The end user the turn runs for (miibo `uid`, Codeer `external_user_id`).'),
    metadata: z
      .record(
        z.string().max(64, 'keys must be at most 64 characters'),
        z.string().max(512, 'must be at most 512 characters'),
      )
      .refine((m) => Object.keys(m).length <= 16, 'must have at most 16 keys')
      .nullish()
      .describe('Up to 16 string pairs, echoed on the response.'),
    store: z
      .boolean()
      .nullish()
      .describe(
        'Default `true`: the response is kept (`GET /v1/responses/{id}`, `previous_response_id`). `false`: not kept.',
      ),
    stream: z
      .boolean()
      .nullish()
      .describe('`true`: Server-Sent Events (`response.created` … `response.completed` or `response.failed`).'),
    stream_options: z.looseObject({}).nullish().describe(ignored('no obfuscation is added')),
    temperature: z.number().min(0).max(2).nullish().describe(ignored(AGENT_SETTINGS)),
    top_p: z.number().min(0).max(1).nullish().describe(ignored(AGENT_SETTINGS)),
    max_output_tokens: z.number().int().positive().nullish().describe(ignored(AGENT_SETTINGS)),
    max_tool_calls: z.number().int().nonnegative().nullish().describe(ignored('there are no tools to call')),
    parallel_tool_calls: z.boolean().nullish().describe(ignored('there are no tools to call')),
    reasoning: z.looseObject({}).nullish().describe(ignored(AGENT_SETTINGS)),
    truncation: z.enum(['auto', 'disabled']).nullish().describe(ignored('the platforms hold the history')),
    service_tier: z.string().nullish().describe(ignored(AGENT_SETTINGS)),
    prompt_cache_key: z.string().nullish().describe(ignored(AGENT_SETTINGS)),
    safety_identifier: z.string().nullish().describe(ignored(AGENT_SETTINGS)),
    ...unsupportedResponsesParameters,
  })
  .describe('An OpenAI Responses API request, as kakehashi serves it.');

const listInputSchema = responsesRequestSchema.extend({
  input: z.array(inputItemSchema).min(1, 'must contain at least one item'),
});

/** The body as parsed by {@link responsesRequestSchema}. */
export type ResponsesRequestBody = z.infer<typeof responsesRequestSchema>;

type InputItem = z.infer<typeof inputItemSchema>;

const TEXT_PARTS: Record<string, string> = {
  user: 'input_text',
  system: 'input_text',
  developer: 'input_text',
  assistant: 'output_text',
};

function partsText(item: InputItem, i: number): string {
  const content = item.content;
  if (content === undefined) {
    throw new ChatRequestError(`Missing required parameter: 'input[${i}].content'.`, {
      param: `input[${i}].content`,
      code: 'missing_required_parameter',
    });
  }
  if (typeof content === 'string') return content;
  let text = '';
  for (let j = 0; j < content.length; j++) {
    const part = content[j]!;
    const param = `input[${i}].content[${j}]`;
    const textual = part.type === 'input_text' || part.type === 'output_text' || part.type === 'text';
    if (!textual) {
      throw new ChatRequestError(
        `Unsupported value for '${param}.type': only text content is supported by the agent platforms (got "${part.type}"; use "${TEXT_PARTS[item.role!]}").`,
        { param: `${param}.type`, code: 'unsupported_value' },
      );
    }
    if (typeof part.text !== 'string') {
      throw new ChatRequestError(`Missing required parameter: '${param}.text'.`, {
        param: `${param}.text`,
        code: 'missing_required_parameter',
      });
    }
    text += part.text;
  }
  return text;
}

function inputEntries(input: string | InputItem[]): ResponsesInputEntry[] {
  if (typeof input === 'string') return [{ kind: 'message', message: { role: 'user', text: input } }];
  const out: ResponsesInputEntry[] = [];
  for (let i = 0; i < input.length; i++) {
    const item = input[i]!;
    const type = item.type ?? 'message';
    if (type === 'reasoning') continue;
    if (type === 'item_reference') {
      if (item.id === undefined || item.id === '') {
        throw new ChatRequestError(`Missing required parameter: 'input[${i}].id'.`, {
          param: `input[${i}].id`,
          code: 'missing_required_parameter',
        });
      }
      out.push({ kind: 'reference', id: item.id, param: `input[${i}].id` });
      continue;
    }
    if (type !== 'message') {
      throw new ChatRequestError(
        `Unsupported value for 'input[${i}].type': only message items are accepted (got "${type}"; the agents on the platforms run their own tools).`,
        { param: `input[${i}].type`, code: 'unsupported_value' },
      );
    }
    if (item.role === undefined) {
      throw new ChatRequestError(`Missing required parameter: 'input[${i}].role'.`, {
        param: `input[${i}].role`,
        code: 'missing_required_parameter',
      });
    }
    out.push({ kind: 'message', message: { role: item.role, text: partsText(item, i) } });
  }
  return out;
}

/**
 * Checks a parsed JSON body and reduces it to what the handler needs.
 *
 * @throws ChatRequestError naming the first bad field (`param` in OpenAI's path style: `input[1].content[0].type`).
 */
export function toResponsesRequest(body: unknown): ResponsesRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ChatRequestError('The request body must be a JSON object.', { code: 'invalid_type' });
  }
  // A list input is checked as a list, so an issue inside it names its item (`input[2].role`).
  const schema = Array.isArray((body as { input?: unknown }).input) ? listInputSchema : responsesRequestSchema;
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw requestErrorOf(body, parsed.error.issues[0]!);
  const b = parsed.data;
  return {
    model: b.model,
    input: inputEntries(b.input),
    instructions: b.instructions ?? undefined,
    previousResponseId: b.previous_response_id ?? undefined,
    user: b.user ?? undefined,
    metadata: b.metadata ?? undefined,
    store: b.store !== false,
    stream: b.stream === true,
  };
}

/**
 * Reads and checks the body of a `POST /v1/responses` request.
 *
 * @throws ChatRequestError for a body that is too large, not JSON, or invalid.
 */
export async function readResponsesRequest(request: Request, maxBytes: number): Promise<ResponsesRequest> {
  return toResponsesRequest(await readJsonBody(request, maxBytes));
}
