import { registerSecret, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';
import { requestOptionShape, type MiiboRequestOptions } from './miibo-request-options';
import { httpUrlSchema, nonEmpty, sentHeaderRecordSchema, validate } from './miibo-validation';

/** Most agents in one group. */
export const MIIBO_AGENT_GROUP_MAX_AGENTS = 5;
/** Most characters (UTF-16 code units) in an agent group's first utterance. */
export const MIIBO_AGENT_GROUP_MAX_UTTERANCE = 5000;
/** Most result e-mail addresses. */
export const MIIBO_AGENT_GROUP_MAX_EMAILS = 5;

/** One member agent of a group: its id and its own (chat) API key. */
export interface MiiboAgentGroupMember {
  /** The agent's id. */
  agentId: string;
  /** That agent's API key (treated as a secret). */
  apiKey: string;
}

/**
 * The body of `POST /agent-groups/start`, with miibo's exact (camelCase) field names. Validated
 * before sending; unknown fields are rejected (pass future ones through `extraBody` of the call).
 */
export interface MiiboAgentGroupStartInput {
  /** The user's first message, at most 5,000 characters. */
  utterance: string;
  /** The ADMINISTRATOR's miibo user id (shown in the admin console), not an end-user id. */
  uid: string;
  /** The member agents, 1 to 5. */
  agentIds: MiiboAgentGroupMember[];
  /** The group's name. */
  groupName: string;
  /** The group's mission. */
  groupMission: string;
  /** The group's description. */
  groupDescription: string;
  /** A behaviour guideline for the whole team. */
  groupPrompt?: string;
  /** Where miibo POSTs the result when the run finishes (see `parseAgentGroupWebhook`). */
  resultWebhookUrl?: string;
  /** Custom headers miibo adds to the webhook call, e.g. a shared secret to check on receipt. */
  webhookHeaders?: Record<string, string>;
  /** Also send the result by e-mail (then `resultEmails` is required). */
  sendResultEmail?: boolean;
  /** Result e-mail recipients, at most 5; required when `sendResultEmail` is true. */
  resultEmails?: string[];
  /** The result e-mail's subject. */
  resultEmailTitle?: string;
  /** Return only the final conclusion, without the agents' conversation. */
  conclusionOnlyMode?: boolean;
  /** A template for the webhook body (format not documented by miibo). */
  customWebhookBodyTmpl?: string;
  /** Any JSON, sent back with the webhook notification. */
  customParameters?: Record<string, unknown>;
  /**
   * Run synchronously: the response arrives when the run is done (up to miibo's 30-minute limit).
   * Default false: the response arrives at once and the result comes by webhook. In sync mode the
   * SDK waits up to 31 minutes for headers and does not retry, unless the call says otherwise.
   */
  isSyncMode?: boolean;
}

/** What `POST /agent-groups/start` answers. Unknown fields are kept. */
export interface MiiboAgentGroupStartResponse {
  /** `started` for an asynchronous run; `completed` or `error` are also documented values. */
  status?: string;
  /** The new group's id; webhook notifications carry the same id. */
  groupId?: string;
  /** A URL to fetch the result from (optional; miibo documents no retrieval API). */
  result_url?: string;
  [key: string]: unknown;
}

/** Per-call options of `startAgentGroup`. */
export interface MiiboAgentGroupStartOptions extends MiiboRequestOptions {
  /** Further body fields sent as given (for fields miibo adds later). Validated fields win. */
  extraBody?: Record<string, unknown>;
}

const NON_SECRET_HEADERS = new Set(['content-type', 'accept', 'user-agent']);

const memberSchema = lazySchema(() => z.strictObject({ agentId: nonEmpty, apiKey: nonEmpty }));

const emailSchema = lazySchema(() => z.email({ error: 'is not an e-mail address' }));

const startShape = lazySchema(() => ({
  utterance: nonEmpty.max(MIIBO_AGENT_GROUP_MAX_UTTERANCE, {
    error: `must be at most ${MIIBO_AGENT_GROUP_MAX_UTTERANCE} characters`,
  }),
  uid: nonEmpty,
  agentIds: z
    .array(memberSchema)
    .min(1, { error: 'must list at least one agent' })
    .max(MIIBO_AGENT_GROUP_MAX_AGENTS, { error: `must list at most ${MIIBO_AGENT_GROUP_MAX_AGENTS} agents` }),
  groupName: nonEmpty,
  groupMission: nonEmpty,
  groupDescription: nonEmpty,
  groupPrompt: z.string().optional(),
  resultWebhookUrl: httpUrlSchema.optional(),
  webhookHeaders: sentHeaderRecordSchema.optional(),
  sendResultEmail: z.boolean().optional(),
  resultEmails: z
    .array(emailSchema)
    .max(MIIBO_AGENT_GROUP_MAX_EMAILS, { error: `must list at most ${MIIBO_AGENT_GROUP_MAX_EMAILS} addresses` })
    .optional(),
  resultEmailTitle: z.string().optional(),
  conclusionOnlyMode: z.boolean().optional(),
  customWebhookBodyTmpl: z.string().optional(),
  customParameters: z.record(z.string(), z.unknown()).optional(),
  isSyncMode: z.boolean().optional(),
}));

const startSchema: z.ZodType<MiiboAgentGroupStartInput> = lazySchema(() =>
  z.strictObject(startShape).superRefine((input, ctx) => {
    if (input.sendResultEmail === true && (input.resultEmails === undefined || input.resultEmails.length === 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['resultEmails'],
        message: 'is required (at least one address) when sendResultEmail is true',
      });
    }
  }),
);

/** Validates an agent group start body (before anything is sent) and registers its secrets. */
export function validateAgentGroupStart(input: unknown, name = 'input'): MiiboAgentGroupStartInput {
  const parsed = validate(startSchema, [...Object.keys(startShape), 'agentId', 'apiKey'], input, name);
  for (const member of parsed.agentIds) registerSecret(member.apiKey);
  for (const [header, value] of Object.entries(parsed.webhookHeaders ?? {})) {
    if (!NON_SECRET_HEADERS.has(header.toLowerCase())) registerSecret(value);
  }
  return parsed;
}

const groupOptionsShape = lazySchema(() => ({
  ...requestOptionShape,
  extraBody: z.record(z.string(), z.unknown()).optional(),
}));
const groupOptionsSchema: z.ZodType<MiiboAgentGroupStartOptions> = lazySchema(() => z.strictObject(groupOptionsShape));

/** Validates the per-call options of `startAgentGroup` (`undefined` is no options). */
export function validateAgentGroupOptions(options: unknown, name = 'options'): MiiboAgentGroupStartOptions {
  if (options === undefined) return {};
  return validate(groupOptionsSchema, [...Object.keys(requestOptionShape), 'extraBody'], options, name);
}

/** Tolerant schema of the start response. */
export const agentGroupStartResponseSchema = lazySchema(() =>
  z.looseObject({
    status: z.string().optional(),
    groupId: z.string().optional(),
    result_url: z.string().optional(),
  }),
);
