import { EventEmitter } from 'node:events';
import { isFinalStatus, type AgentGroupRecord, type AgentGroupWaitOptions } from './agent-group-store';

/** Internal: how a store lets a waiter read the record and hear about changes. */
export interface WaitSource {
  read(groupId: string): Promise<AgentGroupRecord | undefined>;
  /** Same-process (or LISTEN/NOTIFY) wake-ups, by group id. */
  events: EventEmitter;
  /** The slow poll that catches changes made where no event reaches us (another process). */
  pollMs: number;
  /** When a `started` run expires (ms since the epoch): the waiter re-reads then, which ends it as `error`. */
  expiresAt(record: AgentGroupRecord): number;
}

/** Whether a `started` record is past its expiry. */
export function isExpired(record: AgentGroupRecord, expiryMs: number, now = Date.now()): boolean {
  return record.status === 'started' && Date.parse(record.createdAt) + expiryMs <= now;
}

/** `JSON.stringify` text of a value (null for undefined). */
export const jsonText = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

/** Parses stored JSON text, keeping the text itself when it does not parse (stored by hand, or by an old version). */
export function parseStored(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A wake-up emitter that allows many concurrent waiters. */
export function waitEmitter(): EventEmitter {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return emitter;
}

/**
 * Waits for a run to reach a final status: reads it, then re-reads on every wake-up event for its id
 * and on a slow poll, until it is final, `timeoutMs` passes or `signal` aborts. The listener is added
 * before the first read, so a change landing in between is not missed.
 */
export async function waitForFinalRecord(
  source: WaitSource,
  groupId: string,
  options: AgentGroupWaitOptions,
): Promise<AgentGroupRecord | undefined> {
  const deadline = Date.now() + Math.max(0, options.timeoutMs);
  let wake: (() => void) | undefined;
  let dirty = false;
  const onEvent = () => {
    dirty = true;
    wake?.();
  };
  source.events.on(groupId, onEvent);
  const onAbort = () => wake?.();
  options.signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      dirty = false;
      const record = await source.read(groupId);
      if (record === undefined || isFinalStatus(record.status)) return record;
      const left = deadline - Date.now();
      if (left <= 0 || options.signal?.aborted) return record;
      if (dirty) continue;
      await new Promise<void>((resolve) => {
        const untilExpiry = Math.max(0, source.expiresAt(record) - Date.now());
        const timer = setTimeout(resolve, Math.min(left, source.pollMs, untilExpiry));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    source.events.off(groupId, onEvent);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
