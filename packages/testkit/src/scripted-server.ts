import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { formatUrlHost, resolveLoopbackHost } from './loopback-host';
import { createRecordedRequest, type RecordedRequest } from './recorded-request';
import { ScriptedExchange } from './scripted-exchange';
import { noScriptedReplyHandler, type ScriptedHandler } from './scripted-handler';
import { assertScriptedReply, type ScriptedReply } from './scripted-reply';
import { writeScriptedReply } from './scripted-reply-writer';

/** Options of {@link startScriptedServer}. */
export interface ScriptedServerOptions {
  /**
   * Called for each request when the reply queue is empty.
   * Default: 404 with the JSON body `{"error":"no scripted reply"}`.
   */
  handler?: ScriptedHandler;
  /**
   * Host to bind; must be loopback (`127.0.0.0/8`, `::1`, or `localhost`, which binds
   * `127.0.0.1`). Default `'127.0.0.1'`. Anything else is rejected.
   */
  host?: string;
  /**
   * Answer browsers' CORS: every reply gets `Access-Control-Allow-Origin: *` and
   * `Access-Control-Expose-Headers: *`, and a preflight (`OPTIONS` with
   * `Access-Control-Request-Method`) is answered 204, allowing the method and headers asked for.
   * Preflights are neither recorded in `requests` nor take a queued reply. Default `false`.
   */
  cors?: boolean;
}

/** A real HTTP server on loopback that answers with scripted replies. */
export interface ScriptedServer {
  /** Base URL without a trailing slash, e.g. `'http://127.0.0.1:43123'`. */
  readonly url: string;
  /** The port the server listens on (chosen by the OS). */
  readonly port: number;
  /** Every request received, in order of arrival. */
  readonly requests: RecordedRequest[];
  /** Number of replies still queued. */
  readonly queuedReplies: number;
  /** Number of currently open sockets (keep-alive connections included). */
  readonly openConnections: number;
  /** Number of TCP connections accepted so far: equal to `requests.length` when nothing was reused. */
  readonly acceptedConnections: number;
  /** Queue replies: the next requests get these in order, before falling back to the handler. Returns this. */
  reply(...replies: ScriptedReply[]): this;
  /** Replace the fallback handler. Returns this. */
  handle(handler: ScriptedHandler): this;
  /**
   * Resolves with all requests received so far once at least `count` have arrived.
   * Rejects after `timeoutMs` (default 5000) or when the server closes first.
   */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Stop: destroy all open sockets (stalled responses included) and close the server. Idempotent. */
  close(): Promise<void>;
  /** Same as {@link ScriptedServer.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

interface RequestWaiter {
  count: number;
  resolve(requests: RecordedRequest[]): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const optionKeys = ['handler', 'host', 'cors'];
const defaultWaitTimeoutMs = 5000;

function assertHandler(handler: unknown, where: string): asserts handler is ScriptedHandler {
  if (typeof handler !== 'function') {
    throw new TypeError(`testkit: ${where} must be a function (got ${handler === null ? 'null' : typeof handler})`);
  }
}

function normaliseOptions(options: ScriptedServerOptions | ScriptedHandler | undefined): ScriptedServerOptions {
  if (options === undefined) return {};
  if (typeof options === 'function') return { handler: options };
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('testkit: startScriptedServer options must be an object or a handler function');
  }
  for (const key of Object.keys(options)) {
    if (!optionKeys.includes(key)) {
      throw new TypeError(`testkit: unknown option "${key}" (allowed: ${optionKeys.join(', ')})`);
    }
  }
  if (options.handler !== undefined) assertHandler(options.handler, 'option "handler"');
  if (options.cors !== undefined && typeof options.cors !== 'boolean') {
    throw new TypeError(`testkit: option "cors" must be a boolean (got ${typeof options.cors})`);
  }
  return options;
}

async function readBody(request: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const all = Buffer.concat(chunks);
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}

const CORS_REPLY_HEADERS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': '*' };

/** The reply with the CORS headers a browser needs to read it (its own headers win). */
function withCors(reply: ScriptedReply): ScriptedReply {
  return { ...reply, headers: { ...CORS_REPLY_HEADERS, ...reply.headers } };
}

function isPreflight(req: IncomingMessage): boolean {
  return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
}

function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  const headers: Record<string, string> = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
    'access-control-max-age': '600',
    'content-length': '0',
  };
  const asked = req.headers['access-control-request-headers'];
  if (typeof asked === 'string' && asked !== '') headers['access-control-allow-headers'] = asked;
  res.writeHead(204, headers);
  res.end();
}

function errorReply(message: string): ScriptedReply {
  return {
    status: 500,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: message }),
  };
}

class LoopbackScriptedServer implements ScriptedServer {
  readonly requests: RecordedRequest[] = [];
  readonly #http: Server;
  readonly #host: string;
  readonly #queue: ScriptedReply[] = [];
  /** Open sockets, each with a promise of its 'close' event. */
  readonly #sockets = new Map<Socket, Promise<void>>();
  #accepted = 0;
  readonly #waiters = new Set<RequestWaiter>();
  #handler: ScriptedHandler;
  readonly #cors: boolean;
  #port = 0;
  #closing: Promise<void> | undefined;
  #isClosing = false;

