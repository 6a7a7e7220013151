import { createCodeer, type CodeerProvider, type CodeerProviderSettings } from '@kakehashi/codeer';
import { startCodeerSimulator, type CodeerSimulator, type CodeerSimulatorOptions } from '@kakehashi/testkit';

/** A simulator and a client pointed at it. */
export interface Setup {
  sim: CodeerSimulator;
  codeer: CodeerProvider;
}

export async function setup(
  options: CodeerSimulatorOptions = {},
  settings: CodeerProviderSettings = {},
): Promise<Setup> {
  const sim = await startCodeerSimulator(options);
  const codeer = createCodeer({ apiKey: sim.apiKey, baseURL: sim.url, agentId: sim.agentId, ...settings });
  return { sim, codeer };
}

export { collect, rejectionOf as rejection } from '@kakehashi/testkit';
