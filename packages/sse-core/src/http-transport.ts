import type { IncomingHttpHeaders } from 'node:http';
import type { Agent, Dispatcher } from 'undici';
import { UnsupportedRuntimeError } from './errors';
import { markProgrammingError } from './network-failure';
import { isNodeRuntime, MIN_NODE_VERSION, unsupportedNodeVersion } from './runtime-detect';

type DispatchController = Dispatcher.DispatchController;
type DispatchHandler = Dispatcher.DispatchHandler;
type Undici = typeof import('undici');

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

// The specifier sits in a variable so that bundlers for browsers and Workers do not follow it into
// undici (which needs node:* modules); on Node it resolves from sse-core's own dependencies.
const UNDICI = 'undici';
let undiciLoading: Promise<Undici> | undefined;
let sharedAgent: Agent | undefined;

function loadUndici(): Promise<Undici> {
  // undici 8 needs the Node of `engines`; on an older one it fails inside with a bare TypeError.
  const tooOld = unsupportedNodeVersion();
  if (tooOld !== undefined) return Promise.reject(new UnsupportedRuntimeError(MIN_NODE_VERSION, tooOld));
  undiciLoading ??= (import(/* webpackIgnore: true */ /* @vite-ignore */ UNDICI) as Promise<Undici>).catch((error) => {
    undiciLoading = undefined; // a later call may try again
    throw error;
  });
  return undiciLoading;
}

/**
 * The process-wide keep-alive pool used by the default transport on Node, created (and undici
 * loaded) on the first call. undici's own header and body timeouts are switched off: kakehashi's
 * separate headers / idle / total timeouts govern instead, so a quiet agent stream is never cut at
 * undici's 300 s default.
 */
export async function getSharedAgent(): Promise<Agent> {
  if (sharedAgent !== undefined) return sharedAgent;
  const { Agent } = await loadUndici();
  sharedAgent ??= new Agent({
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
  });
  return sharedAgent;
}

/** Bytes a response body may buffer ahead of its reader before the socket is paused. */
const BODY_HIGH_WATER_BYTES = 64 * 1024;

const BODY_DONE: IteratorResult<Uint8Array, undefined> = Object.freeze({
  done: true,
  value: undefined,
}) as IteratorResult<Uint8Array, undefined>;
const EMPTY = new Uint8Array(0);

/**
 * One request on undici's `dispatch` API: settles the transport's promise at the response headers,
 * then is itself the body iterator. Chunks go straight from undici's parser to the reader; past
 * {@link BODY_HIGH_WATER_BYTES} buffered the socket is paused until the reader catches up. Compared
 * with `undici.request`, this skips a Node `Readable` and its async iterator per response: about 50 µs
 * less CPU per streamed answer (see `docs/benchmarks.md`).
 */
class DispatchedRequest implements DispatchHandler, AsyncIterableIterator<Uint8Array> {
  readonly #signal: AbortSignal;
  #controller: DispatchController | undefined;
  #start: { resolve: (res: TransportResponse) => void; reject: (error: unknown) => void } | undefined;
  #reader:
    | { resolve: (r: IteratorResult<Uint8Array, undefined>) => void; reject: (error: unknown) => void }
    | undefined;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #bytes = 0;
  #ended = false;
  #error: unknown;
  readonly #onAbort = () => this.#controller?.abort(this.#signal.reason as Error);

  constructor(signal: AbortSignal, resolve: (res: TransportResponse) => void, reject: (error: unknown) => void) {
    this.#signal = signal;
    this.#start = { resolve, reject };
  }

