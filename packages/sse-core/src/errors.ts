import { redact, redactedExcerpt } from './redact';

const MARKER = Symbol.for('kakehashi.error');

/**
 * Base class of every error kakehashi throws. Check with `KakehashiError.isInstance(e)` (or the
 * subclass's own `isInstance`) rather than `instanceof`: the check uses a `Symbol.for` marker, so it
 * works across duplicate installs of this package.
 *
 * Messages are always passed through {@link redact}: no error carries a secret.
 */
export class KakehashiError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: the cross-install marker that isInstance() checks
  private readonly [MARKER] = true;
  /** Stable machine-readable kind, for example `api-call` or `timeout`. */
  readonly kind: string;
  /** Whether repeating the same request may succeed. */
  readonly retryable: boolean;

  constructor(kind: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KakehashiError';
    this.kind = kind;
    this.retryable = options.retryable ?? false;
  }

  static isInstance(error: unknown): error is KakehashiError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }

  /** A plain object for logs and JSON output (message already redacted). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.name,
      kind: this.kind,
      message: this.message,
      retryable: this.retryable,
    };
    for (const [k, v] of Object.entries(this)) if (v !== undefined && k !== 'cause') out[k] = v;
    return out;
  }
}

function isKind<T extends KakehashiError>(kind: string) {
  return (error: unknown): error is T => KakehashiError.isInstance(error) && error.kind === kind;
}

/** A public function was called with bad input. Names the field and the reason; thrown before any request. */
export class InvalidArgumentError extends KakehashiError {
  static override isInstance = isKind<InvalidArgumentError>('invalid-argument');
  /** The offending field, as a dotted path (`messages.0.content`). */
  readonly argument: string;
  readonly reason: string;
  constructor(argument: string, reason: string, options: { cause?: unknown } = {}) {
    super('invalid-argument', `Invalid argument "${argument}": ${reason}`, options);
    this.name = 'InvalidArgumentError';
    this.argument = argument;
    this.reason = reason;
  }
}

/** A required setting (credential, base URL, id) is missing. Names the option and the environment variable. */
export class MissingConfigError extends KakehashiError {
  static override isInstance = isKind<MissingConfigError>('missing-config');
  readonly setting: string;
  readonly envVar?: string;
  constructor(setting: string, envVar?: string) {
    super(
      'missing-config',
      envVar
        ? `Missing ${setting}: pass the "${setting}" option or set the ${envVar} environment variable`
        : `Missing ${setting}: pass the "${setting}" option`,
    );
    this.name = 'MissingConfigError';
    this.setting = setting;
    this.envVar = envVar;
  }
}

/**
 * This runtime is older than kakehashi supports: Node below the packages' `engines` (22.19). Thrown by
 * the first request over the default transport on such a Node, before anything is sent. Not
 * retryable: the same Node fails the same way every time.
 */
export class UnsupportedRuntimeError extends KakehashiError {
  static override isInstance = isKind<UnsupportedRuntimeError>('unsupported-runtime');
  /** The oldest supported version (`22.19`). */
  readonly required: string;
  /** This runtime's version (`20.20.2`). */
  readonly actual: string;
  constructor(required: string, actual: string) {
    super('unsupported-runtime', `kakehashi needs Node >= ${required} (this is v${actual})`);
    this.name = 'UnsupportedRuntimeError';
    this.required = required;
    this.actual = actual;
  }
}

export interface ApiCallErrorDetails {
  /** The URL called, without query string. */
  url: string;
  status: number;
  /** Which platform answered (`agenticstar`, `codeer`, …), when known. */
  provider?: string;
  /** The platform's own error code (`error_code`, `code`, OAuth `error`), when it sent one. */
  code?: string | number;
  /** The request id the platform returned (header or body), when it sent one. */
  requestId?: string;
  /** Milliseconds the server asked us to wait (`Retry-After`), when it said. */
  retryAfterMs?: number;
  /** A bounded, redacted excerpt of the response body. */
  bodyExcerpt?: string;
  /** Overrides the status-based default. */
  retryable?: boolean;
  message?: string;
  cause?: unknown;
}

/** Statuses worth retrying: request timeout, conflict, rate limit and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The platform answered with an error: a non-2xx status, or an error envelope inside a 2xx body. */
export class ApiCallError extends KakehashiError {
  static override isInstance = isKind<ApiCallError>('api-call');
  readonly url: string;
  readonly status: number;
  readonly provider?: string;
  readonly code?: string | number;
  readonly requestId?: string;
  readonly retryAfterMs?: number;
  readonly bodyExcerpt?: string;

