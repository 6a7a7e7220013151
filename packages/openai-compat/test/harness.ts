/**
 * Test harness: the handler served by a bare `node:http` server on 127.0.0.1 (no framework), either
 * writing streamed answers straight to Node's response (`node`) or returning web streams (`web`).
 * Also small platforms built from the agent contract, to watch what the handler does to a turn.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import {
  type AgentEvent,
  type AgentPlatform,
  type AgentTurnInput,
  createAgentTurn,
  InvalidArgumentError,
  sleep,
} from '@kakehashi/sse-core';
import {
  type ChatCompletionsHandler,
  type ChatCompletionsHandlerOptions,
  createChatCompletionsHandler,
} from '../src/index';

/** How the route hands the handler a request: with Node's response (`node`) or as a web Request only (`web`). */
export type Mount = 'node' | 'web';
export const MOUNTS: Mount[] = ['node', 'web'];

/** A Node request as a web `Request` whose signal aborts when the caller goes away. */
export function webRequest(req: IncomingMessage, res: ServerResponse): Request {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the client went away'));
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
    signal: controller.signal,
  } as RequestInit);
}

/** Writes a web `Response` to Node's response (unless the handler already wrote it), cancelling the body when the caller leaves. */
export async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  if (res.headersSent) return;
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.once('close', () => void reader.cancel().catch(() => {}));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await once(res, 'drain');
    }
    res.end();
  } catch {
    res.destroy();
  }
}

export interface Served extends LoopbackServer {
  handler: ChatCompletionsHandler;
}

/** A loopback `node:http` server and how to reach and stop it. */
export interface LoopbackServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** `http://127.0.0.1:PORT/v1`, for OpenAI clients. */
  baseURL: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves `route` on 127.0.0.1 with `node:http`: it gets the path (without query), the web request and
 * Node's response, and answers `undefined` for a path it does not serve (404).
 */