  constructor(host: string, handler: ScriptedHandler, cors: boolean) {
    this.#host = host;
    this.#handler = handler;
    this.#cors = cors;
    this.#http = createServer({ noDelay: true, requireHostHeader: false }, (req, res) => {
      void this.#onRequest(req, res);
    });
    this.#http.on('connection', (socket: Socket) => {
      this.#accepted++;
      this.#sockets.set(
        socket,
        new Promise<void>((resolve) => {
          socket.once('close', () => {
            this.#sockets.delete(socket);
            resolve();
          });
        }),
      );
      if (this.#isClosing) socket.destroy();
    });
  }

  get url(): string {
    return `http://${formatUrlHost(this.#host)}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get queuedReplies(): number {
    return this.#queue.length;
  }

  get openConnections(): number {
    return this.#sockets.size;
  }

  get acceptedConnections(): number {
    return this.#accepted;
  }

  listen(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(0, this.#host, () => {
        this.#http.off('error', reject);
        this.#port = (this.#http.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  reply(...replies: ScriptedReply[]): this {
    for (const [offset, reply] of replies.entries())
      assertScriptedReply(reply, `reply #${this.#queue.length + offset}`);
    this.#queue.push(...replies);
    return this;
  }

  handle(handler: ScriptedHandler): this {
    assertHandler(handler, 'handle(handler)');
    this.#handler = handler;
    return this;
  }

  waitForRequests(count: number, timeoutMs: number = defaultWaitTimeoutMs): Promise<RecordedRequest[]> {
    if (!Number.isInteger(count) || count < 0) {
      return Promise.reject(
        new RangeError(`testkit: waitForRequests count must be a non-negative integer (got ${String(count)})`),
      );
    }
    if (!(typeof timeoutMs === 'number' && timeoutMs >= 0)) {
      return Promise.reject(
        new RangeError(`testkit: waitForRequests timeoutMs must be a non-negative number (got ${String(timeoutMs)})`),
      );
    }
    if (this.requests.length >= count) return Promise.resolve([...this.requests]);
    if (this.#isClosing) {
      return Promise.reject(
        new Error(`testkit: server is closed; ${this.requests.length} of ${count} request(s) arrived`),
      );
    }
    return new Promise<RecordedRequest[]>((resolve, reject) => {
      const waiter: RequestWaiter = {
        count,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(
            new Error(`testkit: waited ${timeoutMs} ms for ${count} request(s) but ${this.requests.length} arrived`),
          );
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  #shutDown(): Promise<void> {
    // Flag first: responses cut from here on count as closed by the server.
    this.#isClosing = true;
    const socketsClosed = [...this.#sockets.values()];
    const serverClosed = new Promise<void>((resolve) => this.#http.close(() => resolve()));
    this.#http.closeAllConnections();
    for (const socket of this.#sockets.keys()) socket.destroy();
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(
        new Error(
          `testkit: server closed while waiting for ${waiter.count} request(s); ${this.requests.length} arrived`,
        ),
      );
    }
    this.#waiters.clear();
    return Promise.all([serverClosed, ...socketsClosed]).then(() => undefined);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#cors && isPreflight(req)) {
      req.resume();
      answerPreflight(req, res);
      return;
    }
    const exchange = new ScriptedExchange(req, res, () => this.#isClosing);
    let rawBody: Uint8Array;
    try {
      rawBody = await readBody(req);
    } catch {
      // The client went away mid-upload: nothing to record or answer.
      return;
    }
    const recorded = createRecordedRequest({
      index: this.requests.length,
      request: req,
      rawBody,
      closed: exchange.closed,
    });
    this.requests.push(recorded);
    this.#notifyWaiters();
    const scripted = await this.#replyFor(recorded);
    const reply = this.#cors ? withCors(scripted) : scripted;
    try {
      await writeScriptedReply(exchange, reply);
    } catch (error) {
      const message = `testkit: could not send reply to request #${recorded.index}: ${error instanceof Error ? error.message : String(error)}`;
      if (res.headersSent) exchange.cut(false);
      else await writeScriptedReply(exchange, errorReply(message)).catch(() => exchange.cut(false));
    }
  }

  async #replyFor(request: RecordedRequest): Promise<ScriptedReply> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return queued;
    try {
      const reply = await this.#handler(request);
      assertScriptedReply(reply, `handler reply to request #${request.index}`);
      return reply;
    } catch (error) {
      return errorReply(
        `testkit: handler failed for request #${request.index} (${request.method} ${request.url}): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  #notifyWaiters(): void {
    for (const waiter of this.#waiters) {
      if (this.requests.length >= waiter.count) {
        clearTimeout(waiter.timer);
        this.#waiters.delete(waiter);
        waiter.resolve([...this.requests]);
      }
    }
  }
}

/**
 * Start a real HTTP server on loopback (`127.0.0.1` by default, on a free port)
 * that answers with queued replies, then with the handler.
 *
 * @param options Options, or just the fallback handler.
 */
export async function startScriptedServer(options?: ScriptedServerOptions | ScriptedHandler): Promise<ScriptedServer> {
  const { handler, host, cors } = normaliseOptions(options);
  const server = new LoopbackScriptedServer(
    resolveLoopbackHost(host),
    handler ?? noScriptedReplyHandler,
    cors === true,
  );
  await server.listen();
  return server;
}
