import { z } from 'zod';

/**
 * Honest parameters: the one list of OpenAI request parameters the agent platforms cannot honour,
 * shared by Chat Completions and the Responses API. Each becomes a field of the request schemas
 * (so `/openapi.json` shows what it accepts): the default and empty values (`tools: []`, `n: 1`,
 * `tool_choice: 'none'`, `{ type: 'text' }`, `null`, …) pass, and any other value is a 400 whose
 * `param` names it (`code: 'unsupported_value'`), never a silent drop.
 *
 * What is not here is accepted: the requests' own fields, and the parameters that only tune how the
 * same text answer is produced (`temperature`, `top_p`, `max_tokens`, `max_output_tokens`, penalties,
 * `seed`, `stop`, `reasoning`, `reasoning_effort`, `verbosity`, `service_tier`, `truncation`,
 * `parallel_tool_calls` without tools, …), which are accepted and ignored on both APIs: the agents on
 * the platforms carry their own settings.
 */

/** Marks a zod issue as "the platforms cannot honour this value" (read by the request readers). */
export const UNSUPPORTED_ISSUE = 'kakehashiUnsupported';

/** True for a zod issue raised by one of the refusals below. */
export function isUnsupportedIssue(issue: { code: string; params?: Record<string, unknown> | undefined }): boolean {
  return issue.code === 'custom' && issue.params?.[UNSUPPORTED_ISSUE] === true;
}

/** Why a value is refused, and where inside it (`['type']` for `response_format.type`). */
interface Refusal {
  reason: string;
  path?: PropertyKey[];
}

/** One parameter the platforms cannot honour. */
export interface UnsupportedParameter {
  /** The parameter as documented (`text.format` for the Responses API's `text`). */
  readonly param: string;
  /** The top-level request field that carries it. */
  readonly field: string;
  /** The APIs that have it. */
  readonly apis: ReadonlyArray<'chat' | 'responses'>;
  /** What is accepted, for the README table (anything else is a 400). */
  readonly accepted: string;
  /** Why other values are refused (for the OpenAPI description). */
  readonly why: string;
  /** The JSON Schema of the accepted values, for OpenAPI. */
  readonly jsonSchema: Record<string, unknown>;
  /** `undefined` when the (non-null) value is accepted. */
  readonly refuse: (value: unknown) => Refusal | undefined;
}

const NO_TOOLS = 'the agents on the platforms run their own tools';
const TEXT_ONLY = 'the platforms answer text only';
const NO_LOGPROBS = 'the platforms report no log probabilities';
const NULL = { type: 'null' };
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const emptyList = (what: string) => (v: unknown) =>
  Array.isArray(v) && v.length === 0 ? undefined : { reason: `${what}; only an empty list is accepted` };
const noneOrAuto = (param: string) => (v: unknown) =>
  v === 'none' || v === 'auto' ? undefined : { reason: `${NO_TOOLS}; ${param} can only be "none" or "auto"` };
const nothing = (reason: string) => () => ({ reason });
const textFormat = (v: unknown): Refusal | undefined => {
  if (isRecord(v) && v.type === 'text') return undefined;
  return {
    reason: `${TEXT_ONLY}: only { "type": "text" } is accepted (no JSON mode or structured output)`,
    ...(isRecord(v) ? { path: ['type'] } : {}),
  };
};

/** `include` values that add nothing here and are accepted (reasoning items carry no encrypted content). */
export const ACCEPTED_INCLUDES: readonly string[] = ['reasoning.encrypted_content'];

