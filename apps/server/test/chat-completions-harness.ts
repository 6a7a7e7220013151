/**
 * Test harness for the chat gateway: the three platform simulators from @kakehashi/testkit, and
 * @kakehashi/openai-compat's handler (plus the playground page) mounted in a tiny Hono app served by
 * @hono/node-server on 127.0.0.1, as kakehashi-server mounts it.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import {
  MIIBO_SIM_AGENT_ID,
  simulatorEnv as testkitSimulatorEnv,
  startAgenticStarSimulator,
  startCodeerSimulator,
  startMiiboSimulator,
  type AgenticStarSimulator,
  type AgenticStarSimulatorOptions,
  type CodeerSimulator,
  type CodeerSimulatorOptions,
  type MiiboSimulator,
  type MiiboSimulatorOptions,
  type SimulatorEnv,
  type SimulatorEnvSources,
} from '@kakehashi/testkit';
import { Hono } from 'hono';
import {
  createChatCompletionsHandler,
  type ChatCompletionsHandler,
  type ChatCompletionsHandlerOptions,
  type ChatCompletionsTarget,
} from '@kakehashi/openai-compat';
import { playgroundResponse } from '../src/playground-page';

export interface Simulators {
  agenticstar: AgenticStarSimulator;
  codeer: CodeerSimulator;
  miibo: MiiboSimulator;
  close(): Promise<void>;
}

/** The miibo agent {@link simulatorEnv} names (`MIIBO_AGENT_ID`): the simulator's default, as it is started here. */
export const MIIBO_TEST_AGENT = MIIBO_SIM_AGENT_ID;

export async function startSimulators(
  options: {
    agenticstar?: AgenticStarSimulatorOptions;
    codeer?: CodeerSimulatorOptions;
    miibo?: MiiboSimulatorOptions;
  } = {},
): Promise<Simulators> {
  const [agenticstar, codeer, miibo] = await Promise.all([
    startAgenticStarSimulator(options.agenticstar ?? {}),
    startCodeerSimulator(options.codeer ?? {}),
    startMiiboSimulator(options.miibo ?? {}),
  ]);
  return {
    agenticstar,
    codeer,
    miibo,
    async close() {
      await Promise.all([agenticstar.close(), codeer.close(), miibo.close()]);
    },
  };
}

/**
 * The environment a server would have, pointing every platform at the simulators: testkit's
 * `simulatorEnv`, taking this harness's bundle as it is (its `close` is left out), so
 * `simulatorEnv(sims)`, or `simulatorEnv({ ...sims, ice })` with further simulators.
 */
export function simulatorEnv<S extends SimulatorEnvSources & { close?: unknown }>(
  sims: S,
): SimulatorEnv<Omit<S, 'close'>> {
  const { close: _close, ...simulators } = sims;
  return testkitSimulatorEnv(simulators);
}

export interface Gateway {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** `http://127.0.0.1:PORT/v1`, for OpenAI clients. */
  baseURL: string;
  handler: ChatCompletionsHandler;
  close(): Promise<void>;
}

/**
 * How the chat route hands the handler its request: `node` passes @hono/node-server's `c.env`, so
 * streamed answers are written straight to the socket (what kakehashi-server does); `web` passes the
 * `Request` only, so they go out as a web `ReadableStream` (any other framework or runtime).
 */
export type GatewayMount = 'node' | 'web';
export const GATEWAY_MOUNTS: GatewayMount[] = ['node', 'web'];

/** Serves the handler (and the playground at `/`) on loopback. */
export async function startGateway(
  options: ChatCompletionsHandlerOptions,
  mount: GatewayMount = 'node',
): Promise<Gateway> {
  const handler = createChatCompletionsHandler(options);
  const app = new Hono();
  app.get('/', () => playgroundResponse());
  app.post('/v1/chat/completions', (c) =>
    mount === 'node' ? handler.completions(c.req.raw, c.env as ChatCompletionsTarget) : handler.completions(c.req.raw),
  );
  app.get('/v1/models', (c) => handler.models(c.req.raw));
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Resolves when `check` returns true (polling), rejects after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
