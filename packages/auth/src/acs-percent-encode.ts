/** Query values accepted by the Alibaba Cloud signers; `undefined` and `null` leave a parameter out. */
export type AcsQuery = Readonly<Record<string, string | number | boolean | null | undefined>>;

/**
 * RFC 3986 percent-encoding as Alibaba Cloud signs it: `encodeURIComponent`, then `!'()*` encoded as
 * well. A space is `%20` (never `+`), `~` stays as is, `*` is `%2A`.
 */
export function acsPercentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The parameters that are sent, as strings, sorted by key in code-unit (ASCII) order. */
export function acsSortedParams(query: AcsQuery | undefined): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    entries.push([key, String(value)]);
  }
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * `k=v&…` with keys and values {@link acsPercentEncode}d, sorted by key. This is both the ACS3
 * canonical query string and a query string to put on the URL, so that what is sent is exactly what
 * was signed.
 */
export function acsQueryString(query: AcsQuery | undefined): string {
  return acsSortedParams(query)
    .map(([k, v]) => `${acsPercentEncode(k)}=${acsPercentEncode(v)}`)
    .join('&');
}
