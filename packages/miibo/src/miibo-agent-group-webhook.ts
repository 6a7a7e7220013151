import { InvalidArgumentError, validateArgument, lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';

/** One agent's contribution in a finished group run. */
export interface MiiboAgentGroupInteraction {
  /** The agent that spoke. */
  agentId?: string;
  /** What it said. */
  response?: string;
  /** When (ISO 8601). */
  timestamp?: string;
  [key: string]: unknown;
}

/** The `result` of a completed run. */
export interface MiiboAgentGroupResult {
  orchestrationResponse?: {
    /** The group's final answer. */
    finalResponse?: string;
    /** The agents' conversation, in order (left out in `conclusionOnlyMode`). */
    interactions?: MiiboAgentGroupInteraction[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** Fields every agent group webhook carries. Unknown fields are kept. */
export interface MiiboAgentGroupWebhookBase {
  /** The group's id, as returned by the start call. */
  groupId: string;
  /** `completed` or `error` (other values are passed through). */
  status: string;
  /** The `customParameters` given at start. */
  customParameters?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The run finished: `status: "completed"` with the result. */
export interface MiiboAgentGroupCompletedPayload extends MiiboAgentGroupWebhookBase {
  status: 'completed';
  result?: MiiboAgentGroupResult;
  /** When the run finished (ISO 8601). */
  completedAt?: string;
}

/** The run failed: `status: "error"` with the reason. */
export interface MiiboAgentGroupErrorPayload extends MiiboAgentGroupWebhookBase {
  status: 'error';
  /** What went wrong. */
  error?: string;
  /** When it failed (ISO 8601). */
  errorAt?: string;
}

/** A parsed agent group webhook notification, by outcome. */
export type MiiboAgentGroupWebhook =
  | { type: 'completed'; payload: MiiboAgentGroupCompletedPayload }
  | { type: 'error'; payload: MiiboAgentGroupErrorPayload }
  /** A status this SDK does not know; the payload is passed through. */
  | { type: 'unknown'; payload: MiiboAgentGroupWebhookBase };

const interactionSchema = lazySchema(() =>
  z.looseObject({
    agentId: z.string().optional(),
    response: z.string().optional(),
    timestamp: z.string().optional(),
  }),
);

const baseShape = lazySchema(() => ({
  groupId: z.string(),
  status: z.string(),
  customParameters: z.record(z.string(), z.unknown()).optional(),
}));

const completedSchema = lazySchema(() =>
  z.looseObject({
    ...baseShape,
    result: z
      .looseObject({
        orchestrationResponse: z
          .looseObject({ finalResponse: z.string().optional(), interactions: z.array(interactionSchema).optional() })
          .optional(),
      })
      .optional(),
    completedAt: z.string().optional(),
  }),
);

const errorSchema = lazySchema(() =>
  z.looseObject({ ...baseShape, error: z.string().optional(), errorAt: z.string().optional() }),
);

const baseSchema = lazySchema(() => z.looseObject(baseShape));

/**
 * Parses an agent group webhook body (the raw text or bytes, or already-parsed JSON). Unknown fields
 * are kept and an unknown `status` is passed through as `type: 'unknown'`.
 *
 * @throws InvalidArgumentError naming the field (`body.groupId`) when the body is not JSON or lacks
 * the documented fields. Answer such a request with 400.
 */
export function parseAgentGroupWebhook(body: string | Uint8Array | object): MiiboAgentGroupWebhook {
  let value: unknown = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
    try {
      value = JSON.parse(text);
    } catch {
      throw new InvalidArgumentError('body', 'is not valid JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidArgumentError('body', 'must be a JSON object');
  const status = (value as { status?: unknown }).status;
  if (status === 'completed')
    return {
      type: 'completed',
      payload: validateArgument(completedSchema, value, 'body') as MiiboAgentGroupCompletedPayload,
    };
  if (status === 'error')
    return { type: 'error', payload: validateArgument(errorSchema, value, 'body') as MiiboAgentGroupErrorPayload };
  return { type: 'unknown', payload: validateArgument(baseSchema, value, 'body') as MiiboAgentGroupWebhookBase };
}
