import type { AgentEvent, CollectedAgentAnswer } from './agent-event';
import type { AgentEventStream } from './agent-event-stream';
import type { KakehashiAsyncIterator } from './async-iterator';
import type { AbortSignals } from './abort-signals';
import type { HeaderRecord, TimeoutOptions } from './http-request';
import type { FetchFunction } from './http-transport';

/**
 * The agent contract: one interface every chat platform SDK implements, so that everything above the
 * SDKs (the CLI, the OpenAI gateway, the AI SDK provider, the MCP server) is written once and never
 * switches on the platform.
 *
 * A turn starts from messages, optionally continues a session, is read as `AgentEvent`s, reveals the
 * session that continues it, and can be cancelled at any moment.
 */

/**
 * An opaque value that continues a platform session: the Codeer chat, the AgenticStar conversation,
 * the miibo `uid`. Produced by {@link AgentTurn.session} and accepted as {@link AgentTurnInput.session};
 * store it as a string, never parse it.
 */
export type AgentSession = string;

/** One message of a conversation, as every door hands it to the contract. */
export interface AgentMessage {
  /** Who said it. `system` carries instructions; platforms that take none ignore it (their agent keeps its own). */
  role: 'system' | 'user' | 'assistant';
  /** The text. */
  content: string;
}

/** What one turn is asked. */
export interface AgentTurnInput {
  /**
   * The conversation so far, ending with the user's new message. When `session` is given the platform
   * already holds the history, so the SDK sends only what is new (the messages after the last
   * assistant message); platforms that take one message send the last user message. The last
   * user message may be empty only where the platform gives that a meaning (miibo: start a
   * conversation).
   */
  messages: readonly AgentMessage[];
  /** The session to continue (from an earlier turn's {@link AgentTurn.session}). Without it a new session starts. */
  session?: AgentSession;
  /** The agent to talk to; without it the platform's configured default (`*_AGENT_ID`). */
  agentId?: string;
  /** The end user on whose behalf the turn runs (miibo `uid` when no session is given, Codeer `external_user_id`). */
  userId?: string;
}

/** Per-call options every chat SDK accepts, with the same meaning everywhere. */
export interface AgentCallOptions {
  /** Aborts the turn: before the answer starts, or at any moment while it is read. */
  signal?: AbortSignals;
  /** Extra request headers (secrets among them are redacted in errors). */
  headers?: HeaderRecord;
  /** Time to headers, idle gap between bytes, and total time, in milliseconds. */
  timeouts?: TimeoutOptions;
  /** Retries before the first byte of the answer (0 turns them off). */
  maxRetries?: number;
  /**
   * Longest `Retry-After` waited out before a retry, in ms (default the SDK's, 60,000). A platform
   * asking for a longer wait fails the turn at once with its `ApiCallError` (`retryAfterMs` set).
   */
  maxRetryAfterMs?: number;
}

/** The whole answer of a turn, with the session that continues it. */
export interface AgentTurnAnswer extends CollectedAgentAnswer {
  /** The session that continues the conversation, if the platform revealed one. */
  session: AgentSession | undefined;
}

/**
 * One running turn. Nothing is sent until the first read; read it once, as `AgentEvent`s (leaving the
 * loop early cancels the request), in batches ({@link batches}), or call {@link collect} for the
 * whole answer.
 */
export interface AgentTurn extends AgentEventStream {
  /** The platform, for example `codeer`. */
  readonly provider: string;
  /**
   * The session that continues this conversation: known before the first event when the turn
   * continues one (or the platform takes it from the input), otherwise once the `start` event has
   * passed; `undefined` until then.
   */
  session(): AgentSession | undefined;
  /**
   * Reads the turn in batches: the events decoded from one network read, in one promise (never an
   * empty array), with the same rules as the per-event read (a cut stream ends with an `error`
   * event, an abort rejects with `AbortError`, leaving the loop early cancels the request). For
   * readers that handle a read's events in one go (one socket write, one stream enqueue round).
   * Returns the same iterator when called again.
   *
   * @throws KakehashiError (kind `invalid-state`) when the turn is already read per event; reading
   * it per event after this rejects the same way. A turn is read one way only.
   */
  batches(): KakehashiAsyncIterator<readonly AgentEvent[]>;
  /**
   * Cancels the turn at once, whatever it is doing: the request is aborted (or never sent), a pending
   * read rejects with `AbortError`, and the connection is closed. Safe to call more than once.
   */
  cancel(reason?: unknown): void;
  /** Reads the turn to its end; an in-stream error or a cut stream rejects with `AgentStreamError` (partial text kept). */
  collect(): Promise<AgentTurnAnswer>;
}

