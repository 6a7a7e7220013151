import { z } from 'zod';
import { jsonSchema, type OpenApiParts, type OpenApiPartsOptions, operationParts, ref } from './openapi-parts';
import { chatCompletionsRequestSchema } from './chat-completions-request';

const ids = {
  provider: z.string().describe('The platform that answered (the model prefix).'),
  session: z.string().optional().describe('The session: send it back as `conversation_id` to continue.'),
  conversation_id: z.string().optional(),
  chat_id: z.string().optional(),
  message_id: z.string().optional(),
  uid: z.string().optional(),
  response_id: z.string().optional(),
};

const usageSchema = z.looseObject({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

const stepSchema = z
  .looseObject({
    type: z.enum(['step-start', 'step-end']),
    id: z.string(),
    kind: z.string(),
    title: z.string().optional(),
    status: z.string().optional(),
  })
  .describe("One of the agent's steps (a reasoning step, a task), as kakehashi's `AgentEvent`.");

/** The OpenAI error envelope every failure is answered with. */
export const openAIErrorSchema = z
  .looseObject({
    error: z.looseObject({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable().describe('The request field at fault (`messages[0].content`).'),
      code: z.string().nullable(),
    }),
  })
  .describe('An OpenAI-style error.');

/** A non-streamed answer: `chat.completion`, with the `kakehashi` extension. */
export const chatCompletionSchema = z
  .looseObject({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.looseObject({
        index: z.number().int(),
        message: z.looseObject({ role: z.literal('assistant'), content: z.string(), refusal: z.null() }),
        logprobs: z.null(),
        finish_reason: z.string(),
      }),
    ),
    usage: usageSchema.optional().describe('When the platform reports usage.'),
    kakehashi: z
      .looseObject({
        ...ids,
        steps: z.array(stepSchema).optional(),
        title: z.string().optional().describe('The conversation title, when the platform gave one.'),
        finish_reason: z.string().optional().describe('The platform reason when it maps to no OpenAI one.'),
      })
      .describe('kakehashi extension (ignored by OpenAI clients): ids, steps, title.'),
  })
  .describe('A whole answer.');

/** One streamed event: `chat.completion.chunk` (the `data:` of one SSE event; the stream ends with `data: [DONE]`). */
export const chatCompletionChunkSchema = z
  .looseObject({
    id: z.string(),
    object: z.literal('chat.completion.chunk'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.looseObject({
        index: z.number().int(),
        delta: z.looseObject({ role: z.literal('assistant').optional(), content: z.string().optional() }),
        logprobs: z.null(),
        finish_reason: z.string().nullable(),
      }),
    ),
    usage: usageSchema.optional().describe('The usage chunk (`choices: []`), with `stream_options.include_usage`.'),
    kakehashi: z
      .looseObject({
        ...z.object(ids).partial().shape,
        text_replace: z.boolean().optional().describe('This content replaces all the text before it.'),
        text: z.string().optional().describe('On the last chunk after a rewrite: the final text.'),
        step: stepSchema.optional(),
        title: z.string().optional(),
        finish_reason: z.string().optional(),
      })
      .optional()
      .describe('kakehashi extension: ids on the first and last chunk, steps, titles, rewrites.'),
  })
  .describe('One streamed chunk.');

/** `GET /v1/models`. */
export const modelListSchema = z
  .looseObject({
    object: z.literal('list'),
    data: z.array(
      z.looseObject({
        id: z.string().describe('`<platform>` or `<platform>/<agentId>`.'),
        object: z.literal('model'),
        created: z.number().int(),
        owned_by: z.string().describe('The platform.'),
      }),
    ),
  })
  .describe('The models of every configured platform.');

/** Options of {@link chatCompletionsOpenApi} (tags default to `['Chat']`). */
export type ChatCompletionsOpenApiOptions = OpenApiPartsOptions;

/** The OpenAPI parts {@link chatCompletionsOpenApi} returns, to merge into a document. */
export type ChatCompletionsOpenApi = OpenApiParts;

/**
 * The OpenAPI 3.1 description of the two routes, generated from the zod schemas the handler
 * validates with (so it cannot drift from the code): merge `paths` into the document's paths and
 * `schemas` into `components.schemas`.
 */
export function chatCompletionsOpenApi(options: ChatCompletionsOpenApiOptions = {}): ChatCompletionsOpenApi {
  const { base, tags, security, errors } = operationParts(options, 'Chat');
  return {
    paths: {
      [`${base}/chat/completions`]: {
        post: {
          tags,
          summary: 'Create a chat completion (streaming with `stream: true`, as Server-Sent Events)',
          description:
            '`model` is `<platform>` or `<platform>/<agentId>` (`GET /v1/models` lists them). Ids of the turn come back in the `kakehashi` field and in `x-kakehashi-*` headers; send `session` back as `conversation_id` to continue.',
          ...security,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('ChatCompletionsRequest') } },
          },
          responses: {
            200: {
              description:
                'A `chat.completion`, or with `stream: true` a `text/event-stream` of `chat.completion.chunk` events (`data: {…}`) ending with `data: [DONE]`; an error mid-stream is `data: {"error": {…}}`. Heartbeat comments (`: heartbeat`) keep a silent stream open.',
              headers: {
                'x-kakehashi-provider': { schema: { type: 'string' }, description: 'The platform.' },
                'x-kakehashi-session': { schema: { type: 'string' }, description: 'The session, when known.' },
              },
              content: {
                'application/json': { schema: ref('ChatCompletion') },
                'text/event-stream': {
                  schema: { type: 'string' },
                  description: 'Each `data:` is a ChatCompletionChunk.',
                },
              },
            },
            ...errors({
              400: 'Invalid request (`param` names the field), or the platform is not configured (`provider_not_configured`)',
              401: 'Missing or wrong API key',
              404: 'Unknown model (`model_not_found`) or agent',
              413: 'Request body over the limit',
              429: 'Rate limited by the platform (`Retry-After` passed on)',
              500: 'Server error',
              502: 'The platform failed or refused the server credentials',
              504: 'The platform timed out',
            }),
          },
        },
      },
      [`${base}/models`]: {
        get: {
          tags,
          summary: 'List the models of the configured platforms',
          ...security,
          responses: {
            200: {
              description: 'OpenAI `list` of `model` objects',
              content: { 'application/json': { schema: ref('ModelList') } },
            },
            ...errors({ 401: 'Missing or wrong API key' }),
          },
        },
      },
    },
    schemas: {
      ChatCompletionsRequest: jsonSchema(chatCompletionsRequestSchema, 'input'),
      ChatCompletion: jsonSchema(chatCompletionSchema, 'output'),
      ChatCompletionChunk: jsonSchema(chatCompletionChunkSchema, 'output'),
      ModelList: jsonSchema(modelListSchema, 'output'),
      Error: jsonSchema(openAIErrorSchema, 'output'),
    },
  };
}
