import {
  AbortError,
  ApiCallError,
  InvalidArgumentError,
  ResponseDecodeError,
  httpRequest,
  registerSecret,
  type FetchFunction,
  type Resolvable,
  type RetryOptions,
  type TimeoutOptions,
  type Transport,
} from '@kakehashi/sse-core';
import { credentialsFromAuthorization, type HttpAuth } from './http-auth';
import { AccessToken } from './oauth-access-token';
import {
  buildTokenRequest,
  type ClientAuthentication,
  type TokenRequestBuilder,
  type TokenRequestExtraBody,
  type TokenRequestParams,
  type TokenRequestStyle,
} from './oauth-token-request';
import { parseOAuthErrorBody, parseTokenResponse } from './oauth-token-response';
import {
  assertOptionalFunction,
  assertOptionalNonNegativeNumber,
  assertOptionalPlainObject,
  assertOptionalString,
  assertOptionsObject,
  assertResolvableString,
  describeType,
  resolveSetting,
} from './options-validation';

/** Default of {@link ClientCredentialsOptions.refreshSkewMs}: refresh 60 s before expiry. */
export const DEFAULT_REFRESH_SKEW_MS = 60_000;

/**
 * Default of {@link ClientCredentialsOptions.defaultExpiresInMs}: a token whose response has no usable
 * `expires_in` is treated as valid for 5 minutes. Short enough that a token of unknown lifetime is not
 * used long after it may have expired, long enough not to hammer the token endpoint; a 401 still
 * invalidates it at once.
 */
export const DEFAULT_EXPIRES_IN_MS = 300_000;

/** After a failed background refresh, the next background attempt waits this long (the cached token is still valid). */
const BACKGROUND_RETRY_MS = 5_000;

/** Options of {@link createClientCredentialsProvider}. Unknown keys are rejected. */
export interface ClientCredentialsOptions {
  /**
   * The token endpoint, for example `https://auth.agenticstar.jp/federation/auth/v1/token` (SaaS) or
   * `https://<domain>/api/v1/auth/external-service-token` (Marketplace). A value, or a (lazy) function
   * resolved on every token request.
   */
  tokenUrl: Resolvable<string>;
  /** The OAuth client id. A value, or a lazy function (for example {@link lazySetting}). */
  clientId: Resolvable<string>;
  /** The OAuth client secret. A value, or a lazy function (for example {@link lazySecret}). Registered for redaction as soon as it is read. */
  clientSecret: Resolvable<string>;
  /** `form` (default; RFC 6749 form body) or `json` (AgenticStar Marketplace `{client_id, client_secret}`). */
  style?: TokenRequestStyle;
  /** Scope(s) to request; an array is joined with spaces. Sent only when given. */
  scope?: string | readonly string[];
  /** Extra body fields, added after (and able to replace) the standard ones. */
  extraBody?: TokenRequestExtraBody;
  /** Replaces the request builder: receives the resolved settings and the default request, returns the request to send. */
  buildRequest?: TokenRequestBuilder;
  /** `body` (default, `client_secret_post`) or `basic` (`Authorization: Basic`, `client_secret_basic`). */
  clientAuthentication?: ClientAuthentication;
  /**
   * Refresh this long before expiry (default 60,000 ms). Inside this window the cached token is still
   * returned at once while one background refresh runs. Capped at half the token's lifetime.
   */
  refreshSkewMs?: number;
  /** Lifetime assumed when the response has no usable `expires_in`. Default 300,000 ms (see {@link DEFAULT_EXPIRES_IN_MS}). */
  defaultExpiresInMs?: number;
  /** A fetch-compatible function for the token request (proxies, custom CA, edge runtimes). Default: sse-core's undici transport. */
  fetch?: FetchFunction;
  /** A lower-level sse-core transport (takes precedence over `fetch`). */
  transport?: Transport;
  /** sse-core timeouts for the token request (`headersMs`, `idleMs`, `totalMs`). Default: sse-core's. */
  timeouts?: TimeoutOptions;
  /** sse-core retry options for the token request: 408/409/429/5xx and connection errors are retried, 400/401 never. */
  retry?: RetryOptions;
  /** Names the platform in errors (`agenticstar`). */
  provider?: string;
  /** The clock, in milliseconds since the epoch (default `Date.now`). Tests move it instead of sleeping. */
  now?: () => number;
}

