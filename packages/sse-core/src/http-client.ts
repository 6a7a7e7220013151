import { InvalidArgumentError } from './errors';
import { httpRequest, type HeaderRecord, type HttpRequestOptions, type TimeoutOptions } from './http-request';
import type { HttpResponse } from './http-response';
import type { FetchFunction, Transport } from './http-transport';
import { resolveValue, type Resolvable } from './resolvable';
import type { RetryOptions } from './retry-policy';

/** Defaults shared by every request of one client (one provider instance). */
export interface HttpClientSettings {
  /** Prefix of every request path, for example `https://api.example.com/v1`. */
  baseURL: Resolvable<string>;
  /** Headers on every request (auth goes here), resolved per attempt. Per-request headers win. */
  headers?: Resolvable<HeaderRecord>;
  fetch?: FetchFunction;
  transport?: Transport;
  timeouts?: TimeoutOptions;
  retry?: RetryOptions;
  provider?: string;
  onUnauthorized?: HttpRequestOptions['onUnauthorized'];
  parseErrorBody?: HttpRequestOptions['parseErrorBody'];
}

/** One request relative to the client's base URL. */
export interface HttpClientRequest extends Omit<HttpRequestOptions, 'url' | 'fetch' | 'transport' | 'provider'> {
  /** Path appended to the base URL (`/chat/completions`), or an absolute URL. */
  path: string;
}

export interface HttpClient {
  readonly provider: string | undefined;
  request(options: HttpClientRequest): Promise<HttpResponse>;
  /** Sends a request and returns its JSON body (read inside the retry loop). */
  requestJson<T = unknown>(options: HttpClientRequest): Promise<T>;
}

/** Joins a base URL and a path with exactly one slash between them. */
export function joinUrl(baseURL: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  return `${baseURL.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** A request function with a provider's defaults bound: base URL, auth headers, timeouts, retries. */
export function createHttpClient(settings: HttpClientSettings): HttpClient {
  const request = async (options: HttpClientRequest): Promise<HttpResponse> => {
    const baseURL = await resolveValue(settings.baseURL);
    if (!baseURL) throw new InvalidArgumentError('baseURL', 'must be a non-empty URL');
    const { path, headers, timeouts, retry, ...rest } = options;
    return httpRequest({
      ...rest,
      url: joinUrl(baseURL, path),
      fetch: settings.fetch,
      transport: settings.transport,
      provider: settings.provider,
      onUnauthorized: options.onUnauthorized ?? settings.onUnauthorized,
      parseErrorBody: options.parseErrorBody ?? settings.parseErrorBody,
      timeouts: { ...settings.timeouts, ...timeouts },
      retry: { ...settings.retry, ...retry },
      headers:
        settings.headers === undefined && headers === undefined
          ? undefined
          : async () => ({
              ...(settings.headers === undefined ? {} : await resolveValue(settings.headers)),
              ...(headers === undefined ? {} : await resolveValue(headers)),
            }),
    });
  };
  return {
    provider: settings.provider,
    request,
    async requestJson<T>(options: HttpClientRequest): Promise<T> {
      const res = await request({ ...options, read: 'buffer' });
      return res.json<T>();
    },
  };
}
