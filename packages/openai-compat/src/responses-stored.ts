import type { AgentSession } from '@kakehashi/sse-core';
import type { ConversationStore } from './conversation-store';
import type { ResponseBody } from './responses-writer';

/**
 * What the handler keeps of a response, in the `ConversationStore` namespace `response`: under the
 * response id, the response object and the platform session behind it (what `previous_response_id`
 * continues); under each output item's id, that item (what an `item_reference` input names). A
 * digest of the caller's credential keeps one caller's responses from another's.
 */
export interface StoredResponse {
  v: 1;
  response: ResponseBody;
  /** The platform and agent of the model it was answered with (a continuation must use the same). */
  platform: string;
  agentId: string | null;
  session: AgentSession | null;
  scope: string | null;
}

/** One output item of a stored response, under its own id. */
export interface StoredItem {
  v: 1;
  responseId: string;
  scope: string | null;
  /** A message's text (`assistant`), or a reasoning item (left out when referenced). */
  item: { type: 'message'; role: 'assistant'; text: string } | { type: 'reasoning' };
}

/** A hex SHA-256 digest of the caller's credential (never stored as given), or null without one. */
export async function scopeDigest(scope: string | undefined): Promise<string | null> {
  if (scope === undefined) return null;
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(scope)));
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

function parse<T extends { v: 1; scope: string | null }>(
  text: string | undefined,
  scope: string | null,
): T | undefined {
  if (text === undefined) return undefined;
  let value: T;
  try {
    value = JSON.parse(text) as T;
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || value.v !== 1) return undefined;
  // Another caller's response is as unknown as one that never existed.
  return value.scope === scope ? value : undefined;
}

/** The stored response under `id` for this caller, if any. */
export async function loadResponse(
  store: ConversationStore,
  id: string,
  scope: string | null,
): Promise<StoredResponse | undefined> {
  const stored = parse<StoredResponse>(await store.get('response', id), scope);
  // Items share the namespace: an item id is not a response.
  return typeof stored?.response === 'object' && stored.response !== null ? stored : undefined;
}

/** The stored output item under `id` for this caller, if any. */
export async function loadItem(
  store: ConversationStore,
  id: string,
  scope: string | null,
): Promise<StoredItem | undefined> {
  const stored = parse<StoredItem>(await store.get('response', id), scope);
  return typeof stored?.item === 'object' && stored.item !== null ? stored : undefined;
}

/** Stores a response and each of its output items for `ttlMs`; resolves once all are durable. */
export async function saveResponse(store: ConversationStore, record: StoredResponse, ttlMs: number): Promise<void> {
  const puts: Array<Promise<void>> = [store.put('response', record.response.id, JSON.stringify(record), ttlMs)];
  for (const item of record.response.output) {
    const stored: StoredItem = {
      v: 1,
      responseId: record.response.id,
      scope: record.scope,
      item:
        item.type === 'message'
          ? { type: 'message', role: 'assistant', text: item.content.map((p) => p.text).join('') }
          : { type: 'reasoning' },
    };
    puts.push(store.put('response', item.id, JSON.stringify(stored), ttlMs));
  }
  await Promise.all(puts);
}