  onRequestStart(controller: DispatchController): void {
    this.#controller = controller;
    if (this.#signal.aborted) controller.abort(this.#signal.reason as Error);
    else this.#signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  onResponseStart(controller: DispatchController, statusCode: number, rawHeaders: IncomingHttpHeaders): void {
    // undici keeps the response's raw header buffers on the controller for the whole body; they are
    // copied into `Headers` below and read by nobody after us (about 1.4 KiB per open stream).
    controller.rawHeaders = null;
    if (statusCode < 200) return; // informational (100 Continue): the real response follows
    const start = this.#start;
    if (start === undefined) return;
    this.#start = undefined;
    const headers = new Headers();
    for (const name in rawHeaders) {
      const value = rawHeaders[name];
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else headers.set(name, value);
    }
    start.resolve({ status: statusCode, headers, body: this });
  }

  onResponseData(controller: DispatchController, chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    const reader = this.#reader;
    if (reader !== undefined) {
      this.#reader = undefined;
      reader.resolve({ done: false, value: chunk });
      return;
    }
    this.#queue.push(chunk);
    this.#bytes += chunk.byteLength;
    if (this.#bytes > BODY_HIGH_WATER_BYTES && !controller.paused) controller.pause();
  }

  onResponseEnd(): void {
    this.#ended = true;
    this.#settle();
    const reader = this.#reader;
    this.#reader = undefined;
    reader?.resolve(BODY_DONE);
  }

  onResponseError(_controller: DispatchController, error: Error): void {
    this.#settle();
    const start = this.#start;
    if (start !== undefined) {
      this.#start = undefined;
      start.reject(error);
      return;
    }
    if (this.#ended) return;
    this.#error = error;
    const reader = this.#reader;
    this.#reader = undefined;
    reader?.reject(error);
  }

  next(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (this.#queued < this.#queue.length) {
      const chunk = this.#queue[this.#queued]!;
      this.#queue[this.#queued++] = EMPTY;
      this.#bytes -= chunk.byteLength;
      if (this.#queued === this.#queue.length) {
        this.#queue = [];
        this.#queued = 0;
      }
      const controller = this.#controller;
      if (controller?.paused && this.#bytes <= BODY_HIGH_WATER_BYTES / 2) controller.resume();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve(BODY_DONE);
    return new Promise((resolve, reject) => (this.#reader = { resolve, reject }));
  }

  /**
   * The reader stopped early, or the response was cancelled while a read was waiting: the request is
   * aborted, which closes its connection, and a waiting read fails at once (not when undici reports
   * the abort).
   */
  return(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (!this.#ended && this.#error === undefined) {
      this.#error = this.#signal.aborted ? this.#signal.reason : new Error('the response body is no longer read');
      this.#controller?.abort(this.#error as Error);
    }
    const reader = this.#reader;
    this.#reader = undefined;
    reader?.reject(this.#error);
    this.#queue = [];
    this.#queued = 0;
    return Promise.resolve(BODY_DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #settle(): void {
    this.#signal.removeEventListener('abort', this.#onAbort);
  }
}

/**
 * Node's transport: undici's `dispatch` over the shared keep-alive pool (faster than `fetch` and
 * `undici.request`). undici is loaded on the first request. Runs on Node only (Bun's undici has no
 * `dispatch`; Deno, Workers and browsers cannot load it): elsewhere use {@link defaultTransport}.
 */
export const undiciTransport: Transport = (req) => {
  if (sharedAgent !== undefined) return dispatchOn(sharedAgent, req);
  return getSharedAgent().then((agent) => dispatchOn(agent, req));
};

function dispatchOn(agent: Agent, req: TransportRequest): Promise<TransportResponse> {
  return new Promise<TransportResponse>((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch (error) {
      reject(markProgrammingError(error));
      return;
    }
    const handler = new DispatchedRequest(req.signal, resolve, reject);
    try {
      agent.dispatch(
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method: req.method as Dispatcher.HttpMethod,
          headers: req.headers,
          // Node's global FormData is accepted: undici recognises form data by shape, not by class.
          body: (req.body ?? null) as string | Uint8Array | null,
        },
        handler,
      );
    } catch (error) {
      // Thrown before anything was sent (a header undici refuses, a method it does not know).
      reject(markProgrammingError(error));
    }
  });
}

/** A transport over any fetch-compatible function (used when `fetch` is injected, and where undici cannot run). */
export function fetchTransport(fetchFn: FetchFunction): Transport {
  return async (req) => {
    let pending: Promise<Response>;
    try {
      pending = fetchFn(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body as BodyInit | undefined,
        signal: req.signal,
      });
    } catch (error) {
      throw markProgrammingError(error); // a fetch that throws instead of rejecting: nothing was sent
    }
    const res = await pending;
    return { status: res.status, headers: res.headers, body: bodyChunks(res.body) };
  };
}

/** The runtime's own `fetch`, looked up on every call (so a polyfill or a test double installed later is used). */
const globalFetch: FetchFunction = (input, init) => globalThis.fetch(input, init);
const globalFetchTransport = fetchTransport(globalFetch);
/** Set when undici could not be found on Node: from then on the default transport is the global `fetch`. */
let undiciMissing = false;

/**
 * The transport used when neither `transport` nor `fetch` is given, chosen without any option: on
 * Node, {@link undiciTransport} (undici's `dispatch` over a shared keep-alive pool, undici loaded on
 * the first request); on Bun, Deno, Cloudflare Workers and browsers, the global `fetch`. On Node,
 * when undici cannot be loaded (an application bundled without it), the global `fetch` too.
 */
export const defaultTransport: Transport = (req) => {
  if (undiciMissing || !isNodeRuntime()) return globalFetchTransport(req);
  if (sharedAgent !== undefined) return dispatchOn(sharedAgent, req);
  return getSharedAgent().then(
    (agent) => dispatchOn(agent, req),
    (error: unknown) => {
      if (!isModuleNotFound(error)) throw markProgrammingError(error);
      undiciMissing = true;
      return globalFetchTransport(req);
    },
  );
};

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Which transport {@link defaultTransport} uses in this runtime: `undici` on Node, `fetch` elsewhere. */
export function defaultTransportName(): 'undici' | 'fetch' {
  return undiciMissing || !isNodeRuntime() ? 'fetch' : 'undici';
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
