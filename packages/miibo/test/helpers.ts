import type { AgentEvent } from '@kakehashi/sse-core';
export { chunksOf, collect, rejectionOf } from '@kakehashi/testkit';

/** Applies the text events in order (what a UI would show). */
export function appliedText(events: AgentEvent[]): string {
  let text = '';
  for (const e of events) {
    if (e.type === 'text-delta') text += e.delta;
    else if (e.type === 'text-replace') text = e.text;
  }
  return text;
}

export const API_KEY = 'sim-agent-key-0123456789abcdef';
export const AGENT_ID = '0b1c2d3e-aaaa-bbbb-cccc-0123456789ab18ca98980b4335';
export const ADMIN_KEY = 'sim-admin-key-fedcba9876543210';