/** Per-call options of {@link TokenProvider.getToken} and friends. */
export interface GetTokenOptions {
  /**
   * Stops waiting for the token (rejects with sse-core's `AbortError`). The shared refresh itself
   * continues for the other callers.
   */
  signal?: AbortSignal;
}

/** A source of OAuth access tokens with a cache, single-flight refresh and 401 handling. */
export interface TokenProvider {
  /** A valid access token: from the cache, or after one shared refresh. */
  getToken(options?: GetTokenOptions): Promise<string>;
  /** Like {@link getToken}, with the expiry, token type and generation. */
  getAccessToken(options?: GetTokenOptions): Promise<AccessToken>;
  /**
   * With a token: drops the cached token only if it is still that one (after a 401), so that several
   * requests failing with the same old token cause one refresh. Without: drops the cached token and
   * detaches any refresh in flight, whose result will not be cached. Returns whether anything was dropped.
   */
  invalidate(token?: string): boolean;
  /** `{ authorization: 'Bearer <token>' }`. */
  authHeaders(options?: GetTokenOptions): Promise<{ authorization: string }>;
  /** `{ headers, onUnauthorized }` to spread into sse-core's `createHttpClient` settings. */
  toHttpAuth(): Required<HttpAuth>;
}

interface Refresh {
  /** The invalidation epoch when it started: a refresh from an older epoch is stale. */
  epoch: number;
  generation: number;
  promise: Promise<AccessToken>;
}

const OPTION_KEYS = [
  'tokenUrl',
  'clientId',
  'clientSecret',
  'style',
  'scope',
  'extraBody',
  'buildRequest',
  'clientAuthentication',
  'refreshSkewMs',
  'defaultExpiresInMs',
  'fetch',
  'transport',
  'timeouts',
  'retry',
  'provider',
  'now',
] as const;

function validateOptions(options: unknown): asserts options is ClientCredentialsOptions {
  assertOptionsObject(options, 'options', OPTION_KEYS);
  assertResolvableString(options.tokenUrl, 'tokenUrl', true);
  assertResolvableString(options.clientId, 'clientId', true);
  assertResolvableString(options.clientSecret, 'clientSecret', true);
  if (typeof options.tokenUrl === 'string') assertHttpUrl(options.tokenUrl, 'tokenUrl');
  if (options.style !== undefined && options.style !== 'form' && options.style !== 'json') {
    throw new InvalidArgumentError('style', `must be "form" or "json", got ${JSON.stringify(options.style)}`);
  }
  if (
    options.clientAuthentication !== undefined &&
    options.clientAuthentication !== 'body' &&
    options.clientAuthentication !== 'basic'
  ) {
    throw new InvalidArgumentError(
      'clientAuthentication',
      `must be "body" or "basic", got ${JSON.stringify(options.clientAuthentication)}`,
    );
  }
  const scope = options.scope;
  if (
    scope !== undefined &&
    typeof scope !== 'string' &&
    !(Array.isArray(scope) && scope.every((s) => typeof s === 'string'))
  ) {
    throw new InvalidArgumentError('scope', `must be a string or an array of strings, got ${describeType(scope)}`);
  }
  assertOptionalPlainObject(options.extraBody, 'extraBody');
  for (const [key, value] of Object.entries((options.extraBody ?? {}) as Record<string, unknown>)) {
    if (value !== undefined && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new InvalidArgumentError(
        `extraBody.${key}`,
        `must be a string, number or boolean, got ${describeType(value)}`,
      );
    }
  }
  assertOptionalFunction(options.buildRequest, 'buildRequest');
  assertOptionalNonNegativeNumber(options.refreshSkewMs, 'refreshSkewMs');
  assertOptionalNonNegativeNumber(options.defaultExpiresInMs, 'defaultExpiresInMs');
  assertOptionalFunction(options.fetch, 'fetch');
  assertOptionalFunction(options.transport, 'transport');
  assertOptionalPlainObject(options.timeouts, 'timeouts');
  assertOptionalPlainObject(options.retry, 'retry');
  assertOptionalString(options.provider, 'provider');
  assertOptionalFunction(options.now, 'now');
}

