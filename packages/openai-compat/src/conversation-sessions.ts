/**
 * Conversations that continue through the gateway. OpenAI clients are stateless: a chat UI sends the
 * whole history with every request and knows nothing of platform ids. After a turn finishes, the
 * gateway remembers a digest of that turn's messages plus its answer, mapped to the platform session
 * (the Codeer chat, the miibo `uid`, the AgenticStar conversation). When a later request's history,
 * up to its last assistant message, has that digest, it is the same conversation: the turn continues
 * that session.
 *
 * Only digests are kept, never message text: SHA-256 over a canonical JSON of a version tag, the
 * caller's scope, the model and the messages' roles and texts (Web Crypto on every runtime, or the
 * runtime's synchronous `node:crypto` hash where there is one: the same digest, much cheaper).
 */
import { type AgentMessage, type AgentSession, InvalidArgumentError, redact } from '@kakehashi/sse-core';
import type { ConversationStore } from './conversation-store';

/** How long a remembered turn can be continued: 24 hours after it finished. */
export const DEFAULT_CONVERSATION_TTL_MS = 24 * 60 * 60 * 1000;

/** How long one store operation may take before the turn goes on without it. */
export const DEFAULT_CONVERSATION_STORE_TIMEOUT_MS = 2000;

/** Where store failures are reported (pino-compatible). */
export interface ConversationSessionsLogger {
  warn?(fields: Record<string, unknown>, message: string): void;
}

/** Options of {@link createConversationSessions}. */
export interface ConversationSessionsOptions {
  /** Where the digest → session mapping is kept (`createMemoryConversationStore()`, or the server's durable store). */
  store: ConversationStore;
  /** How long a finished turn stays continuable, in ms. Default {@link DEFAULT_CONVERSATION_TTL_MS} (24 h). */
  ttlMs?: number;
  /**
   * The longest a lookup or a write may take, in ms; past it the turn goes on without it (logged).
   * Default {@link DEFAULT_CONVERSATION_STORE_TIMEOUT_MS}.
   */
  timeoutMs?: number;
  /** Gets one `warn` line per store failure (never a message text, nor a digest). */
  logger?: ConversationSessionsLogger;
}

/**
 * Finds and remembers the platform sessions of stateless conversations. A store that fails (or takes
 * longer than `timeoutMs`) never fails a chat: the failure is logged, a lookup then finds nothing (the
 * turn starts a new session) and a write is skipped.
 */
export interface ConversationSessions {
  /** How long a remembered turn stays continuable, in ms. */
  readonly ttlMs: number;
  /**
   * The session a request continues, or `undefined` for a new conversation. `messages` is the
   * request's whole history (the contract's `AgentMessage`s, ending with the new user message); the
   * part up to its last assistant message is looked up: one store read, and none at all for a first
   * message. Call it only when the request names no platform id (explicit ids always win).
   * `scope` keeps callers apart (the handler passes the caller's credential): the same history in
   * another scope is another conversation.
   */
  lookup(model: string, messages: readonly AgentMessage[], scope?: string): Promise<AgentSession | undefined>;
  /**
   * After a turn finished: remembers `messages` plus the assistant's answer as belonging to
   * `session`, for `ttlMs`. `answer` may be several texts (the final text, and the text a plain
   * client assembled when the platform rewrote its answer mid-stream): each is remembered. Resolves
   * once the store has it (or has failed, which is logged), so a client that sends its next turn as
   * soon as this answer ends finds it.
   */
  remember(
    model: string,
    messages: readonly AgentMessage[],
    answer: string | readonly string[],
    session: AgentSession,
    scope?: string,
  ): Promise<void>;
}

const encoder = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

interface SyncHash {
  update(data: string, encoding: 'utf8'): SyncHash;
  digest(encoding: 'hex'): string;
}
type CreateHash = (algorithm: 'sha256') => SyncHash;
let syncHash: CreateHash | null | undefined;

/**
 * The runtime's synchronous SHA-256 where it has one (`node:crypto`, reached through
 * `process.getBuiltinModule`, without importing it: Node, Bun, Deno), else `null` and Web Crypto is
 * used. Both give the same digest; the synchronous one costs a few µs instead of tens (a Web Crypto
 * digest is a round trip through the thread pool), which matters on every request.
 */
function createHash(): CreateHash | null {
  if (syncHash !== undefined) return syncHash;
  syncHash = null;
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const mod = proc?.getBuiltinModule?.('node:crypto') as { createHash?: CreateHash } | undefined;
    if (typeof mod?.createHash === 'function') syncHash = mod.createHash;
  } catch {
    // No such module here: Web Crypto it is.
  }
  return syncHash;
}

