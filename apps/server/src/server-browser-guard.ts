import type { MiddlewareHandler } from 'hono';
import { isLoopbackHost, SERVER_ENV, ServerConfigError, type ServerAppServerOptions } from './server-config';
import { errorResponse } from './server-errors';

/** Internal: what the keyless-mode guard needs to know. */
export interface BrowserGuardOptions {
  /** `KAKEHASHI_PUBLIC_URL`, when set: its host is accepted in `Host`, its origin in `Origin`. */
  publicUrl: string | undefined;
  /** Origins the configuration names (the AppServer CORS origins), beside the server's own. */
  allowedOrigin: (origin: string) => boolean;
  /** Paths the guard leaves alone (the miibo result webhook: server to server, secret-checked). */
  exempt: readonly string[];
}

/**
 * Internal: the origins the configuration names (`appServer.cors.origin`, `KAKEHASHI_APPSERVER_CORS_ORIGIN`):
 * the AppServer routes send them CORS headers, and keyless mode's guard lets them in.
 * `*` is refused without API keys: it would let every web page mint tokens.
 */
export function configuredOrigins(cors: ServerAppServerOptions['cors'], keyless: boolean): (origin: string) => boolean {
  const origin = cors ? cors.origin : undefined;
  if (origin === undefined) return () => false;
  if (typeof origin === 'function')
    return (value) => {
      try {
        return origin(value) === true;
      } catch {
        return false;
      }
    };
  if (typeof origin !== 'string' && !Array.isArray(origin)) return () => false; // the AppServer handler names the bad option
  const list: readonly string[] = typeof origin === 'string' ? [origin] : origin;
  if (keyless && list.includes('*')) {
    throw new ServerConfigError(
      SERVER_ENV.appServerCorsOrigin,
      `${SERVER_ENV.appServerCorsOrigin}=* is refused without ${SERVER_ENV.apiKeys}: every web page could call the AppServer routes. Name the origins (comma-separated, e.g. http://localhost:5173), or set ${SERVER_ENV.apiKeys}.`,
    );
  }
  return (value) => list.includes(value);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** A `Host` value parsed (`[::1]:8787` → hostname `[::1]`, host `[::1]:8787`), or undefined when it is not one. */
function parseHost(host: string): URL | undefined {
  if (!/^[^\s/?#@\\]+$/.test(host)) return undefined;
  try {
    return new URL(`http://${host}/`);
  } catch {
    return undefined;
  }
}

function refuse(status: 403 | 415, message: string, code: string): Response {
  return errorResponse(status, message, { code, type: status === 403 ? 'permission_error' : 'invalid_request_error' });
}

/**
 * Keyless mode's defence against web pages (installed only when no API keys are set: then the
 * server trusts whoever reaches its loopback address, and a browser tab is such a caller).
 *
 * - `Host` (and the request URL's host) must be loopback (`localhost`, `127.x.x.x`, `::1`) or
 *   `KAKEHASHI_PUBLIC_URL`'s host, any port: a DNS-rebinding page reaches `127.0.0.1` under its own
 *   name, which is refused (403 `host_not_allowed`).
 * - `Origin`, when sent, must be the server's own (the origin of the `Host` it was reached at),
 *   `KAKEHASHI_PUBLIC_URL`'s, or one the configuration names; `null` never is (403 `origin_not_allowed`).
 * - `Sec-Fetch-Site: cross-site` or `same-site` without such an `Origin` is refused, except a
 *   top-level navigation with a safe method (a link to the playground reads nothing).
 * - `POST` / `PUT` / `PATCH` bodies must be `application/json` (415 `unsupported_media_type`): the
 *   content types a page may send without a CORS preflight (`text/plain`, forms) never reach a route.
 */
export function browserGuardMiddleware(options: BrowserGuardOptions): MiddlewareHandler {
  let publicUrl: URL | undefined;
  try {
    publicUrl = options.publicUrl ? new URL(options.publicUrl) : undefined;
  } catch {
    throw new ServerConfigError('publicUrl', `publicUrl must be an absolute http(s) URL (got "${options.publicUrl}")`);
  }
  const exempt = new Set(options.exempt);
  // Verdicts by header value, so that the URL parsing runs once per distinct Host / Origin (bounded:
  // values past the first 256 are judged each time, never stored).
  const remembered = (judge: (key: string) => boolean) => {
    const verdicts = new Map<string, boolean>();
    return (key: string) => {
      let verdict = verdicts.get(key);
      if (verdict === undefined) {
        verdict = judge(key);
        if (verdicts.size < 256) verdicts.set(key, verdict);
      }
      return verdict;
    };
  };
  const hostAllowed = remembered((host) => {
    const hostname = parseHost(host)?.hostname;
    return hostname !== undefined && (isLoopbackHost(hostname) || hostname === publicUrl?.hostname);
  });
  /** `origin host` → whether the origin is the server's own as reached at that host, or the public URL's. */
  const ownOrigin = remembered((key) => {
    const [origin, host] = key.split(' ') as [string, string];
    try {
      const url = new URL(origin);
      return (
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        (url.host === parseHost(host)?.host || url.origin === publicUrl?.origin)
      );
    } catch {
      return false;
    }
  });
  return async (c, next) => {
    if (exempt.has(c.req.path)) return next();
    const host = c.req.header('host');
    // The request URL's authority (an absolute-form request target may name another host than `Host`).
    const url = c.req.url;
    const start = url.indexOf('//') + 2;
    const end = url.indexOf('/', start);
    const urlHost = url.slice(start, end === -1 ? undefined : end);
    for (const value of host === undefined || host === urlHost ? [urlHost] : [host, urlHost]) {
      if (!hostAllowed(value)) {
        return refuse(
          403,
          `Host "${value.slice(0, 100)}" is not allowed: without ${SERVER_ENV.apiKeys} this server answers only requests addressed to localhost, a loopback address or the host of ${SERVER_ENV.publicUrl} (a defence against DNS rebinding). Use http://127.0.0.1:<port>, set ${SERVER_ENV.publicUrl} to the address you use, or set ${SERVER_ENV.apiKeys}.`,
          'host_not_allowed',
        );
      }
    }
    const origin = c.req.header('origin');
    const originAllowed =
      origin !== undefined &&
      origin !== 'null' &&
      ((!origin.includes(' ') && ownOrigin(`${origin} ${host ?? urlHost}`)) || options.allowedOrigin(origin));
    if (origin !== undefined && !originAllowed) {
      return refuse(
        403,
        `Origin "${origin.slice(0, 200)}" is not allowed: without ${SERVER_ENV.apiKeys} this server refuses requests from web pages on other origins. Name the origin in ${SERVER_ENV.appServerCorsOrigin}, or set ${SERVER_ENV.apiKeys}.`,
        'origin_not_allowed',
      );
    }
    const site = c.req.header('sec-fetch-site');
    const method = c.req.method;
    if (
      (site === 'cross-site' || site === 'same-site') &&
      !originAllowed &&
      !(SAFE_METHODS.has(method) && c.req.header('sec-fetch-mode') === 'navigate')
    ) {
      return refuse(
        403,
        `A ${site} request is not allowed: without ${SERVER_ENV.apiKeys} this server refuses requests made by web pages on other sites.`,
        'cross_site_request',
      );
    }
    if (BODY_METHODS.has(method)) {
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json') {
        return refuse(
          415,
          `Content-Type must be application/json (got ${type ? `"${type.slice(0, 100)}"` : 'none'}): without ${SERVER_ENV.apiKeys} this server takes JSON bodies only, so that no web page can post a form or text to it.`,
          'unsupported_media_type',
        );
      }
    }
    return next();
  };
}