function assertHttpUrl(value: string, field: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(field, `"${value}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(field, `protocol must be http: or https:, got ${url.protocol}`);
  }
}

/** Resolves `promise`, or rejects with `AbortError` as soon as `signal` aborts (the promise itself keeps running). */
function withSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new AbortError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

class ClientCredentialsTokenProvider implements TokenProvider {
  readonly #options: ClientCredentialsOptions;
  readonly #now: () => number;
  readonly #skewMs: number;
  readonly #defaultExpiresInMs: number;
  #current: AccessToken | undefined;
  #inflight: Refresh | undefined;
  #epoch = 0;
  #generation = 0;
  #backgroundFailedAt: number | undefined;
  #httpAuth: Required<HttpAuth> | undefined;

  constructor(options: ClientCredentialsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#skewMs = options.refreshSkewMs ?? DEFAULT_REFRESH_SKEW_MS;
    this.#defaultExpiresInMs = options.defaultExpiresInMs ?? DEFAULT_EXPIRES_IN_MS;
    // Methods work when passed around unbound (`const { getToken } = provider`).
    this.getToken = this.getToken.bind(this);
    this.getAccessToken = this.getAccessToken.bind(this);
    this.authHeaders = this.authHeaders.bind(this);
    this.invalidate = this.invalidate.bind(this);
    this.toHttpAuth = this.toHttpAuth.bind(this);
  }

  async getToken(options?: GetTokenOptions): Promise<string> {
    return (await this.getAccessToken(options)).token;
  }

  getAccessToken(options: GetTokenOptions = {}): Promise<AccessToken> {
    return withSignal(this.#acquire(), options.signal);
  }

  async authHeaders(options?: GetTokenOptions): Promise<{ authorization: string }> {
    return { authorization: (await this.getAccessToken(options)).authorization };
  }

  invalidate(token?: string): boolean {
    if (token === undefined) {
      const dropped = this.#current !== undefined || this.#inflight !== undefined;
      this.#current = undefined;
      this.#inflight = undefined;
      this.#epoch++;
      return dropped;
    }
    if (this.#current !== undefined && this.#current.token === token) {
      this.#current = undefined;
      return true;
    }
    return false;
  }

  toHttpAuth(): Required<HttpAuth> {
    this.#httpAuth ??= {
      headers: () => this.authHeaders(),
      onUnauthorized: (_error, sentHeaders) => {
        const token = credentialsFromAuthorization(sentHeaders.authorization);
        if (token === undefined) return false;
        this.invalidate(token);
        return true;
      },
    };
    return this.#httpAuth;
  }

  toString(): string {
    return `ClientCredentialsProvider(${this.#options.style ?? 'form'}${this.#options.provider ? `, ${this.#options.provider}` : ''})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** The cached token when valid (starting a background refresh inside the skew window), else the shared refresh. */
  #acquire(): Promise<AccessToken> {
    const now = this.#now();
    const current = this.#current;
    if (current !== undefined && now < current.expiresAt) {
      if (now >= this.#refreshAt(current)) this.#refreshInBackground(now);
      return Promise.resolve(current);
    }
    return this.#refresh().promise;
  }

  #refreshAt(token: AccessToken): number {
    const lifetime = Math.max(0, token.expiresAt - token.obtainedAt);
    return token.expiresAt - Math.min(this.#skewMs, lifetime / 2);
  }

  #refreshInBackground(now: number): void {
    if (this.#inflight !== undefined) return;
    if (this.#backgroundFailedAt !== undefined && now - this.#backgroundFailedAt < BACKGROUND_RETRY_MS) return;
    this.#refresh().promise.catch(() => {
      // The cached token is still valid; callers get it, and a later call tries again.
      this.#backgroundFailedAt = this.#now();
    });
  }

  /** Joins the refresh in flight, or starts one (single flight). */
  #refresh(): Refresh {
    if (this.#inflight !== undefined) return this.#inflight;
    const generation = ++this.#generation;
    const refresh: Refresh = {
      epoch: this.#epoch,
      generation,
      promise: this.#requestToken(generation).then(
        (token) => this.#settle(refresh, token),
        (error: unknown) => {
          if (this.#inflight === refresh) this.#inflight = undefined;
          throw error;
        },
      ),
    };
    this.#inflight = refresh;
    return refresh;
  }

  /** Stores a fresh token unless it is stale; a stale refresh never overwrites a newer token. */
  #settle(refresh: Refresh, token: AccessToken): Promise<AccessToken> | AccessToken {
    if (this.#inflight === refresh) this.#inflight = undefined;
    const stale =
      refresh.epoch !== this.#epoch || (this.#current !== undefined && this.#current.generation > token.generation);
    if (stale) return this.#acquire(); // the callers get the newest token instead
    this.#current = token;
    this.#backgroundFailedAt = undefined;
    return token;
  }

  async #requestToken(generation: number): Promise<AccessToken> {
    const o = this.#options;
    const obtainedAt = this.#now();
    const [tokenUrl, clientId, clientSecret] = await Promise.all([
      resolveSetting(o.tokenUrl, 'tokenUrl'),
      resolveSetting(o.clientId, 'clientId'),
      resolveSetting(o.clientSecret, 'clientSecret', { secret: true }),
    ]);
    const params: TokenRequestParams = {
      style: o.style ?? 'form',
      clientId,
      clientSecret,
      clientAuthentication: o.clientAuthentication ?? 'body',
    };
    if (o.scope !== undefined) params.scope = typeof o.scope === 'string' ? o.scope : o.scope.join(' ');
    if (o.extraBody !== undefined) params.extraBody = o.extraBody;
    const defaults = buildTokenRequest(params);
    const request = o.buildRequest ? o.buildRequest(params, defaults) : defaults;

    const res = await httpRequest({
      url: tokenUrl,
      method: 'POST',
      body: request.body,
      headers: request.headers,
      fetch: o.fetch,
      transport: o.transport,
      timeouts: o.timeouts,
      retry: o.retry,
      provider: o.provider,
      parseErrorBody: (text) => parseOAuthErrorBody(text),
      read: 'buffer',
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw new ResponseDecodeError('invalid-json', `Token response from ${res.url} is not valid JSON`, {
        excerpt: text,
        cause,
      });
    }
    const parsed = parseTokenResponse(body);
    if (parsed === undefined) {
      const details = parseOAuthErrorBody(text);
      throw new ApiCallError({
        url: res.url,
        status: res.status,
        provider: o.provider,
        code: details?.code,
        requestId: details?.requestId ?? res.requestId,
        bodyExcerpt: text,
        retryable: false,
        message: details?.message ?? 'token response has no access_token',
      });
    }
    registerSecret(parsed.accessToken);
    for (const name of ['refresh_token', 'refreshToken', 'id_token', 'idToken']) {
      const value = parsed.raw[name];
      if (typeof value === 'string') registerSecret(value);
    }
    const lifetimeMs = parsed.expiresIn !== undefined ? parsed.expiresIn * 1000 : this.#defaultExpiresInMs;
    const tokenType = !parsed.tokenType || parsed.tokenType.toLowerCase() === 'bearer' ? 'Bearer' : parsed.tokenType;
    return new AccessToken({
      token: parsed.accessToken,
      tokenType,
      obtainedAt,
      expiresAt: obtainedAt + lifetimeMs,
      generation,
      expiresInFromServer: parsed.expiresIn !== undefined,
      ...(parsed.scope === undefined ? {} : { scope: parsed.scope }),
      raw: parsed.raw,
    });
  }
}

/**
 * An OAuth 2.0 client-credentials token provider: caches the token, refreshes it ahead of expiry in
 * the background, sends one token request however many callers wait (single flight), and never lets
 * a stale refresh overwrite a newer token (generation counter). Settings may be lazy functions, read
 * on the first token request.
 *
 * @throws InvalidArgumentError (from sse-core) naming the field when an option is malformed.
 */
export function createClientCredentialsProvider(options: ClientCredentialsOptions): TokenProvider {
  validateOptions(options);
  if (typeof options.clientSecret === 'string') registerSecret(options.clientSecret);
  return new ClientCredentialsTokenProvider({ ...options });
}
