import {
  type AbortSignals,
  ApiCallError,
  callRetryOptions,
  ConnectionError,
  type KakehashiError,
  ResponseDecodeError,
  createHttpClient,
  type FetchFunction,
  type HttpClient,
  type HttpResponse,
  type RequestBody,
  type RetryOptions,
  type TimeoutOptions,
} from '@kakehashi/sse-core';
import { CodeerApiError } from './codeer-api-error';
import { CODEER_DEFAULT_TIMEOUTS, CODEER_PROVIDER, CODEER_TURN_HEADERS_TIMEOUT_MS } from './codeer-constants';
import { parseCodeerErrorBody, unwrapEnvelope, type CodeerErrorBody, type UnwrappedEnvelope } from './codeer-envelope';
import type { CodeerRequestOptions } from './codeer-request-options';

/** A call's options inside the package: the caller's, with room for the package's own cancel signal next to theirs. */
export type CodeerCallOptions = Omit<CodeerRequestOptions, 'signal'> & { signal?: AbortSignals };

/** What the resources need from the provider: one configured transport. */
export interface CodeerHttpSettings {
  baseURL: () => string;
  authHeaders: () => Promise<Record<string, string | undefined>>;
  headers?: Record<string, string>;
  fetch?: FetchFunction;
  timeouts?: TimeoutOptions;
  maxRetries: number;
}

/** One call to the Codeer API. */
export interface CodeerCall {
  path: string;
  method: 'GET' | 'POST' | 'PUT';
  query?: Record<string, string | number | boolean | undefined>;
  body?: RequestBody;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
  /**
   * The call runs an agent turn (send message, regenerate, form submit): the turn may already be
   * stored when the call fails, so it is only repeated when the server refused it outright (429, 503,
   * connection refused), and it waits longer for headers.
   */
  turn?: boolean;
  /** `buffer` reads the whole body inside the retry loop (JSON calls). Default `stream`. */
  read?: 'stream' | 'buffer';
}

/** The Codeer transport: sse-core's client with Codeer's envelope, errors and retry rules. */
export class CodeerHttp {
  private readonly client: HttpClient;
  private readonly settings: CodeerHttpSettings;

  constructor(settings: CodeerHttpSettings) {
    this.settings = settings;
    this.client = createHttpClient({
      baseURL: settings.baseURL,
      headers: async () => ({ ...settings.headers, ...(await settings.authHeaders()) }),
      fetch: settings.fetch,
      provider: CODEER_PROVIDER,
      parseErrorBody: (text) => parseCodeerErrorBody(text),
    });
  }

  /** Sends a call and returns the 2xx response (errors converted to {@link CodeerApiError}). */
  async open(call: CodeerCall, options: CodeerCallOptions = {}): Promise<HttpResponse> {
    const maxRetries = options.maxRetries ?? this.settings.maxRetries;
    const timeouts: TimeoutOptions = {
      ...CODEER_DEFAULT_TIMEOUTS,
      ...(call.turn ? { headersMs: CODEER_TURN_HEADERS_TIMEOUT_MS } : {}),
      ...this.settings.timeouts,
      ...options.timeouts,
    };
    const headers = call.headers || options.headers ? { ...call.headers, ...options.headers } : undefined;
    // A turn may already be stored when its call fails: sse-core repeats it only when the server
    // certainly refused it. Everything else follows sse-core's default rule.
    const retry: RetryOptions = {
      ...callRetryOptions({ maxRetries, maxRetryAfterMs: options.maxRetryAfterMs }),
      ...(call.turn ? { shouldRetry: isRefusedTurn } : {}),
    };
    let details: CodeerErrorBody | undefined;
    try {
      return await this.client.request({
        path: call.path,
        method: call.method,
        query: call.query,
        body: call.body,
        headers,
        signal: options.signal,
        timeouts,
        read: call.read,
        retry,
        parseErrorBody: (text) => (details = parseCodeerErrorBody(text)),
      });
    } catch (error) {
      throw toCodeerError(error, details);
    }
  }

  /** Sends a call whose answer is a JSON envelope and returns its `data` and `pagination`. */
  async envelope(call: CodeerCall, options?: CodeerRequestOptions): Promise<UnwrappedEnvelope & { url: string }> {
    const res = await this.open({ ...call, read: 'buffer' }, options);
    return { ...(await readEnvelope(res)), url: res.url };
  }
}

/** Reads a buffered JSON response and checks its envelope. */
export async function readEnvelope(res: HttpResponse): Promise<UnwrappedEnvelope> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new ResponseDecodeError('invalid-json', `Response from ${res.url} is not valid JSON`, {
      excerpt: text,
      cause,
    });
  }
  return unwrapEnvelope(body, { url: res.url, status: res.status, requestId: res.requestId }, text);
}

/** sse-core's `ApiCallError` becomes a {@link CodeerApiError}; other errors pass unchanged. */
export function toCodeerError(error: unknown, details: CodeerErrorBody | undefined): unknown {
  if (!ApiCallError.isInstance(error) || CodeerApiError.isInstance(error)) return error;
  return new CodeerApiError({
    url: error.url,
    status: error.status,
    code: error.code,
    platformMessage: details?.platformMessage,
    requestId: error.requestId,
    retryAfterMs: error.retryAfterMs,
    bodyExcerpt: error.bodyExcerpt,
    retryable: error.retryable,
    cause: error,
  });
}

/**
 * The retry rule of a turn call (`shouldRetry`): repeat it only when the server certainly did not run
 * it: rate limited (429), unavailable (503), or the connection refused before anything was sent.
 */
function isRefusedTurn(error: KakehashiError): boolean {
  if (ApiCallError.isInstance(error)) return error.status === 429 || error.status === 503;
  if (ConnectionError.isInstance(error) && !error.afterFirstByte) return causeCode(error) === 'ECONNREFUSED';
  return false;
}

function causeCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('E')) return code;
  }
  return undefined;
}
