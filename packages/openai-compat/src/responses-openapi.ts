import { z } from 'zod';
import { jsonSchema, type OpenApiParts, type OpenApiPartsOptions, operationParts, ref } from './openapi-parts';
import { openAIErrorSchema } from './chat-completions-openapi';
import { responsesRequestSchema } from './responses-request';

const outputText = z.looseObject({
  type: z.literal('output_text'),
  text: z.string(),
  annotations: z.array(z.unknown()),
});

const messageItem = z
  .looseObject({
    id: z.string().describe('`msg_…`: an `item_reference` input can name it.'),
    type: z.literal('message'),
    status: z.enum(['in_progress', 'completed', 'incomplete']),
    role: z.literal('assistant'),
    content: z.array(outputText),
  })
  .describe('The answer.');

const reasoningItem = z
  .looseObject({
    id: z.string().describe('`rs_…`'),
    type: z.literal('reasoning'),
    status: z.enum(['in_progress', 'completed', 'incomplete']),
    summary: z.array(z.looseObject({ type: z.literal('summary_text'), text: z.string() })),
    kakehashi: z
      .looseObject({
        step: z.looseObject({
          id: z.string(),
          kind: z.string(),
          title: z.string().optional(),
          status: z.string().optional(),
        }),
      })
      .describe("kakehashi extension: the step as kakehashi's `AgentEvent` (kind, title, args, result, status)."),
  })
  .describe("One of the agent's steps (a Codeer reasoning step, an AgenticStar task); its title is the summary text.");

/** A `response` object, with the `kakehashi` extension. */
export const responseObjectSchema = z
  .looseObject({
    id: z.string().describe('`resp_…`'),
    object: z.literal('response'),
    created_at: z.number().int(),
    completed_at: z.number().int().nullable(),
    status: z.enum(['in_progress', 'completed', 'incomplete', 'failed']),
    error: z.looseObject({ code: z.string(), message: z.string() }).nullable(),
    incomplete_details: z.looseObject({ reason: z.string() }).nullable(),
    instructions: z.string().nullable(),
    model: z.string(),
    output: z.array(z.union([messageItem, reasoningItem])),
    output_text: z.string().describe('Every `output_text` part joined (the SDKs compute it too).'),
    previous_response_id: z.string().nullable(),
    store: z.boolean(),
    usage: z
      .looseObject({
        input_tokens: z.number().int(),
        output_tokens: z.number().int(),
        total_tokens: z.number().int(),
      })
      .nullable()
      .describe('When the platform reports usage.'),
    user: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    kakehashi: z
      .looseObject({
        provider: z.string().describe('The platform that answered.'),
        session: z.string().optional().describe('The platform session (continue it with `previous_response_id`).'),
        title: z.string().optional(),
      })
      .describe('kakehashi extension (ignored by OpenAI clients): ids, session, title.'),
  })
  .describe('A response.');

/** One streamed event (the `data:` of one SSE event, whose `event:` is the same `type`). */
export const responseStreamEventSchema = z
  .looseObject({
    type: z.enum([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.completed',
      'response.incomplete',
      'response.failed',
    ]),
    sequence_number: z.number().int().nonnegative(),
    response: responseObjectSchema.optional().describe('On the lifecycle events.'),
    output_index: z.number().int().optional(),
    item_id: z.string().optional(),
    item: z.unknown().optional(),
    delta: z.string().optional(),
    text: z.string().optional(),
  })
  .describe('One streamed event.');

/** Options of {@link responsesOpenApi} (tags default to `['Responses']`). */
export type ResponsesOpenApiOptions = OpenApiPartsOptions;

/** The OpenAPI parts {@link responsesOpenApi} returns, to merge into a document. */
export type ResponsesOpenApi = OpenApiParts;

/**
 * The OpenAPI 3.1 description of the Responses API routes, generated from the zod schemas the
 * handler validates with: merge `paths` into the document's paths and `schemas` into
 * `components.schemas` (its `Error` is the chat routes' `Error`).
 */
export function responsesOpenApi(options: ResponsesOpenApiOptions = {}): ResponsesOpenApi {
  const { base, tags, security, errors } = operationParts(options, 'Responses');
  const idHeaders = {
    'x-kakehashi-provider': { schema: { type: 'string' }, description: 'The platform.' },
    'x-kakehashi-session': { schema: { type: 'string' }, description: 'The platform session, when known.' },
  };
  return {
    paths: {
      [`${base}/responses`]: {
        post: {
          tags,
          summary: 'Create a response (streaming with `stream: true`, as Server-Sent Events)',
          description:
            '`model` is `<platform>` or `<platform>/<agentId>` (`GET /v1/models` lists them). Continue a conversation with `previous_response_id` (the same platform session). Agent steps are `reasoning` output items. Parameters the platforms cannot honour are refused with 400 naming them.',
          ...security,
          requestBody: { required: true, content: { 'application/json': { schema: ref('ResponsesRequest') } } },
          responses: {
            200: {
              description:
                'A `response`, or with `stream: true` a `text/event-stream` of events (`event: <type>` and `data: {…}`): `response.created`, `response.in_progress`, `response.output_item.added`, `response.content_part.added`, `response.output_text.delta`…, `response.output_text.done`, `response.content_part.done`, `response.output_item.done`, then `response.completed` (or `response.incomplete`); a failure mid-stream ends with `response.failed`. Heartbeat comments (`: heartbeat`) keep a silent stream open.',
              headers: idHeaders,
              content: {
                'application/json': { schema: ref('Response') },
                'text/event-stream': {
                  schema: { type: 'string' },
                  description: 'Each `data:` is a ResponseStreamEvent.',
                },
              },
            },
            ...errors({
              400: 'Invalid request (`param` names the field: `input[0].content[1].type`, `previous_response_id`, `tools`, …), or the platform is not configured (`provider_not_configured`)',
              401: 'Missing or wrong API key',
              404: 'Unknown model (`model_not_found`) or agent',
              413: 'Request body over the limit',
              429: 'Rate limited by the platform (`Retry-After` passed on)',
              500: 'Server error',
              502: 'The platform failed or refused the server credentials',
              503: 'The response could not be stored (`store_failed`)',
              504: 'The platform timed out',
            }),
          },
        },
      },
      [`${base}/responses/{response_id}`]: {
        get: {
          tags,
          summary: 'A stored response',
          ...security,
          parameters: [{ name: 'response_id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            200: {
              description: 'The response',
              headers: idHeaders,
              content: { 'application/json': { schema: ref('Response') } },
            },
            ...errors({
              401: 'Missing or wrong API key',
              404: 'Not stored here (`store: false`, expired, another caller’s, or never existed): `response_not_found`',
            }),
          },
        },
      },
    },
    schemas: {
      ResponsesRequest: jsonSchema(responsesRequestSchema, 'input'),
      Response: jsonSchema(responseObjectSchema, 'output'),
      ResponseStreamEvent: jsonSchema(responseStreamEventSchema, 'output'),
      Error: jsonSchema(openAIErrorSchema, 'output'),
    },
  };
}