export async function serveRoutes(
  route: (path: string, request: Request, res: ServerResponse) => Promise<Response> | undefined,
): Promise<LoopbackServer> {
  const server = createServer((req, res) => {
    const request = webRequest(req, res);
    const path = (req.url ?? '').split('?')[0]!;
    const answer = route(path, request, res) ?? Promise.resolve(new Response('not found', { status: 404 }));
    answer.then(
      (response) => sendResponse(res, response),
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves `POST /v1/chat/completions` and `GET /v1/models` on loopback with `node:http`. */
export async function serve(options: ChatCompletionsHandlerOptions, mount: Mount = 'node'): Promise<Served> {
  const handler = createChatCompletionsHandler(options);
  const served = await serveRoutes((path, request, res) =>
    path === '/v1/chat/completions'
      ? handler.completions(request, mount === 'node' ? { outgoing: res } : undefined)
      : path === '/v1/models'
        ? handler.models(request)
        : undefined,
  );
  return { ...served, handler };
}

/** POSTs a JSON body to the chat route. */
export async function post(base: string, body: unknown, init: RequestInit = {}) {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The error body of a failed answer. */
export function errorOf(text: string): { message: string; type: string; param: string | null; code: string | null } {
  return (JSON.parse(text) as { error: { message: string; type: string; param: string | null; code: string | null } })
    .error;
}

/** Parses an SSE text into its data payloads and comments. */
export function parseSSE(text: string): { data: string[]; comments: string[] } {
  const data: string[] = [];
  const comments: string[] = [];
  for (const block of text.split('\n\n')) {
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
  }
  return { data, comments };
}

/** Resolves when `check` returns true (polling), rejects after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** What a {@link probePlatform} saw. */
export interface ProbeState {
  inputs: AgentTurnInput[];
  /** Text deltas handed out so far, over all turns. */
  pulled: number;
  /** Turns whose event source was closed (by return or cancel). */
  closed: number;
  /** Turns whose signals were aborted (a cancel). */
  aborted: number;
}

/**
 * A platform made from the contract whose turns hand out `deltas` text deltas (each produced only
 * when read; `Infinity` never finishes), pausing `pauseMs` before each when set. It records its
 * inputs and whether each turn was closed or aborted.
 */
export function probePlatform(
  options: {
    name?: string;
    deltas?: number;
    piece?: (i: number) => string;
    pauseMs?: number;
    /** Throws this from the turn's first read (as an SDK checking its input lazily would). */
    openError?: (input: AgentTurnInput) => Error | undefined;
    /** Events after `start` before anything else (an in-stream error, for example). */
    after?: AgentEvent[];
    /** End without a finish (a cut stream). */
    cut?: boolean;
    /** Send no `start` event (the first event is then whatever comes next). */
    noStart?: boolean;
  } = {},
): { platform: AgentPlatform; state: ProbeState } {
  const name = options.name ?? 'probe';
  const state: ProbeState = { inputs: [], pulled: 0, closed: 0, aborted: 0 };
  const total = options.deltas ?? 3;
  const piece = options.piece ?? ((i: number) => `${i},`);
  const platform: AgentPlatform = {
    name,
    title: 'Probe',
    envVars: [],
    status: () => ({ ready: true, defaultAgentId: undefined, agentOptional: true }),
    createAgent: () => ({
      provider: name,
      startTurn(input, callOptions) {
        state.inputs.push(input);
        const session = input.session ?? `${name}-s${state.inputs.length}`;
        return createAgentTurn({
          provider: name,
          session,
          ...(callOptions?.signal ? { signal: callOptions.signal } : {}),
          open(signals) {
            const error = options.openError?.(input);
            if (error) throw error;
            for (const s of signals) s.addEventListener('abort', () => state.aborted++, { once: true });
            return events(signals, session)[Symbol.asyncIterator]();
          },
        });
      },
    }),
  };
  async function* events(signals: readonly AbortSignal[], session: string): AsyncGenerator<AgentEvent> {
    try {
      if (!options.noStart) yield { type: 'start', provider: name, conversationId: session, messageId: 'm-1' };
      for (const event of options.after ?? []) yield event;
      let text = '';
      for (let i = 0; i < total; i++) {
        if (options.pauseMs) await sleep(options.pauseMs, signals);
        state.pulled++;
        const delta = piece(i);
        text += delta;
        yield { type: 'text-delta', delta };
      }
      if (!options.cut) yield { type: 'finish', text, reason: 'stop' };
    } finally {
      state.closed++;
    }
  }
  return { platform, state };
}

/**
 * A platform whose agent checks its input as the SDKs do, throwing `InvalidArgumentError` naming
 * `input.session`, `input.userId` or `input.agentId` (then answers as an echo).
 */
export function strictPlatform(name = 'strict'): AgentPlatform {
  const { platform } = probePlatform({ name, deltas: 1, piece: () => 'ok' });
  return {
    ...platform,
    createAgent(settings) {
      const agent = platform.createAgent(settings);
      return {
        provider: name,
        startTurn(input, callOptions) {
          if (input.session !== undefined && !/^\d+$/.test(input.session))
            throw new InvalidArgumentError('input.session', 'must be a number');
          if (input.userId?.includes(' ')) throw new InvalidArgumentError('input.userId', 'must not contain spaces');
          if (input.agentId === 'nope') throw new InvalidArgumentError('input.agentId', 'is not an agent here');
          if (!input.messages.some((m) => m.role === 'user' && m.content.trim() !== ''))
            throw new InvalidArgumentError('input.messages', 'must contain a user message with text');
          return agent.startTurn(input, callOptions);
        },
      };
    },
  };
}

/** A platform that needs one variable, named `variable`, to be ready. */
export function needyPlatform(name = 'needy', variable = 'NEEDY_API_KEY'): AgentPlatform {
  const { platform } = probePlatform({ name });
  return {
    ...platform,
    envVars: [variable],
    status: (settings) =>
      settings?.env?.[variable]
        ? { ready: true, defaultAgentId: 'default-agent', agentOptional: false }
        : { ready: false, missing: variable },
  };
}

export { sleep };
