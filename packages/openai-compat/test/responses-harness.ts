/**
 * Test harness for the Responses API: `createResponsesHandler` served by a bare `node:http` server on
 * 127.0.0.1 (`POST /v1/responses`, `GET /v1/responses/{id}`), writing streams straight to Node's
 * response (`node`) or returning web streams (`web`), plus helpers to read its SSE.
 */
import OpenAI from 'openai';
import { createResponsesHandler, type ResponsesHandler, type ResponsesHandlerOptions } from '../src/index';
import { type LoopbackServer, type Mount, serveRoutes } from './harness';

export interface ServedResponses extends LoopbackServer {
  handler: ResponsesHandler;
}

/** Serves the Responses routes on loopback with `node:http`. */
export async function serveResponses(
  options: ResponsesHandlerOptions,
  mount: Mount = 'node',
): Promise<ServedResponses> {
  const handler = createResponsesHandler(options);
  const served = await serveRoutes((path, request, res) => {
    const id = /^\/v1\/responses\/([^/]+)$/.exec(path)?.[1];
    return path === '/v1/responses'
      ? handler.create(request, mount === 'node' ? { outgoing: res } : undefined)
      : id !== undefined
        ? handler.get(request, decodeURIComponent(id))
        : undefined;
  });
  return { ...served, handler };
}

/** The official client pointed at the served handler. */
export const openaiClient = (s: { baseURL: string }, apiKey = 'x') =>
  new OpenAI({ baseURL: s.baseURL, apiKey, maxRetries: 0 });

/** POSTs a JSON body to `/v1/responses`. */
export async function postResponses(base: string, body: unknown, init: RequestInit = {}) {
  const res = await fetch(`${base}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** One SSE event of a Responses stream: its `event:` name and parsed `data:`. */
export interface WireEvent {
  event: string | undefined;
  data: Record<string, unknown> & { type: string; sequence_number: number };
}

/** Parses a Responses SSE body (comments skipped). */
export function parseResponseEvents(text: string): WireEvent[] {
  const out: WireEvent[] = [];
  for (const block of text.split('\n\n')) {
    let event: string | undefined;
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (data !== '') out.push({ event, data: JSON.parse(data) as WireEvent['data'] });
  }
  return out;
}