  constructor(details: ApiCallErrorDetails) {
    const who = details.provider ? `${details.provider} ` : '';
    const code = details.code !== undefined ? ` (code ${details.code})` : '';
    const reqId = details.requestId ? ` [request ${details.requestId}]` : '';
    const what = details.message ?? `HTTP ${details.status}`;
    super('api-call', `${who}API call failed: ${what}${code}${reqId}`, {
      cause: details.cause,
      retryable: details.retryable ?? isRetryableStatus(details.status),
    });
    this.name = 'ApiCallError';
    this.url = details.url;
    this.status = details.status;
    this.provider = details.provider;
    // Codes and ids come from the server's body: an echoing server must not leak a secret through them.
    this.code = typeof details.code === 'string' ? redact(details.code) : details.code;
    this.requestId = details.requestId === undefined ? undefined : redact(details.requestId);
    this.retryAfterMs = details.retryAfterMs;
    this.bodyExcerpt = details.bodyExcerpt === undefined ? undefined : redactedExcerpt(details.bodyExcerpt);
  }

  /** True for 401/403: the credentials were refused or expired. */
  get isAuthError(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** The connection failed (refused, reset, DNS) before or while reading the response. */
export class ConnectionError extends KakehashiError {
  static override isInstance = isKind<ConnectionError>('connection');
  readonly url: string;
  /** Whether any byte of the response body had been handed out when the connection failed. */
  readonly afterFirstByte: boolean;
  constructor(url: string, options: { cause?: unknown; afterFirstByte?: boolean; message?: string } = {}) {
    const reason = options.message ?? describeCause(options.cause);
    super('connection', `Connection to ${url} failed${options.afterFirstByte ? ' mid-stream' : ''}: ${reason}`, {
      cause: options.cause,
      retryable: true,
    });
    this.name = 'ConnectionError';
    this.url = url;
    this.afterFirstByte = options.afterFirstByte ?? false;
  }
}

/** Which clock ran out: waiting for headers, a silent gap between body bytes, or the whole call. */
export type TimeoutPhase = 'headers' | 'idle' | 'total';

/** One of the three timeouts fired. The HTTP request has been cancelled. */
export class TimeoutError extends KakehashiError {
  static override isInstance = isKind<TimeoutError>('timeout');
  readonly phase: TimeoutPhase;
  readonly timeoutMs: number;
  readonly url: string;
  constructor(phase: TimeoutPhase, timeoutMs: number, url: string) {
    const what =
      phase === 'headers'
        ? 'no response headers'
        : phase === 'idle'
          ? 'no bytes received'
          : 'the request did not complete';
    super('timeout', `Timed out: ${what} within ${timeoutMs} ms (${phase} timeout) from ${url}`, {
      retryable: phase !== 'total',
    });
    this.name = 'TimeoutError';
    this.phase = phase;
    this.timeoutMs = timeoutMs;
    this.url = url;
  }
}

/**
 * The caller aborted (an `AbortSignal`, or leaving a `for await` loop early). `name` is `AbortError`,
 * as with `fetch`, so existing `e.name === 'AbortError'` checks keep working. Never retried.
 */
export class AbortError extends KakehashiError {
  static override isInstance = isKind<AbortError>('abort');
  constructor(reason?: unknown) {
    super('abort', `Request aborted${reason instanceof Error && reason.message ? `: ${reason.message}` : ''}`, {
      cause: reason,
    });
    this.name = 'AbortError';
  }
}

/** What went wrong while decoding a response body or stream. */
export type DecodeErrorReason = 'buffer-overflow' | 'invalid-json' | 'invalid-event';

/** A response body or stream could not be decoded: a line longer than the buffer bound, malformed JSON, an event of the wrong shape. */
export class ResponseDecodeError extends KakehashiError {
  static override isInstance = isKind<ResponseDecodeError>('response-decode');
  readonly reason: DecodeErrorReason;
  /** A bounded, redacted excerpt of the offending data. */
  readonly excerpt?: string;
  constructor(reason: DecodeErrorReason, message: string, options: { excerpt?: string; cause?: unknown } = {}) {
    super('response-decode', message, { cause: options.cause });
    this.name = 'ResponseDecodeError';
    this.reason = reason;
    this.excerpt = options.excerpt === undefined ? undefined : redactedExcerpt(options.excerpt, 200);
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    const inner = cause.cause instanceof Error ? describeCause(cause.cause) : undefined;
    const base = typeof code === 'string' ? `${code} ${cause.message}` : cause.message;
    return inner && !base.includes(inner) ? `${base} (${inner})` : base;
  }
  return String(cause ?? 'unknown error');
}

/**
 * An agent stream ended in an `error` event (an in-stream platform error, or a stream cut before its
 * finish signal). Thrown by the collecting helpers, which have no event stream to report it in.
 */
export class AgentStreamError extends KakehashiError {
  static override isInstance = isKind<AgentStreamError>('agent-stream');
  readonly provider: string;
  readonly code?: string | number;
  /** The text received before the failure (nothing is lost). */
  readonly partialText: string;
  constructor(
    provider: string,
    message: string,
    options: { code?: string | number; retryable?: boolean; partialText?: string } = {},
  ) {
    super('agent-stream', `${provider} stream failed: ${message}`, { retryable: options.retryable ?? false });
    this.name = 'AgentStreamError';
    this.provider = provider;
    this.code = options.code;
    this.partialText = options.partialText ?? '';
  }
}
