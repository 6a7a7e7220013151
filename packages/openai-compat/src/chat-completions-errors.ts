import {
  AbortError,
  AgentStreamError,
  ApiCallError,
  ConnectionError,
  InvalidArgumentError,
  KakehashiError,
  MissingConfigError,
  ResponseDecodeError,
  TimeoutError,
  type AgentErrorEvent,
  redact,
} from '@kakehashi/sse-core';

/** The OpenAI error envelope: `{ error: { message, type, param, code } }`. */
export interface OpenAIErrorObject {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** What the gateway answers for a failure: HTTP status, the OpenAI error object, extra headers, and a metrics kind. */
export interface GatewayErrorInfo {
  status: number;
  error: OpenAIErrorObject;
  headers?: Record<string, string>;
  /** Short machine label for the metrics hook (`invalid_request`, `not_configured`, `upstream_status`, …). */
  kind: string;
}

/**
 * A problem with one field of the caller's request. `param` uses OpenAI's path style
 * (`messages[0].content`).
 */
export class ChatRequestError extends Error {
  readonly status: number;
  readonly param: string | null;
  readonly code: string;
  constructor(message: string, options: { param?: string | null; code?: string; status?: number } = {}) {
    super(message);
    this.name = 'ChatRequestError';
    this.status = options.status ?? 400;
    this.param = options.param ?? null;
    this.code = options.code ?? 'invalid_value';
  }
}

/** True for the caller going away (our abort, or an `AbortError` from the SDKs). */
export function isAbort(error: unknown): boolean {
  return AbortError.isInstance(error) || (error instanceof Error && error.name === 'AbortError');
}

/**
 * The status answered (and logged, and counted) when the caller went away before its answer: nginx's
 * 499 "client closed request". Nobody reads it; it keeps a disconnect apart from a server failure.
 */
export const CLIENT_CLOSED_STATUS = 499;
/** The error kind of a caller that went away (not counted as a provider error). */
export const CLIENT_CLOSED_KIND = 'client_closed';

function errorInfo(
  status: number,
  kind: string,
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): GatewayErrorInfo {
  return { status, kind, error: { message, type, param, code } };
}

function codeString(code: string | number | undefined, fallback: string): string {
  return code === undefined || code === '' ? fallback : String(code);
}

/** A token from the platform (a code, a request id) fit to show: short, no spaces or markup; else undefined. */
const SHOWABLE = /^[\w.:@/-]{1,80}$/;
function showable(value: string | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  return SHOWABLE.test(text) ? text : undefined;
}

/** ` [<platform> request id …; request id …]`: what a caller can quote to the operators, or nothing. */
function references(who: string, upstreamRequestId: string | undefined, requestId: string | undefined): string {
  const refs: string[] = [];
  const upstream = showable(upstreamRequestId);
  if (upstream !== undefined) refs.push(`${who} request id ${upstream}`);
  if (requestId !== undefined) refs.push(`request id ${requestId}`);
  return refs.length === 0 ? '' : ` [${refs.join('; ')}]`;
}

/** Whole seconds for a `Retry-After` header (at least 1). */
function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * What the log gets about a failure the caller sees only as a fixed sentence: the original message,
 * the upstream URL, status, code, request id and body excerpt, each passed through sse-core's
 * `redact` (the SDKs' errors are redacted already; this also covers anything else).
 */
export function errorDetail(error: unknown): Record<string, unknown> {
  if (typeof error !== 'object' || error === null) return { error: redact(String(error)) };
  const fields = error as Record<string, unknown>;
  const out: Record<string, unknown> = { error: redact(String(fields.message ?? error)) };
  for (const key of ['kind', 'url', 'status', 'code', 'requestId', 'retryAfterMs', 'bodyExcerpt', 'phase']) {
    const value = fields[key];
    if (value !== undefined)
      out[key === 'kind' ? 'errorKind' : key] = typeof value === 'string' ? redact(value) : value;
  }
  return out;
}

/**
 * Maps anything thrown while serving a request to an OpenAI-style error. What the caller reads is a
 * fixed sentence: the platform, the upstream status and code, the platform's request id and this
 * server's (`requestId`, the `x-request-id` of the request); never an upstream URL or body (those
 * go to the log: {@link errorDetail}). Unknown errors answer a generic 500 (log the original).
 */
export function describeGatewayError(
  error: unknown,
  provider: string | undefined,
  requestId?: string,
): GatewayErrorInfo {
  const who = provider ?? 'the platform';
  const refs = (upstreamRequestId?: string) => references(who, upstreamRequestId, requestId);
  if (error instanceof ChatRequestError) {
    return errorInfo(
      error.status,
      error.status === 404 ? 'model_not_found' : 'invalid_request',
      error.message,
      'invalid_request_error',
      error.code,
      error.param,
    );
  }
  if (MissingConfigError.isInstance(error)) {
    const what = error.envVar ? `set the ${error.envVar} environment variable` : `configure "${error.setting}"`;
    return errorInfo(
      400,
      'not_configured',
      `${who} is not configured on this server: ${what}`,
      'invalid_request_error',
      'provider_not_configured',
      'model',
    );
  }
  if (InvalidArgumentError.isInstance(error)) {
    return errorInfo(400, 'invalid_request', error.message, 'invalid_request_error', 'invalid_value');
  }
  if (isAbort(error)) {
    return errorInfo(
      CLIENT_CLOSED_STATUS,
      CLIENT_CLOSED_KIND,
      'The request was closed by the caller before its answer.',
      'invalid_request_error',
      'client_closed',
    );
  }
  if (ApiCallError.isInstance(error)) {
    const shown = showable(error.code);
    const code = codeString(shown, `upstream_${error.status}`);
    const http = `HTTP ${error.status}${shown === undefined ? '' : `, code ${shown}`}`;
    const ref = refs(error.requestId);
    const wait = error.retryAfterMs === undefined ? undefined : retryAfterSeconds(error.retryAfterMs);
    const withWait = (info: GatewayErrorInfo) => {
      if (wait !== undefined) info.headers = { 'retry-after': String(wait) };
      return info;
    };
    const later = wait === undefined ? '' : `; retry in ${wait} s`;
    if (error.status === 400 || error.status === 422)
      return errorInfo(
        400,
        'upstream_status',
        `${who} refused the request (${http})${ref}.`,
        'invalid_request_error',
        code,
      );
    if (error.status === 404)
      return errorInfo(
        404,
        'upstream_status',
        `${who}: not found (${http}): check the model's agent id${ref}.`,
        'invalid_request_error',
        code,
      );
    if (error.status === 429)
      return withWait(
        errorInfo(
          429,
          'upstream_rate_limit',
          `${who} is rate limiting this server (${http})${later}${ref}.`,
          'rate_limit_error',
          code,
        ),
      );
    if (error.isAuthError)
      return errorInfo(
        502,
        'upstream_auth',
        `${who} refused this server's credentials (${http})${ref}.`,
        'server_error',
        code,
      );
    if (error.status === 503 && wait !== undefined)
      return withWait(
        errorInfo(503, 'upstream_unavailable', `${who} is unavailable (${http})${later}${ref}.`, 'server_error', code),
      );
    return errorInfo(502, 'upstream_status', `${who} answered with an error (${http})${ref}.`, 'server_error', code);
  }
  if (TimeoutError.isInstance(error)) {
    return errorInfo(
      504,
      'upstream_timeout',
      `${who} did not answer in time (${error.phase} timeout, ${error.timeoutMs} ms)${refs()}.`,
      'server_error',
      'upstream_timeout',
    );
  }
  if (ConnectionError.isInstance(error)) {
    return errorInfo(
      502,
      'upstream_connection',
      `could not reach ${who}${error.afterFirstByte ? ' (connection lost mid-answer)' : ''}${refs()}.`,
      'server_error',
      'upstream_unreachable',
    );
  }
  if (ResponseDecodeError.isInstance(error)) {
    return errorInfo(
      502,
      'upstream_decode',
      `${who} sent an answer that could not be read${refs()}.`,
      'server_error',
      'upstream_bad_response',
    );
  }
  if (AgentStreamError.isInstance(error)) {
    return errorInfo(
      502,
      'stream_error',
      `${who}: ${platformMessage(error.message)}${refs()}`,
      'server_error',
      codeString(showable(error.code), 'upstream_stream_error'),
    );
  }
  if (KakehashiError.isInstance(error)) {
    return errorInfo(502, 'upstream_other', `${who} failed (${error.kind})${refs()}.`, 'server_error', error.kind);
  }
  return errorInfo(500, 'internal', `internal error${refs()}`, 'server_error', 'internal_error');
}

/** The error kind of a turn ended by the server's shutdown deadline. */
export const SHUTTING_DOWN_KIND = 'server_shutting_down';

/**
 * A turn ended because the server shut down (its deadline passed with the turn still open): 503,
 * and the final error event of a stream.
 */
export function shuttingDownError(requestId?: string): GatewayErrorInfo {
  return errorInfo(
    503,
    SHUTTING_DOWN_KIND,
    `The server is shutting down and ended this answer before its end: send the request again${references('the platform', undefined, requestId)}.`,
    'server_error',
    SHUTTING_DOWN_KIND,
  );
}

/** Replaces URLs (which can name internal hosts) in a message. */
export function withoutUrls(message: string): string {
  return message.replace(/\bhttps?:\/\/[^\s"'<>]+/g, '(upstream)');
}

/** Longest platform message shown to a caller (a platform's own in-stream error text). */
const MAX_PLATFORM_MESSAGE = 300;

/** A platform's own in-stream error text, as a caller may see it: no URLs, one line, bounded. */
function platformMessage(message: string): string {
  const line = withoutUrls(message.replace(/\s+/g, ' ').trim());
  return line.length > MAX_PLATFORM_MESSAGE ? `${line.slice(0, MAX_PLATFORM_MESSAGE)}…` : line;
}

/**
 * The error for an in-stream `error` AgentEvent: a platform error mid-answer, or a failure the SDK
 * turned into one (a cut stream, a lost connection, an idle timeout: 504 when answered whole). The
 * platform's own text is kept (it is how the platform explains itself), without URLs and bounded.
 */
export function describeAgentErrorEvent(
  event: AgentErrorEvent,
  provider: string,
  requestId?: string,
): GatewayErrorInfo {
  const refs = references(provider, undefined, requestId);
  if (event.code === 'timeout')
    return errorInfo(
      504,
      'upstream_timeout',
      `${provider}: the platform went silent for too long (timeout)${refs}`,
      'server_error',
      'timeout',
    );
  let message: string;
  if (event.code === 'connection') message = `${provider}: the connection to the platform was lost mid-answer`;
  else {
    const text = platformMessage(event.message);
    message = text.startsWith(provider) ? text : `${provider}: ${text}`;
  }
  return errorInfo(
    502,
    'stream_error',
    `${message}${refs}`,
    'server_error',
    codeString(showable(event.code), 'upstream_stream_error'),
  );
}

/** A JSON error response in OpenAI's shape. */
export function errorResponse(info: GatewayErrorInfo, extraHeaders?: Record<string, string>): Response {
  return new Response(JSON.stringify({ error: info.error }), {
    status: info.status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...info.headers,
      ...extraHeaders,
    },
  });
}
