import type { TimeoutOptions } from '@kakehashi/sse-core';

/** The provider name used in errors and in `AgentEvent`s (`start.provider`). */
export const CODEER_PROVIDER = 'codeer';

/** The public API base URL (paths such as `/chats` are relative to it). */
export const CODEER_DEFAULT_BASE_URL = 'https://api.codeer.ai/api/v1';

/** The environment variables the provider reads when an option is not given. */
export const CODEER_ENV = {
  /** The workspace API key, sent as the `x-api-key` header. */
  apiKey: 'CODEER_API_KEY',
  /** The API base URL. */
  baseURL: 'CODEER_BASE_URL',
  /** The default (published) agent. */
  agentId: 'CODEER_AGENT_ID',
} as const;

/**
 * Default clocks for every request. The idle gap matches Codeer's own stream timeout (the server closes
 * a stream after 90 s without an event).
 */
export const CODEER_DEFAULT_TIMEOUTS: Required<TimeoutOptions> = { headersMs: 60_000, idleMs: 90_000, totalMs: 0 };

/**
 * Default time to wait for response headers on calls that run an agent turn (send message, regenerate,
 * form submit). A non-streamed answer only answers once the whole turn is done; tool-using turns can
 * take tens of seconds.
 */
export const CODEER_TURN_HEADERS_TIMEOUT_MS = 180_000;