/** SHA-256 of a string's UTF-8 bytes, as hex. */
async function sha256Hex(text: string): Promise<string> {
  const hash = createHash();
  if (hash !== null) return hash('sha256').update(text, 'utf8').digest('hex');
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
  let hex = '';
  for (const byte of bytes) hex += HEX[byte];
  return hex;
}

/** A message's text as compared: line ends as `\n`, surrounding white space dropped (UIs often trim). */
function canonicalText(text: string): string {
  return (text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text).trim();
}

/**
 * The digest of a conversation: SHA-256 (hex) of the canonical JSON
 * `["kakehashi.conversation.v1", scope, model, [[role, text], …]]` over the user and assistant
 * messages (system messages are instructions, not the conversation: a UI that puts the date in its
 * system prompt still continues). Texts have their line ends normalised and are trimmed; empty ones
 * are left out (the handler drops empty messages but a last user message, so the empty utterance
 * that opens a miibo conversation is gone from the next request's history).
 */
export async function conversationDigest(
  model: string,
  messages: readonly AgentMessage[],
  scope?: string,
): Promise<string> {
  const turns: Array<[string, string]> = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const text = canonicalText(m.content);
    if (text !== '') turns.push([m.role, text]);
  }
  return sha256Hex(JSON.stringify(['kakehashi.conversation.v1', scope ?? null, model, turns]));
}

/**
 * The history a request continues: its messages up to and including the last assistant message, when
 * only user (and system) messages follow it and at least one user message does. `undefined` when
 * there is no earlier answer (a first message: a new conversation).
 */
export function continuedHistory(messages: readonly AgentMessage[]): AgentMessage[] | undefined {
  let sawUser = false;
  for (let i = messages.length - 1; i >= 0; i--) {
    const role = messages[i]!.role;
    if (role === 'user') sawUser = true;
    else if (role === 'assistant') return sawUser ? messages.slice(0, i + 1) : undefined;
  }
  return undefined;
}

const TIMED_OUT = Symbol('timed out');

async function bounded<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMED_OUT);
  });
  try {
    const result = await Promise.race([work, timeout]);
    if (result === TIMED_OUT) throw new Error(`the conversation store took longer than ${ms} ms`);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

function positive(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new InvalidArgumentError(name, 'must be a positive number of milliseconds');
  return value;
}

/**
 * Creates the session finder over a {@link ConversationStore} (namespace `session`: digest → session).
 *
 * @throws InvalidArgumentError naming a bad option.
 */
export function createConversationSessions(options: ConversationSessionsOptions): ConversationSessions {
  const store = options?.store;
  if (typeof store?.get !== 'function' || typeof store.put !== 'function')
    throw new InvalidArgumentError('options.store', 'must be a ConversationStore (get and put)');
  const ttlMs = positive(options.ttlMs, 'options.ttlMs', DEFAULT_CONVERSATION_TTL_MS);
  const timeoutMs = positive(options.timeoutMs, 'options.timeoutMs', DEFAULT_CONVERSATION_STORE_TIMEOUT_MS);
  const logger = options.logger;

  const failed = (operation: string, error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    try {
      logger?.warn?.(
        { operation, error: redact(message) },
        'conversation store failed; the chat goes on without it (the conversation may start a new platform session)',
      );
    } catch {
      // A broken logger must not break the chat.
    }
  };

  return {
    ttlMs,
    async lookup(model, messages, scope) {
      const history = continuedHistory(messages);
      if (history === undefined) return undefined;
      try {
        const key = await conversationDigest(model, history, scope);
        const session = await bounded(store.get('session', key), timeoutMs);
        return typeof session === 'string' && session !== '' ? session : undefined;
      } catch (error) {
        failed('lookup', error);
        return undefined;
      }
    },
    async remember(model, messages, answer, session, scope) {
      // Texts that compare equal are one key; an empty answer is not a message the client sends back
      // (the handler leaves empty messages out), so there is nothing to find it by.
      const answers = [...new Set((typeof answer === 'string' ? [answer] : answer).map(canonicalText))].filter(
        (text) => text !== '',
      );
      if (answers.length === 0 || session === '') return;
      try {
        await Promise.all(
          answers.map(async (text) => {
            const key = await conversationDigest(model, [...messages, { role: 'assistant', content: text }], scope);
            await bounded(store.put('session', key, session, ttlMs), timeoutMs);
          }),
        );
      } catch (error) {
        failed('remember', error);
      }
    },
  };
}
