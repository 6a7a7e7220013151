import { acsQueryString, signAcs3Request, type AcsQuery } from '@kakehashi/auth';
import { InvalidArgumentError } from '@kakehashi/sse-core';

/** The ICE OpenAPI version this package speaks. */
export const ICE_API_VERSION = '2020-11-09';

/** Parameter values of an ICE action; objects and arrays are sent as JSON text, `undefined`/`null` left out. */
export type IceActionParams = Record<
  string,
  string | number | boolean | Record<string, unknown> | unknown[] | undefined | null
>;

/** Options of {@link signIceRequest}. */
export interface SignIceRequestOptions {
  /** Endpoint origin, e.g. `https://ice.cn-shanghai.aliyuncs.com`. */
  endpoint: string;
  /** The action, e.g. `DescribeAIAgentInstance`. */
  action: string;
  /** PascalCase parameters, sent in the query string. */
  params?: IceActionParams;
  /** AccessKey id (appears in `Authorization`). */
  accessKeyId: string;
  /** Registered for redaction; never sent. */
  accessKeySecret: string;
  /** STS token, sent signed as `x-acs-security-token`. */
  securityToken?: string;
  /** Extra headers (`x-acs-*` ones are signed). */
  headers?: Record<string, string>;
  /** Request time. Default now. */
  date?: Date | string;
  /** `x-acs-signature-nonce`. Default: 32 random hex characters. */
  nonce?: string;
}

/** A signed ICE request, ready to send: `POST url` with these headers and an empty body. */
export interface SignedIceRequest {
  method: 'POST';
  url: string;
  /** Every header to send, `Authorization` included (`host` left to the HTTP stack: it is the URL's host, as signed). */
  headers: Record<string, string>;
}

/** Internal: parameters as the query sends them (objects as JSON text). */
export function iceQuery(params: IceActionParams | undefined): AcsQuery {
  const query: Record<string, string | number | boolean> = {};
  for (const key in params) {
    const value = params[key];
    if (value === undefined || value === null) continue;
    query[key] = typeof value === 'object' ? JSON.stringify(value) : value;
  }
  return query;
}

const USER_AGENT = 'kakehashi-aliyun-aiagent';
const endpoints = new Map<string, { origin: string; host: string }>();

/** Internal: the origin and host of an endpoint URL (cached: services call one or a few endpoints). */
export function parseEndpoint(endpoint: string): { origin: string; host: string } {
  const cached = endpoints.get(endpoint);
  if (cached) return cached;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new InvalidArgumentError('endpoint', `"${String(endpoint)}" is not an absolute URL`);
  }
  const parsed = { origin: url.origin, host: url.host };
  if (endpoints.size >= 64) endpoints.clear();
  endpoints.set(endpoint, parsed);
  return parsed;
}

/** Internal: the request URL: `origin/?<sorted, RFC 3986-encoded parameters>` (exactly what is signed). */
export function iceUrl(origin: string, query: AcsQuery): string {
  const queryString = acsQueryString(query);
  return `${origin}/${queryString ? `?${queryString}` : ''}`;
}

/**
 * Signs one ICE OpenAPI call the way the official SDK does (RPC style, V3 `ACS3-HMAC-SHA256`, via
 * `@kakehashi/auth`): parameters in the query string, empty body, `x-acs-action` / `x-acs-version:
 * 2020-11-09` / date / nonce / content hash signed. For sending with your own HTTP stack; the ICE client
 * uses it for every attempt.
 *
 * @throws InvalidArgumentError naming the bad field.
 */
export function signIceRequest(options: SignIceRequestOptions): SignedIceRequest {
  const origin = parseEndpoint(options.endpoint);
  const query = iceQuery(options.params);
  const signed = signAcs3Request({
    host: origin.host,
    action: options.action,
    version: ICE_API_VERSION,
    query,
    accessKeyId: options.accessKeyId,
    accessKeySecret: options.accessKeySecret,
    ...(options.securityToken ? { securityToken: options.securityToken } : {}),
    ...(options.date === undefined ? {} : { date: options.date }),
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  // `host` is left to the HTTP stack (the URL's host, which is what was signed); the user agent is not signed.
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  for (const name in signed) if (name !== 'host') headers[name] = signed[name]!;
  return { method: 'POST', url: iceUrl(origin.origin, query), headers };
}