/** A configured client of one chat platform, speaking the contract. */
export interface ChatAgent {
  /** The platform, for example `codeer`. */
  readonly provider: string;
  /**
   * True when the platform may rewrite text it has already streamed (a `text-replace` that does not
   * extend the text so far, as miibo's snapshots can): a reader that cannot take text back, such as a
   * pipe, should hold the text until `finish`. Absent means never.
   */
  readonly rewritesText?: boolean;
  /**
   * Starts a turn. Input and options are checked now; the request is sent on the first read.
   *
   * @throws InvalidArgumentError naming the field (`input.messages`, `input.session`, `input.agentId`,
   * `input.userId`, `options.*`), before anything is sent.
   */
  startTurn(input: AgentTurnInput, options?: AgentCallOptions): AgentTurn;
}

/** Settings every platform's factory accepts, beside its own. */
export interface AgentPlatformSettings {
  /** Where configuration variables are read from instead of `process.env` (read on first use). */
  env?: Record<string, string | undefined>;
  /** A `fetch` to send requests with instead of the default transport. */
  fetch?: FetchFunction;
}

/** Whether a platform can be used with the given settings, found without sending anything. */
export type AgentPlatformStatus =
  | {
      ready: true;
      /** The default agent from the settings or the environment, when one is configured. */
      defaultAgentId: string | undefined;
      /** Whether a turn without an agent id works (a default agent is configured, or the platform needs none). */
      agentOptional: boolean;
    }
  | {
      ready: false;
      /** The variable (or setting) to set. */
      missing: string;
    };

/** Options of {@link AgentPlatform.checkCredentials}. */
export interface AgentPlatformCheckOptions<S extends AgentPlatformSettings = AgentPlatformSettings> {
  /** The settings to check, as `createAgent` takes them (default: everything from the environment). */
  settings?: S;
  /** Cancels the check (the request is aborted). */
  signal?: AbortSignal;
}

/** What {@link AgentPlatform.checkCredentials} found: the credentials work. */
export interface AgentPlatformCredentials {
  /**
   * What was checked, for a person: which credential (masked: a short prefix and the last 4
   * characters at most) and what the call saw, e.g. `key sk-…1234, 2 agent(s) visible`. Never a secret.
   */
  detail: string;
}

/**
 * One chat platform as the apps and doors see it: its name, how to tell it is configured, and how to
 * make its {@link ChatAgent}. Each chat SDK exports one (for example `codeerPlatform`).
 */
export interface AgentPlatform<S extends AgentPlatformSettings = AgentPlatformSettings> {
  /** Lower-case name, used in model names (`codeer/<agentId>`), CLI arguments and tool names. */
  readonly name: string;
  /** Human name (`Codeer`). */
  readonly title: string;
  /** The configuration variables it reads, for help texts and `.env` files. */
  readonly envVars: readonly string[];
  /** Whether the platform can be used with these settings. Sends nothing; reads the environment. */
  status(settings?: S): AgentPlatformStatus;
  /**
   * Makes a client. Settings are checked now; credentials are read on first use.
   *
   * @throws InvalidArgumentError naming a bad setting.
   */
  createAgent(settings?: S): ChatAgent;
  /**
   * Proves the credentials work with one harmless call (a read, or a conversation start that
   * changes nothing), as `kakehashi auth check <platform>` does: one call, after a token request
   * where the platform needs one. Optional: a platform without credentials, or without a harmless
   * call, leaves it out.
   *
   * @throws MissingConfigError naming the variable to set; the SDK's API or network error when the
   * platform refuses the credentials or cannot be reached; AbortError when `signal` aborts.
   */
  checkCredentials?(options?: AgentPlatformCheckOptions<S>): Promise<AgentPlatformCredentials>;
}
