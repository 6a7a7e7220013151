import { AbortError, ApiCallError, InvalidArgumentError, KakehashiError } from './errors';
import { AttemptScope, CallScope, DEFAULT_TIMEOUTS, type TimeoutOptions } from './http-call-scope';
import { HttpResponse } from './http-response';
import { parseJsonObject } from './json-parse';
import { markProgrammingError } from './network-failure';
import { defaultTransport, fetchTransport, type FetchFunction, type Transport } from './http-transport';
import { resolveValue, type Resolvable } from './resolvable';
import {
  DEFAULT_RETRY,
  defaultShouldRetry,
  parseRetryAfter,
  retryAfterTooLong,
  retryDelayMs,
  sleep,
  type RetryOptions,
} from './retry-policy';
import type { AbortSignals } from './abort-signals';

export { DEFAULT_TIMEOUTS, type TimeoutOptions } from './http-call-scope';

/** A request body. The content type follows from the variant unless a header sets it. */
export type RequestBody =
  | { json: unknown }
  | { form: URLSearchParams | Record<string, string | number | boolean | undefined> }
  | { multipart: FormData }
  | { raw: string | Uint8Array; contentType?: string };

/** Header values; `undefined` drops a header. */
export type HeaderRecord = Record<string, string | undefined>;

/** What the platform's error body says, as extracted by a provider's `parseErrorBody`. */
export interface ErrorBodyDetails {
  message?: string;
  code?: string | number;
  requestId?: string;
  retryable?: boolean;
}

export interface HttpRequestOptions {
  /** Absolute http(s) URL. */
  url: string | URL;
  /** Default `GET`, or `POST` when there is a body. */
  method?: string;
  /** Query parameters appended to the URL; `undefined` and `null` values are left out. */
  query?: Record<string, string | number | boolean | undefined | null>;
  /** Headers, resolved again for every attempt (so a refreshed token is picked up on retry). */
  headers?: Resolvable<HeaderRecord>;
  body?: RequestBody;
  /**
   * Cancels the request, its retries and its body. Several signals: any one of them cancels it (the
   * listeners are removed when the call ends, so long-lived signals do not collect them).
   */
  signal?: AbortSignals;
  timeouts?: TimeoutOptions;
  /** How failed attempts are repeated: how often, how long to wait, and which failures (`shouldRetry`). */
  retry?: RetryOptions;
  /**
   * Use this fetch-compatible function instead of the default transport (undici on Node, the global
   * `fetch` on Bun, Deno, Workers and browsers).
   */
  fetch?: FetchFunction;
  /** A lower-level transport (takes precedence over `fetch`). */
  transport?: Transport;
  /** Names the platform in errors. */
  provider?: string;
  /**
   * Called once when the server answers 401. Return true to send the request once more (after
   * invalidating a cached token, so that `headers` resolves to a fresh one). Does not count as a retry.
   */
  onUnauthorized?: (error: ApiCallError, sentHeaders: Readonly<Record<string, string>>) => boolean | Promise<boolean>;
  /** Extracts the platform's error code, message and request id from an error body. */
  parseErrorBody?: (body: string, status: number, headers: Headers) => ErrorBodyDetails | undefined;
  /**
   * `stream` (default): resolve once the first body chunk has arrived (retries cover everything before
   * it). `buffer`: read the whole body inside the retry loop.
   */
  read?: 'stream' | 'buffer';
  /** Bytes of an error body read for its excerpt and details. Default 16 KiB. */
  maxErrorBodyBytes?: number;
}

const REQUEST_ID_HEADERS = [
  'x-request-id',
  'request-id',
  'x-acs-request-id',
  'x-amzn-requestid',
  'x-correlation-id',
  'trace-id',
];

/** The request id the server put in a response header, if any. */
export function requestIdFromHeaders(headers: Headers): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const v = headers.get(name);
    if (v) return v;
  }
  return undefined;
}