/** Every parameter the platforms cannot honour, on both APIs (the README tables follow this list). */
export const unsupportedParameters: readonly UnsupportedParameter[] = [
  {
    param: 'tools',
    why: NO_TOOLS,
    field: 'tools',
    apis: ['chat', 'responses'],
    accepted: '`[]`',
    jsonSchema: { anyOf: [{ type: 'array', maxItems: 0 }, NULL] },
    refuse: emptyList(NO_TOOLS),
  },
  {
    param: 'tool_choice',
    why: NO_TOOLS,
    field: 'tool_choice',
    apis: ['chat', 'responses'],
    accepted: '`"none"`, `"auto"`',
    jsonSchema: { anyOf: [{ enum: ['none', 'auto'] }, NULL] },
    refuse: noneOrAuto('tool_choice'),
  },
  {
    param: 'functions',
    why: NO_TOOLS,
    field: 'functions',
    apis: ['chat'],
    accepted: '`[]`',
    jsonSchema: { anyOf: [{ type: 'array', maxItems: 0 }, NULL] },
    refuse: emptyList(NO_TOOLS),
  },
  {
    param: 'function_call',
    why: NO_TOOLS,
    field: 'function_call',
    apis: ['chat'],
    accepted: '`"none"`, `"auto"`',
    jsonSchema: { anyOf: [{ enum: ['none', 'auto'] }, NULL] },
    refuse: noneOrAuto('function_call'),
  },
  {
    param: 'response_format',
    why: TEXT_ONLY,
    field: 'response_format',
    apis: ['chat'],
    accepted: '`{ "type": "text" }`',
    jsonSchema: { anyOf: [{ type: 'object', properties: { type: { const: 'text' } }, required: ['type'] }, NULL] },
    refuse: textFormat,
  },
  {
    param: 'text.format',
    why: TEXT_ONLY,
    field: 'text',
    apis: ['responses'],
    accepted: '`{ "type": "text" }` (`text.verbosity` is accepted and ignored)',
    jsonSchema: {
      anyOf: [
        {
          type: 'object',
          properties: {
            format: { anyOf: [{ type: 'object', properties: { type: { const: 'text' } }, required: ['type'] }, NULL] },
            verbosity: { anyOf: [{ type: 'string' }, NULL], description: 'Accepted and ignored.' },
          },
        },
        NULL,
      ],
    },
    refuse: (v) => {
      if (!isRecord(v)) return { reason: 'must be an object ({ "format": { "type": "text" } })' };
      if (v.format === undefined || v.format === null) return undefined;
      const refusal = textFormat(v.format);
      return refusal && { ...refusal, path: ['format', ...(refusal.path ?? [])] };
    },
  },
  {
    param: 'n',
    why: 'one answer per turn',
    field: 'n',
    apis: ['chat'],
    accepted: '`1`',
    jsonSchema: { anyOf: [{ const: 1 }, NULL] },
    refuse: (v) => (v === 1 ? undefined : { reason: 'only n=1 is supported: one answer per turn' }),
  },
  {
    param: 'modalities',
    why: TEXT_ONLY,
    field: 'modalities',
    apis: ['chat'],
    accepted: '`["text"]`',
    jsonSchema: { anyOf: [{ type: 'array', items: { const: 'text' } }, NULL] },
    refuse: (v) => {
      if (!Array.isArray(v)) return { reason: `${TEXT_ONLY}: only ["text"] is accepted` };
      const i = v.findIndex((m) => m !== 'text');
      return i < 0 ? undefined : { reason: `${TEXT_ONLY}: only "text" is accepted`, path: [i] };
    },
  },
  {
    param: 'audio',
    why: TEXT_ONLY,
    field: 'audio',
    apis: ['chat'],
    accepted: '`null`',
    jsonSchema: NULL,
    refuse: nothing(`${TEXT_ONLY}: no audio output`),
  },
  {
    param: 'logprobs',
    why: NO_LOGPROBS,
    field: 'logprobs',
    apis: ['chat'],
    accepted: '`false`',
    jsonSchema: { anyOf: [{ const: false }, NULL] },
    refuse: (v) => (v === false ? undefined : { reason: NO_LOGPROBS }),
  },
  {
    param: 'top_logprobs',
    why: NO_LOGPROBS,
    field: 'top_logprobs',
    apis: ['chat', 'responses'],
    accepted: '`0`',
    jsonSchema: { anyOf: [{ const: 0 }, NULL] },
    refuse: (v) => (v === 0 ? undefined : { reason: NO_LOGPROBS }),
  },
  {
    param: 'prediction',
    why: 'the platforms take no predicted output',
    field: 'prediction',
    apis: ['chat'],
    accepted: '`null`',
    jsonSchema: NULL,
    refuse: nothing('the platforms take no predicted output'),
  },
  {
    param: 'web_search_options',
    why: NO_TOOLS,
    field: 'web_search_options',
    apis: ['chat'],
    accepted: '`null`',
    jsonSchema: NULL,
    refuse: nothing(NO_TOOLS),
  },
  {
    param: 'background',
    why: 'answers are streamed or returned at once',
    field: 'background',
    apis: ['responses'],
    accepted: '`false`',
    jsonSchema: { anyOf: [{ const: false }, NULL] },
    refuse: (v) =>
      v === false
        ? undefined
        : { reason: 'background responses are not supported: answers are streamed or returned at once' },
  },
  {
    param: 'include',
    why: 'there is nothing else to include',
    field: 'include',
    apis: ['responses'],
    accepted: '`[]`, `["reasoning.encrypted_content"]` (there is none: nothing is added)',
    jsonSchema: { anyOf: [{ type: 'array', items: { enum: [...ACCEPTED_INCLUDES] } }, NULL] },
    refuse: (v) => {
      if (!Array.isArray(v)) return { reason: 'must be a list' };
      const i = v.findIndex((x) => typeof x !== 'string' || !ACCEPTED_INCLUDES.includes(x));
      return i < 0
        ? undefined
        : {
            reason: `nothing of the kind can be included (${NO_LOGPROBS}, and ${NO_TOOLS} on text input only); accepted: ${ACCEPTED_INCLUDES.join(', ')}`,
            path: [i],
          };
    },
  },
  {
    param: 'conversation',
    why: 'the Conversations API is not served here: continue with previous_response_id',
    field: 'conversation',
    apis: ['responses'],
    accepted: '`null`',
    jsonSchema: NULL,
    refuse: nothing('the Conversations API is not served here: continue with previous_response_id'),
  },
  {
    param: 'prompt',
    why: 'prompt templates are not supported',
    field: 'prompt',
    apis: ['responses'],
    accepted: '`null`',
    jsonSchema: NULL,
    refuse: nothing('prompt templates are not supported: send input and instructions'),
  },
];

