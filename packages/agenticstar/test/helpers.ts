import { applyAgentEvent, type AgentEvent } from '@kakehashi/sse-core';
import {
  startAgenticStarSimulator,
  type AgenticStarSimulator,
  type AgenticStarSimulatorOptions,
} from '@kakehashi/testkit';
import { afterEach } from 'vitest';
import { createAgenticStar, type AgenticStarProvider, type AgenticStarSettings } from '@kakehashi/agenticstar';

const open: AgenticStarSimulator[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** A simulator closed after the test. */
export async function simulator(options: AgenticStarSimulatorOptions = {}): Promise<AgenticStarSimulator> {
  const sim = await startAgenticStarSimulator(options);
  open.push(sim);
  return sim;
}

/** A SaaS client pointed at the simulator, reading no real environment. */
export function saasClient(sim: AgenticStarSimulator, settings: AgenticStarSettings = {}): AgenticStarProvider {
  return createAgenticStar({
    baseURL: sim.url,
    tokenUrl: sim.tokenUrl,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    env: {},
    ...settings,
  });
}

/** A Marketplace client pointed at the simulator. */
export function marketplaceClient(sim: AgenticStarSimulator, settings: AgenticStarSettings = {}): AgenticStarProvider {
  return createAgenticStar({
    edition: 'marketplace',
    baseURL: sim.url,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    agentId: 'agent-ai-bot',
    env: {},
    ...settings,
  });
}

/** The text obtained by applying the text events in order. */
export function appliedText(events: AgentEvent[]): string {
  return events.reduce(applyAgentEvent, '');
}

export { chunksOf, collect, rejectionOf as failure } from '@kakehashi/testkit';
