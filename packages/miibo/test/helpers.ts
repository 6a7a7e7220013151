import type { AgentEvent } from '@kakehashi/sse-core';

/** Turns byte chunks into an async iterable, as a response body would deliver them. */
export async function* chunksOf(parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Resolves with the rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, got a resolved promise');
}

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
