import { createCodeer, type CodeerProvider, type CodeerProviderSettings } from '@kakehashi/codeer';
import { startCodeerSimulator, type CodeerSimulator, type CodeerSimulatorOptions } from '@kakehashi/testkit';

/** A simulator and a client pointed at it. */
export interface Setup {
  sim: CodeerSimulator;
  codeer: CodeerProvider;
}

export async function setup(options: CodeerSimulatorOptions = {}, settings: CodeerProviderSettings = {}): Promise<Setup> {
  const sim = await startCodeerSimulator(options);
  const codeer = createCodeer({ apiKey: sim.apiKey, baseURL: sim.url, agentId: sim.agentId, ...settings });
  return { sim, codeer };
}

export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

/** Resolves with the rejection of `promise` (fails when it resolves). */
export async function rejection(promise: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