/** The zod field of one parameter: absent and `null` pass, other values are checked by `refuse`. */
function field(rule: UnsupportedParameter): z.ZodOptional<z.ZodUnknown> {
  const check = z.unknown().superRefine((value, ctx) => {
    if (value === null) return;
    const refusal = rule.refuse(value);
    if (refusal === undefined) return;
    ctx.addIssue({
      code: 'custom',
      message: refusal.reason,
      params: { [UNSUPPORTED_ISSUE]: true },
      ...(refusal.path ? { path: refusal.path } : {}),
    });
  });
  return z
    .optional(check)
    .meta({ ...rule.jsonSchema, description: `Only ${rule.accepted}; other values are refused (${rule.why}).` });
}

function fieldsOf(api: 'chat' | 'responses'): Record<string, z.ZodOptional<z.ZodUnknown>> {
  const out: Record<string, z.ZodOptional<z.ZodUnknown>> = {};
  for (const rule of unsupportedParameters) if (rule.apis.includes(api)) out[rule.field] = field(rule);
  return out;
}

/** The Chat Completions request fields of {@link unsupportedParameters} (spread into its schema). */
export const unsupportedChatParameters = fieldsOf('chat');

/** The Responses API request fields of {@link unsupportedParameters} (spread into its schema). */
export const unsupportedResponsesParameters = fieldsOf('responses');
