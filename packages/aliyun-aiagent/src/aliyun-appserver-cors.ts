/** CORS settings of the AppServer handler. */
export interface AppServerCorsOptions {
  /**
   * Allowed origins: one origin, a list (the request's `Origin` is echoed when listed), a predicate,
   * or `'*'` (any page: only behind a real caller check). Default: none, so browsers on other
   * origins cannot read any answer; name the origins of your web app.
   */
  origin?: string | readonly string[] | ((origin: string) => boolean);
  /** Request headers browsers may send. Default `authorization, content-type`. */
  allowHeaders?: readonly string[];
  /** How long browsers may cache a preflight, in seconds. Default 86,400. */
  maxAgeSeconds?: number;
}

const DEFAULT_ALLOW_HEADERS = ['authorization', 'content-type'];

/** Internal: the CORS headers for a response (every response carries them, 403s included, so browsers can read the status). */
export function corsHeaders(
  request: Request,
  options: AppServerCorsOptions | false | undefined,
  preflight: boolean,
): Record<string, string> {
  if (options === false) return {};
  const origin = options?.origin;
  const requestOrigin = request.headers.get('origin');
  const headers: Record<string, string> = {};
  if (origin === '*') {
    headers['access-control-allow-origin'] = '*';
  } else {
    const allowed =
      requestOrigin !== null &&
      origin !== undefined &&
      (typeof origin === 'string'
        ? origin === requestOrigin
        : typeof origin === 'function'
          ? origin(requestOrigin)
          : origin.includes(requestOrigin));
    if (allowed) headers['access-control-allow-origin'] = requestOrigin;
    headers.vary = 'Origin';
  }
  if (preflight && headers['access-control-allow-origin']) {
    headers['access-control-allow-methods'] = 'POST, OPTIONS';
    headers['access-control-allow-headers'] = (options?.allowHeaders ?? DEFAULT_ALLOW_HEADERS).join(', ');
    headers['access-control-max-age'] = String(options?.maxAgeSeconds ?? 86_400);
  }
  return headers;
}
