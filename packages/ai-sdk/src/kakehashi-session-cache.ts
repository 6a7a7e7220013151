import type { AgentMessage, AgentSession } from '@kakehashi/sse-core';

const encoder = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * SHA-256 (Web Crypto, so it runs wherever the AI SDK does) of a model's conversation: the model
 * name and every message's role and text, in an unambiguous encoding.
 */
export async function conversationDigest(modelId: string, messages: readonly AgentMessage[]): Promise<string> {
  const encoded = JSON.stringify([modelId, messages.map((m) => [m.role, m.content])]);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(encoded)));
  let hex = '';
  for (const byte of hash) hex += HEX[byte];
  return hex;
}

/**
 * Remembers which platform session each finished conversation belongs to, by digest only (no
 * message text is kept), so that a history extending an earlier turn continues its session. Bounded:
 * the least recently used entry goes first. A size of 0 remembers nothing.
 */
export class SessionCache {
  readonly #entries = new Map<string, AgentSession>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** Whether the cache keeps anything at all. */
  get enabled(): boolean {
    return this.#max > 0;
  }

  /** How many conversations are remembered. */
  get size(): number {
    return this.#entries.size;
  }

  /** The session of the conversation with this digest, if remembered (and marks it recently used). */
  get(digest: string): AgentSession | undefined {
    const session = this.#entries.get(digest);
    if (session !== undefined) {
      this.#entries.delete(digest);
      this.#entries.set(digest, session);
    }
    return session;
  }

  /** Remembers a conversation's session, dropping the least recently used entry when full. */
  set(digest: string, session: AgentSession): void {
    if (this.#max === 0) return;
    this.#entries.delete(digest);
    this.#entries.set(digest, session);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }
}

/**
 * The history a new turn continues: the messages before the last user message, when they end with
 * an assistant answer (otherwise there is no earlier turn to find).
 */
export function continuedHistory(messages: readonly AgentMessage[]): AgentMessage[] | undefined {
  let last = messages.length - 1;
  while (last >= 0 && messages[last]!.role !== 'user') last--;
  if (last <= 0) return undefined;
  // Several user messages in a row: the turn answered the one before the run.
  let start = last;
  while (start > 0 && messages[start - 1]!.role === 'user') start--;
  if (start === 0 || messages[start - 1]!.role !== 'assistant') return undefined;
  return messages.slice(0, start);
}
