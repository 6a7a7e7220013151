import { lazySchema } from '@kakehashi/sse-core';
import * as z from 'zod';

/**
 * The agent's answer inside a conversation response. Only `utterance` is guaranteed; every other
 * field is optional and passed through as miibo sent it (unknown fields are kept).
 */
export interface MiiboBestResponse {
  /** The agent's reply text (in a stream: the whole text so far). */
  utterance: string;
  /** How well the answer matched. */
  score?: number;
  /** Quick-reply options offered to the user. */
  options?: unknown[];
  /** The topic that produced the answer. */
  topic?: string;
  /** An image attached to the answer. */
  imageUrl?: string;
  /** A link attached to the answer. */
  url?: string;
  /** Whether the answer came from the automatic (LLM) response. */
  isAutoResponse?: boolean;
  /** Whether the agent is still searching (knowledge lookup); streamed snapshots spell it `is_searching`. */
  isSearching?: boolean;
  /** The streaming spelling of {@link MiiboBestResponse.isSearching}. */
  is_searching?: boolean;
  /** The "extended expression" JSON configured on the answer, or `null`. */
  extensions?: unknown;
  /** Whether the user should pick one of {@link MiiboBestResponse.options}. */
  shouldSelectOption?: boolean;
  /** The state key tied to the topic or scenario that answered. */
  state?: string;
  /** Embedded HTML (miibo's own spelling, offered to some customers only). */
  embededHtml?: string;
  [key: string]: unknown;
}

/**
 * One conversation response object: the whole body of a non-streaming call, or one line of a stream
 * (where every line carries the whole text so far). Unknown fields are kept.
 */
export interface MiiboResponse {
  /** The agent's answer. The reply text is `bestResponse.utterance`. */
  bestResponse: MiiboBestResponse;
  /** The USER's utterance echoed back. Not the reply: read `bestResponse.utterance`. */
  utterance?: string;
  /** The agent's avatar image. */
  avatarIconUrl?: string;
  /** The user's state after this turn (key → value). */
  userState?: Record<string, unknown>;
  /** Set by miibo when the answer is a failure (the text may then be a canned message). */
  isError?: boolean;
  [key: string]: unknown;
}

/**
 * The contract the SDK relies on: an object whose `bestResponse` is an object with a string
 * `utterance`. Everything else is kept as sent (tolerant, `z.looseObject`).
 */
export const miiboResponseSchema = lazySchema(() =>
  z.looseObject({
    bestResponse: z.looseObject({ utterance: z.string() }),
  }),
);

/**
 * Whether a decoded JSON value is a conversation response object (see {@link miiboResponseSchema}).
 *
 * The package's one fast path: this runs once per streamed line, and the schema would copy every
 * (growing) object only to hand back the same fields. The shape every miibo line has (an object
 * whose `bestResponse` is an object with a string `utterance`) is accepted here; anything else goes
 * to the schema, which has the last word. A test holds the two to the same verdicts.
 */
export function isMiiboResponse(value: unknown): value is MiiboResponse {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const best = (value as { bestResponse?: unknown }).bestResponse;
    if (
      typeof best === 'object' &&
      best !== null &&
      !Array.isArray(best) &&
      typeof (best as { utterance?: unknown }).utterance === 'string'
    )
      return true;
  }
  return miiboResponseSchema.safeParse(value).success;
}

/** Whether miibo marked the answer as still searching (`is_searching` in streams, `isSearching` elsewhere). */
export function isSearching(response: MiiboResponse): boolean {
  return response.bestResponse.is_searching === true || response.bestResponse.isSearching === true;
}
