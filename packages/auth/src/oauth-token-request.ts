import { registerSecret, type HeaderRecord, type RequestBody } from '@kakehashi/sse-core';

/**
 * How the client-credentials request is encoded.
 *
 * - `form`: `application/x-www-form-urlencoded` with `grant_type=client_credentials`, `client_id`,
 *   `client_secret` and `scope` (RFC 6749 §4.4; AgenticStar SaaS OIDC token endpoint).
 * - `json`: `application/json` `{"client_id": …, "client_secret": …}` (AgenticStar Marketplace
 *   `POST /api/v1/auth/external-service-token`), plus `scope` when given.
 */
export type TokenRequestStyle = 'form' | 'json';

/**
 * Where the client credentials go. `body` (default): `client_id` / `client_secret` in the body
 * (`client_secret_post`). `basic`: an `Authorization: Basic` header (`client_secret_basic`, form style only).
 */
export type ClientAuthentication = 'body' | 'basic';

/** Extra body fields; `undefined` leaves a field out. They are added after (and so may replace) the standard ones. */
export type TokenRequestExtraBody = Record<string, string | number | boolean | undefined>;

/** Everything a body builder needs, settings already resolved. */
export interface TokenRequestParams {
  /** The configured request style. */
  style: TokenRequestStyle;
  /** The resolved client id. */
  clientId: string;
  /** The resolved client secret (already registered for redaction). */
  clientSecret: string;
  /** Space-separated scopes, when configured. */
  scope?: string;
  /** The configured extra body fields. */
  extraBody?: TokenRequestExtraBody;
  /** Where the credentials go. */
  clientAuthentication: ClientAuthentication;
}

/** A ready-to-send token request: the body and any extra headers. */
export interface TokenRequest {
  /** The body, as an sse-core `RequestBody` (`{ form }`, `{ json }` or `{ raw, contentType }`). */
  body: RequestBody;
  /** Extra request headers (for example `authorization` for Basic client authentication). */
  headers?: HeaderRecord;
}

/** Builds a custom token request; return the body (sse-core `RequestBody`) and optional headers. */
export type TokenRequestBuilder = (params: TokenRequestParams, defaults: TokenRequest) => TokenRequest;

/** RFC 6749 §2.3.1: client id and secret are form-encoded before they are joined for Basic auth. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

/** The standard request for a style: see {@link TokenRequestStyle}. */
export function buildTokenRequest(params: TokenRequestParams): TokenRequest {
  const basic = params.clientAuthentication === 'basic';
  const credentials = basic ? {} : { client_id: params.clientId, client_secret: params.clientSecret };
  const scope = params.scope === undefined || params.scope === '' ? {} : { scope: params.scope };
  let headers: HeaderRecord | undefined;
  if (basic) {
    // formEncode's output is ASCII, so btoa is exact (and works outside Node too).
    const encoded = btoa(`${formEncode(params.clientId)}:${formEncode(params.clientSecret)}`);
    registerSecret(encoded);
    headers = { authorization: `Basic ${encoded}` };
  }
  if (params.style === 'json') {
    const json: Record<string, unknown> = { ...credentials, ...scope };
    for (const [k, v] of Object.entries(params.extraBody ?? {})) if (v !== undefined) json[k] = v;
    return headers ? { body: { json }, headers } : { body: { json } };
  }
  const form: Record<string, string | number | boolean | undefined> = {
    grant_type: 'client_credentials',
    ...credentials,
    ...scope,
    ...params.extraBody,
  };
  return headers ? { body: { form }, headers } : { body: { form } };
}
