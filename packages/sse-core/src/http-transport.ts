import { Agent, request as undiciRequest } from 'undici';

/** A fetch-compatible function: the global `fetch`, undici's, a proxy-aware one, an edge runtime's. */
export type FetchFunction = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** What the transport sends. Headers are final (auth already applied). */
export interface TransportRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array | FormData;
  signal: AbortSignal;
}

/** What the transport returns once the status line and headers have arrived. */
export interface TransportResponse {
  status: number;
  headers: Headers;
  /** The body, chunk by chunk. Aborting the request's signal ends it with an error. */
  body: AsyncIterable<Uint8Array>;
}

export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

let sharedAgent: Agent | undefined;

/**
 * The process-wide keep-alive pool used by the default transport. undici's own header and body
 * timeouts are switched off: kakehashi's separate headers / idle / total timeouts govern instead, so a
 * quiet agent stream is never cut at undici's 300 s default.
 */
export function getSharedAgent(): Agent {
  sharedAgent ??= new Agent({ headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });
  return sharedAgent;
}

/** The default transport: undici's `request` over the shared keep-alive pool (faster than `fetch`). */
export const undiciTransport: Transport = async (req) => {
  const res = await undiciRequest(req.url, {
    method: req.method as 'GET',
    headers: req.headers,
    // Node's global FormData is accepted: undici recognises form data by shape, not by class.
    body: (req.body ?? null) as string | Uint8Array | null,
    signal: req.signal,
    dispatcher: getSharedAgent(),
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return { status: res.statusCode, headers, body: res.body as AsyncIterable<Uint8Array> };
};

/** A transport over any fetch-compatible function (used when `fetch` is injected). */
export function fetchTransport(fetchFn: FetchFunction): Transport {
  return async (req) => {
    const res = await fetchFn(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body as BodyInit | undefined,
      signal: req.signal,
    });
    return { status: res.status, headers: res.headers, body: bodyChunks(res.body) };
  };
}

async function* bodyChunks(body: ReadableStream<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value.byteLength > 0) yield value;
    }
  } finally {
    reader.releaseLock();
    // Cancelling an already-finished body is a no-op; cancelling a live one closes the connection.
    await body.cancel().catch(() => {});
  }
}
