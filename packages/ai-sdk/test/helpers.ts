import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import {
  type AgentEvent,
  type AgentPlatform,
  type AgentTurnInput,
  createAgentTurn,
  InvalidArgumentError,
  sleep,
} from '@kakehashi/sse-core';
import { AbstractChat, type ChatState, type ChatStatus, DefaultChatTransport, type UIMessage } from 'ai';

export { collect, rejectionOf, whenSteady } from '@kakehashi/testkit';

/** Reads a model stream to its end. */
export async function readParts(
  stream: ReadableStream<LanguageModelV4StreamPart>,
): Promise<LanguageModelV4StreamPart[]> {
  const parts: LanguageModelV4StreamPart[] = [];
  for await (const part of stream as unknown as AsyncIterable<LanguageModelV4StreamPart>) parts.push(part);
  return parts;
}

/**
 * The parts with adjacent text deltas of one block joined: the provider joins deltas itself while
 * the reader is behind, so tests compare text, not how it was cut.
 */
export function joinDeltas(parts: readonly LanguageModelV4StreamPart[]): LanguageModelV4StreamPart[] {
  const out: LanguageModelV4StreamPart[] = [];
  for (const part of parts) {
    const last = out.at(-1);
    if (part.type === 'text-delta' && last?.type === 'text-delta' && last.id === part.id) {
      out[out.length - 1] = { ...last, delta: last.delta + part.delta };
    } else {
      out.push(part);
    }
  }
  return out;
}

/** What one scripted turn does: the events to yield (a `{ wait }` pauses), or a function of the input. */
export type ScriptStep = AgentEvent | { wait: number } | { throw: Error };
export type Script = readonly ScriptStep[] | ((input: AgentTurnInput, turn: number) => readonly ScriptStep[]);

/** What a scripted platform saw. */
export interface ScriptedCall {
  input: AgentTurnInput;
  /** How many events the platform has handed out. */
  yielded: number;
  /** Whether the source was closed (read to its end, or cancelled). */
  closed: boolean;
}

/**
 * A platform built from the agent contract alone (like `createEchoPlatform`), whose turns replay
 * scripted `AgentEvent`s: for rewrites, failures and cut streams that a real simulator would need a
 * knob for. Every turn is recorded, and whether its source was closed.
 */
export function scriptedPlatform(name: string, script: Script): AgentPlatform & { calls: ScriptedCall[] } {
  const calls: ScriptedCall[] = [];
  let sessions = 0;
  return {
    name,
    title: name,
    envVars: [],
    calls,
    status: () => ({ ready: true, defaultAgentId: undefined, agentOptional: true }),
    createAgent: () => ({
      provider: name,
      rewritesText: true,
      startTurn(input, options) {
        if (!Array.isArray(input?.messages)) throw new InvalidArgumentError('input.messages', 'must be an array');
        const session = input.session ?? `${name}-${++sessions}`;
        const call: ScriptedCall = { input, yielded: 0, closed: false };
        return createAgentTurn({
          provider: name,
          session,
          ...(options?.signal ? { signal: options.signal } : {}),
          open(signals) {
            calls.push(call);
            const steps = typeof script === 'function' ? script(input, calls.length) : script;
            return run(steps, signals, call)[Symbol.asyncIterator]();
          },
        });
      },
    }),
  };
}

async function* run(steps: readonly ScriptStep[], signals: readonly AbortSignal[], call: ScriptedCall) {
  try {
    for (const step of steps) {
      if ('wait' in step) await sleep(step.wait, signals);
      else if ('throw' in step) throw step.throw;
      else {
        call.yielded++;
        yield step as AgentEvent;
      }
    }
  } finally {
    call.closed = true;
  }
}

/** A web route handler (as in a Next.js `app/api/chat/route.ts`) served over loopback HTTP. */
export interface Route {
  url: string;
  close(): Promise<void>;
}

export async function serveRoute(handler: (request: Request) => Promise<Response>): Promise<Route> {
  const server: Server = createServer(async (req, res) => {
    try {
      const response = await handler(toRequest(req, await readBody(req)));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
      }
      res.end();
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function toRequest(req: IncomingMessage, body: Buffer): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
  return new Request(`http://127.0.0.1${req.url}`, {
    method: req.method ?? 'GET',
    headers,
    ...(body.length ? { body: new Uint8Array(body) } : {}),
  });
}

/**
 * `useChat` without React: the AI SDK's own `AbstractChat` (which `@ai-sdk/react`'s `Chat` extends)
 * with plain state, talking to a route through the AI SDK's `DefaultChatTransport`.
 */
export class TestChat extends AbstractChat<UIMessage> {
  constructor(api: string) {
    const state = new PlainChatState();
    super({ transport: new DefaultChatTransport({ api }), state });
  }
}

class PlainChatState implements ChatState<UIMessage> {
  status: ChatStatus = 'ready';
  error: Error | undefined = undefined;
  messages: UIMessage[] = [];
  pushMessage = (message: UIMessage) => {
    this.messages = [...this.messages, message];
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: UIMessage) => {
    this.messages = [...this.messages.slice(0, index), message, ...this.messages.slice(index + 1)];
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}
