import {
  type AgenticStarSimulator,
  type CodeerSimulator,
  type MiiboSimulator,
  type SimulatorEnv,
  simulatorEnv,
  startAgenticStarSimulator,
  startCodeerSimulator,
  startMiiboSimulator,
} from '@kakehashi/testkit';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult, JSONRPCMessage, Progress } from '@modelcontextprotocol/sdk/types.js';
import { createKakehashiMcpServer, createStderrLogger, type KakehashiMcpOptions } from '../src/index';

export const CODEER_KEY = 'codeer-key-7f3a9c1e5b2d';
export const MIIBO_KEY = 'miibo-key-4e8b2a6c0d9f';
export const AGENTICSTAR_SECRET = 'agenticstar-secret-9d1c7e3b5a';
export const MIIBO_AGENT = 'miibo-agent-1';

export const CODEER_ANSWER = 'こんにちは!架け橋🌉のCodeerです。ご質問をどうぞ。';
export const AGENTICSTAR_ANSWER = 'AgenticStarより:本日の東京は晴れ、最高気温は18度です。';
export const MIIBO_ANSWER = 'いらっしゃいませ。本日は抹茶ラテが二割引です。';

/** The three simulators, each with its own credentials, and the environment that points at them. */
export interface Simulators {
  codeer: CodeerSimulator;
  agenticstar: AgenticStarSimulator;
  miibo: MiiboSimulator;
  env: SimulatorEnv<{ codeer: CodeerSimulator; agenticstar: AgenticStarSimulator; miibo: MiiboSimulator }>;
  close(): Promise<void>;
}

export async function startSimulators(): Promise<Simulators> {
  const [codeer, agenticstar, miibo] = await Promise.all([
    startCodeerSimulator({ apiKey: CODEER_KEY, answer: CODEER_ANSWER }),
    startAgenticStarSimulator({ clientSecret: AGENTICSTAR_SECRET, answer: AGENTICSTAR_ANSWER, heartbeatIntervalMs: 0 }),
    startMiiboSimulator({ apiKey: MIIBO_KEY, agentId: MIIBO_AGENT, answer: MIIBO_ANSWER }),
  ]);
  return {
    codeer,
    agenticstar,
    miibo,
    env: simulatorEnv({ codeer, agenticstar, miibo }),
    close: async () => {
      await Promise.all([codeer.close(), agenticstar.close(), miibo.close()]);
    },
  };
}

/** Collects what a logger writes. */
export function logSink(): { lines: string[]; logger: ReturnType<typeof createStderrLogger> } {
  const lines: string[] = [];
  return { lines, logger: createStderrLogger({ level: 'debug', stream: { write: (s: string) => lines.push(s) } }) };
}

/** A client connected in memory to a kakehashi MCP server, recording every message either way. */
export interface Connected {
  client: Client;
  /** Every JSON-RPC message sent by either side, serialised. */
  wire: string[];
  close(): Promise<void>;
}

export async function connectInMemory(options: KakehashiMcpOptions): Promise<Connected> {
  const server = await createKakehashiMcpServer(options);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const wire: string[] = [];
  for (const side of [clientSide, serverSide]) {
    const send = side.send.bind(side);
    side.send = (message: JSONRPCMessage, opts?: Parameters<typeof send>[1]) => {
      wire.push(JSON.stringify(message));
      return send(message, opts);
    };
  }
  const client = new Client({ name: 'kakehashi-test', version: '1.0.0' });
  await server.connect(serverSide);
  await client.connect(clientSide);
  return {
    client,
    wire,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** Calls a tool, collecting its progress notifications. */
export async function callWithProgress(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  options: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {},
): Promise<{ result: CallToolResult; progress: Progress[] }> {
  const progress: Progress[] = [];
  const result = (await client.callTool({ name, arguments: args }, undefined, {
    onprogress: (p) => {
      progress.push(p);
      options.onProgress?.(p);
    },
    ...(options.signal ? { signal: options.signal } : {}),
  })) as CallToolResult;
  return { result, progress };
}

/** The text of a tool result's first content block. */
export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  if (first?.type !== 'text') throw new Error(`expected text content, got ${JSON.stringify(result.content)}`);
  return first.text;
}
