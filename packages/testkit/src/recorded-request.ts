import type { IncomingMessage } from 'node:http';

/** How a request's connection or response ended. */
export interface RecordedClose {
  /**
   * `true` when the client went away (abort, early `break`, dropped socket) before
   * the server finished the response. `false` when the response finished, or when
   * the server itself cut it (`destroy` step, `resetBeforeHeaders`, `close()`).
   */
  byClient: boolean;
}

/** One request as the scripted server received it (its body is always read in full). */
export interface RecordedRequest {
  /** 0-based order of arrival. */
  index: number;
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** Path and query exactly as received, e.g. `/v1/chat?stream=1`. */
  url: string;
  /** Pathname only, e.g. `/v1/chat`. */
  path: string;
  /** The parsed query string. */
  query: URLSearchParams;
  /** Request headers with lower-cased names; a repeated header's values are joined with `', '`. */
  headers: Record<string, string>;
  /** The raw body decoded as UTF-8 text (`''` when there was none). */
  body: string;
  /** The raw body bytes. */
  rawBody: Uint8Array;
  /** `JSON.parse(body)`; throws a descriptive error when the body is not JSON. */
  json<T = unknown>(): T;
  /** Parse the body as `application/x-www-form-urlencoded`. */
  form(): URLSearchParams;
  /**
   * Resolves when this request's connection or response was closed. Tests use it
   * to prove that an abort or an early `break` closes the connection at once.
   */
  closed: Promise<RecordedClose>;
}

/** What the server knows about a request once its body has been read. */
export interface RecordedRequestInit {
  /** Position in the server's request log. */
  index: number;
  /** The incoming request (headers, method and URL are read from it). */
  request: IncomingMessage;
  /** The complete request body. */
  rawBody: Uint8Array;
  /** Settles when the exchange closes. */
  closed: Promise<RecordedClose>;
}

const decoder = new TextDecoder();

/** Build the immutable record of one received request. */
export function createRecordedRequest(init: RecordedRequestInit): RecordedRequest {
  const { index, request, rawBody, closed } = init;
  const url = request.url ?? '/';
  const parsed = new URL(url, 'http://testkit.invalid');
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(request.headersDistinct)) {
    if (values !== undefined) headers[name] = values.join(', ');
  }
  const body = decoder.decode(rawBody);
  return {
    index,
    method: request.method ?? 'GET',
    url,
    path: parsed.pathname,
    query: new URLSearchParams(parsed.search),
    headers,
    body,
    rawBody,
    json<T = unknown>(): T {
      try {
        return JSON.parse(body) as T;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new SyntaxError(`testkit: request #${index} (${request.method} ${url}) body is not JSON: ${reason}`);
      }
    },
    form(): URLSearchParams {
      return new URLSearchParams(body);
    },
    closed,
  };
}