function buildUrl(options: HttpRequestOptions): string {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new InvalidArgumentError('url', `"${String(options.url)}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('url', `protocol must be http: or https:, got ${url.protocol}`);
  }
  if (options.query) {
    for (const [k, v] of Object.entries(options.query))
      if (v !== undefined && v !== null) url.searchParams.append(k, String(v));
  }
  return url.toString();
}

async function encodeBody(
  body: RequestBody | undefined,
): Promise<{ payload?: string | Uint8Array; contentType?: string }> {
  if (!body) return {};
  if ('json' in body) return { payload: JSON.stringify(body.json), contentType: 'application/json' };
  if ('form' in body) {
    const params =
      body.form instanceof URLSearchParams
        ? body.form
        : new URLSearchParams(
            Object.entries(body.form)
              .filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
              .map(([k, v]) => [k, String(v)]),
          );
    return { payload: params.toString(), contentType: 'application/x-www-form-urlencoded' };
  }
  if ('multipart' in body) {
    // Serialised once here (boundary included): the same bytes serve every retry, and undici's
    // request() accepts only FormData from its own package instance, not Node's global one.
    const encoded = new Response(body.multipart);
    return {
      payload: new Uint8Array(await encoded.arrayBuffer()),
      contentType: encoded.headers.get('content-type') ?? 'multipart/form-data',
    };
  }
  return { payload: body.raw, contentType: body.contentType };
}

async function readErrorBody(
  body: AsyncIterable<Uint8Array>,
  attempt: AttemptScope,
  maxBytes: number,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    for await (const chunk of body) {
      attempt.bytesReceived();
      const room = maxBytes - bytes;
      text += decoder.decode(chunk.byteLength > room ? chunk.subarray(0, room) : chunk, { stream: true });
      bytes += chunk.byteLength;
      if (bytes >= maxBytes) break;
    }
  } catch {
    // The status is what matters; a body cut short still gives a partial excerpt.
  }
  return text + decoder.decode();
}

/** Removes the query string (which may hold signatures or keys) from a URL for error messages. */
function publicUrl(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * Sends one HTTP request with kakehashi's transport rules: separate headers / idle / total timeouts,
 * retries with backoff and `Retry-After` (only before the first body byte is handed out; never after
 * an abort; which failures are retried is `retry.shouldRetry`'s call), one retry after a 401 when
 * `onUnauthorized` agrees, and errors from one hierarchy.
 *
 * Resolves once the status is 2xx and the first body chunk has arrived (or the whole body, with
 * `read: 'buffer'`). Non-2xx statuses reject with {@link ApiCallError}.
 */
export async function httpRequest(options: HttpRequestOptions): Promise<HttpResponse> {
  const url = buildUrl(options);
  const errorUrl = publicUrl(url);
  const { payload, contentType } = await encodeBody(options.body);
  const method = (options.method ?? (options.body ? 'POST' : 'GET')).toUpperCase();
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const shouldRetry = options.retry?.shouldRetry ?? defaultShouldRetry;
  const transport = options.transport ?? (options.fetch ? fetchTransport(options.fetch) : defaultTransport);
  const call = new CallScope(errorUrl, options.signal, timeouts.totalMs);
  let unauthorizedRetried = false;

  for (let attemptNo = 0; ; attemptNo++) {
    if (call.reason) {
      call.dispose();
      throw call.reason;
    }
    const attempt = new AttemptScope(call, errorUrl, timeouts);
    const sentHeaders: Record<string, string> = {};
    let error: KakehashiError;
    try {
      return await sendAttempt(
        options,
        attempt,
        { url, method, payload, contentType, transport, errorUrl },
        sentHeaders,
      );
    } catch (e) {
      const failure = attempt.classify(e, false);
      attempt.finish(true);
      if (!KakehashiError.isInstance(failure)) {
        // A programming error (a bad header value, a broken transport): the same every time, never retried.
        call.dispose();
        throw failure;
      }
      error = failure;
    }

    if (
      ApiCallError.isInstance(error) &&
      error.status === 401 &&
      !unauthorizedRetried &&
      options.onUnauthorized &&
      (await options.onUnauthorized(error, sentHeaders))
    ) {
      unauthorizedRetried = true;
      attemptNo--;
      continue;
    }
    // An abort or total timeout (call.reason) is never retried, whatever shouldRetry would say; nor is
    // a refusal whose Retry-After is longer than the caller is willing to wait.
    const retryAfter = ApiCallError.isInstance(error) ? error.retryAfterMs : undefined;
    let again: boolean;
    try {
      again =
        !call.reason &&
        attemptNo < retry.maxRetries &&
        !retryAfterTooLong(retry, retryAfter) &&
        shouldRetry(error, attemptNo + 1);
    } catch (thrown) {
      call.dispose();
      throw thrown;
    }
    if (!again) {
      call.dispose();
      throw error;
    }
    try {
      await sleep(retryDelayMs(attemptNo + 1, retry, retryAfter), call.signal);
    } catch {
      call.dispose();
      throw call.reason ?? new AbortError();
    }
  }
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const BAD_HEADER_VALUE = /[\r\n\0]/;

/**
 * The same refusal on every transport, before anything is sent (undici and each runtime's fetch word
 * it differently). The value is never quoted: it may be a credential.
 */
function checkHeader(name: string, value: string): string {
  if (!HEADER_NAME.test(name)) throw new InvalidArgumentError(`headers.${name}`, 'is not a valid HTTP header name');
  if (typeof value !== 'string') throw new InvalidArgumentError(`headers.${name}`, 'must be a string');
  if (BAD_HEADER_VALUE.test(value))
    throw new InvalidArgumentError(`headers.${name}`, 'must not contain a line break (CR, LF) or NUL');
  return value;
}

interface PreparedRequest {
  url: string;
  errorUrl: string;
  method: string;
  payload?: string | Uint8Array;
  contentType?: string;
  transport: Transport;
}

async function sendAttempt(
  options: HttpRequestOptions,
  attempt: AttemptScope,
  req: PreparedRequest,
  headers: Record<string, string>,
): Promise<HttpResponse> {
  headers.accept = 'application/json, text/event-stream, application/x-ndjson';
  if (req.contentType) headers['content-type'] = req.contentType;
  if (options.headers !== undefined) {
    let extra: HeaderRecord | undefined;
    try {
      extra = await resolveValue(options.headers);
    } catch (error) {
      // The caller's header function failed (a token fetch fails with its own kakehashi error): not the
      // network's doing, so not a ConnectionError, and surfaced as it is.
      throw KakehashiError.isInstance(error) ? error : markProgrammingError(error);
    }
    for (const [k, v] of Object.entries(extra ?? {})) {
      const key = k.toLowerCase();
      if (v === undefined) delete headers[key];
      else headers[key] = checkHeader(key, v);
    }
  }
  attempt.startHeadersClock();
  const res = await req.transport({
    url: req.url,
    method: req.method,
    headers,
    body: req.payload,
    signal: attempt.signal,
  });
  attempt.headersReceived();
  const requestId = requestIdFromHeaders(res.headers);

  if (res.status < 200 || res.status >= 300) {
    const text = await readErrorBody(res.body, attempt, options.maxErrorBodyBytes ?? 16_384);
    const details = safeParseErrorBody(options, text, res.status, res.headers);
    throw new ApiCallError({
      url: req.errorUrl,
      status: res.status,
      provider: options.provider,
      code: details?.code,
      requestId: details?.requestId ?? requestId,
      retryAfterMs: parseRetryAfter(res.headers),
      bodyExcerpt: text,
      retryable: details?.retryable,
      message: details?.message ? `HTTP ${res.status}: ${details.message}` : undefined,
    });
  }

  const iterator = res.body[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let ended = false;
  if (options.read === 'buffer') {
    for (;;) {
      const r = await iterator.next();
      if (r.done) break;
      attempt.bytesReceived();
      head.push(r.value);
    }
    ended = true;
  } else {
    // Peek the first chunk: a failure before it is still retried; after it, nothing is.
    const r = await iterator.next();
    attempt.bytesReceived();
    if (r.done) ended = true;
    else head.push(r.value);
  }
  return new HttpResponse({
    status: res.status,
    headers: res.headers,
    url: req.errorUrl,
    requestId,
    provider: options.provider,
    head,
    rest: ended ? undefined : iterator,
    attempt,
  });
}

function safeParseErrorBody(
  options: HttpRequestOptions,
  text: string,
  status: number,
  headers: Headers,
): ErrorBodyDetails | undefined {
  try {
    return options.parseErrorBody?.(text, status, headers) ?? defaultErrorDetails(text);
  } catch {
    return undefined;
  }
}

/** A string that looks like a machine code (`invalid_client`), not free text that might echo input. */
function codeLike(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(value) ? value : undefined;
}

/** Best-effort reading of common error shapes: `{error:{message,code}}`, `{message,code}`, OAuth `{error,error_description}`. */
function defaultErrorDetails(text: string): ErrorBodyDetails | undefined {
  const b = parseJsonObject(text);
  if (!b) return undefined;
  const err = typeof b.error === 'object' && b.error !== null ? (b.error as Record<string, unknown>) : undefined;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const code = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? v : undefined);
  return {
    message: str(err?.message) ?? str(b.error_description) ?? str(b.message) ?? str(b.error),
    code: code(err?.code) ?? code(err?.type) ?? code(b.code) ?? code(b.error_code) ?? codeLike(b.error),
    requestId: str(b.request_id) ?? str(b.requestId) ?? str(b.RequestId),
  };
}
