/**
 * Where the OpenAI doors keep what lets stateless clients continue: digests of conversations mapped
 * to platform sessions (Chat Completions and Responses alike), and stored Responses API responses
 * (`previous_response_id`, `GET /v1/responses/{id}`). The gateway implements it on its durable store
 * (SQLite, or PostgreSQL shared by every instance); {@link createMemoryConversationStore} is the
 * in-process one. No message text is ever a key: keys are digests or response ids.
 */
export interface ConversationStore {
  /** The value stored under `key`, unless it is missing or expired. */
  get(namespace: ConversationNamespace, key: string): Promise<string | undefined>;
  /**
   * Stores `value` under `key` for `ttlMs` (replacing an earlier value). Resolves only once the value
   * is durable: a failure rejects.
   */
  put(namespace: ConversationNamespace, key: string, value: string, ttlMs: number): Promise<void>;
}

/** `session`: conversation digest → platform session; `response`: response id → stored response JSON. */
export type ConversationNamespace = 'session' | 'response';

/** An in-process {@link ConversationStore} with expiry, bounded to `maxEntries` (oldest first out). */
export function createMemoryConversationStore(
  options: { maxEntries?: number; now?: () => number } = {},
): ConversationStore {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: string; expiresAt: number }>();
  return {
    async get(namespace, key) {
      const id = `${namespace}:${key}`;
      const entry = entries.get(id);
      if (entry === undefined) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(id);
        return undefined;
      }
      return entry.value;
    },
    async put(namespace, key, value, ttlMs) {
      const id = `${namespace}:${key}`;
      entries.delete(id);
      entries.set(id, { value, expiresAt: now() + ttlMs });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
  };
}
