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

/**
 * Maps anything thrown while serving a request to an OpenAI-style error. Upstream URLs (which can
 * name internal hosts) are kept out of timeout and connection messages; every KakehashiError
 * message is already redacted. Unknown errors answer a generic 500 (log the original).
 */
export function describeGatewayError(error: unknown, provider: string | undefined): GatewayErrorInfo {
  const who = provider ?? 'the platform';
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
  if (ApiCallError.isInstance(error)) {
    const code = codeString(error.code, `upstream_${error.status}`);
    const message = error.message;
    if (error.status === 400 || error.status === 422)
      return errorInfo(400, 'upstream_status', message, 'invalid_request_error', code);
    if (error.status === 404) return errorInfo(404, 'upstream_status', message, 'invalid_request_error', code);
    if (error.status === 429) {
      const info = errorInfo(429, 'upstream_rate_limit', message, 'rate_limit_error', code);
      if (error.retryAfterMs !== undefined)
        info.headers = { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))) };
      return info;
    }
    if (error.isAuthError)
      return errorInfo(
        502,
        'upstream_auth',
        `${who} refused this server's credentials: ${message}`,
        'server_error',
        code,
      );
    return errorInfo(502, 'upstream_status', message, 'server_error', code);
  }
  if (TimeoutError.isInstance(error)) {
    return errorInfo(
      504,
      'upstream_timeout',
      `${who} did not answer in time (${error.phase} timeout, ${error.timeoutMs} ms)`,
      'server_error',
      'upstream_timeout',
    );
  }
  if (ConnectionError.isInstance(error)) {
    return errorInfo(
      502,
      'upstream_connection',
      `could not reach ${who}${error.afterFirstByte ? ' (connection lost mid-answer)' : ''}`,
      'server_error',
      'upstream_unreachable',
    );
  }
  if (ResponseDecodeError.isInstance(error)) {
    return errorInfo(
      502,
      'upstream_decode',
      `${who} sent an answer that could not be read: ${error.message}`,
      'server_error',
      'upstream_bad_response',
    );
  }
  if (AgentStreamError.isInstance(error)) {
    return errorInfo(
      502,
      'stream_error',
      error.message,
      'server_error',
      codeString(error.code, 'upstream_stream_error'),
    );
  }
  if (KakehashiError.isInstance(error)) {
    return errorInfo(502, 'upstream_other', error.message, 'server_error', error.kind);
  }
  return errorInfo(500, 'internal', 'internal error', 'server_error', 'internal_error');
}

/** Replaces URLs (which can name internal hosts) in a message. */
export function withoutUrls(message: string): string {
  return message.replace(/\bhttps?:\/\/[^\s"'<>]+/g, '(upstream)');
}

/**
 * The error for an in-stream `error` AgentEvent: a platform error mid-answer, or a failure the SDK
 * turned into one (a cut stream, a lost connection, an idle timeout). Upstream URLs are removed.
 */
export function describeAgentErrorEvent(event: AgentErrorEvent, provider: string): GatewayErrorInfo {
  let message: string;
  if (event.code === 'connection') message = `${provider}: the connection to the platform was lost mid-answer`;
  else if (event.code === 'timeout') message = `${provider}: the platform went silent for too long (timeout)`;
  else message = withoutUrls(event.message.startsWith(provider) ? event.message : `${provider}: ${event.message}`);
  return errorInfo(502, 'stream_error', message, 'server_error', codeString(event.code, 'upstream_stream_error'));
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
