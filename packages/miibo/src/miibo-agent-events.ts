import {
  byteChunks,
  flattenBatches,
  guardAgentStream,
  SnapshotDiffer,
  type AgentEvent,
  type AgentEventStream,
  type AgentStartEvent,
  type ByteSource,
} from '@kakehashi/sse-core';
import { miiboEventBatches, type MiiboDecodeOptions } from './miibo-stream-decoder';
import type { MiiboStreamEvent } from './miibo-stream-events';

/** The provider name in `AgentEvent`s and errors. */
export const MIIBO_PROVIDER = 'miibo';

/** Options of {@link toMiiboAgentEvents} and {@link decodeMiiboAgentEvents}. */
export interface MiiboAgentEventOptions {
  /** The end-user id the conversation ran under; put on the `start` event. */
  uid?: string;
}

/**
 * Turns typed miibo events into the shared `AgentEvent` model: `start`, then a `text-delta` when a
 * snapshot extends the previous one or a `text-replace` when it rewrites it (sse-core's
 * `SnapshotDiffer`), then `finish` with the final object's text (`reason` `error` when miibo set
 * `isError`). A stream without its final object ends with an `error` event (code `stream-cut`);
 * a failure mid-stream becomes an `error` event; an abort is thrown.
 */
export function toMiiboAgentEvents(
  events: AsyncIterable<MiiboStreamEvent>,
  options: MiiboAgentEventOptions = {},
): AgentEventStream {
  return guardAgentStream(MIIBO_PROVIDER, flattenBatches(agentEventBatches(singleBatches(events), options)));
}

/** Decodes a miibo body straight to `AgentEvent`s, one batch per network chunk all the way. See {@link toMiiboAgentEvents}. */
export function decodeMiiboAgentEvents(
  bytes: ByteSource,
  options: MiiboAgentEventOptions & MiiboDecodeOptions = {},
): AgentEventStream {
  return guardAgentStream(
    MIIBO_PROVIDER,
    flattenBatches(agentEventBatches(miiboEventBatches(byteChunks(bytes), options), options)),
  );
}

/** Maps batches of typed events to batches of AgentEvents; the first batch starts with `start`. */
export async function* agentEventBatches(
  batches: AsyncIterable<MiiboStreamEvent[]>,
  options: MiiboAgentEventOptions = {},
): AsyncGenerator<AgentEvent[], void, undefined> {
  const start: AgentStartEvent = { type: 'start', provider: MIIBO_PROVIDER };
  if (options.uid !== undefined) start.uid = options.uid;
  yield [start];
  const differ = new SnapshotDiffer();
  for await (const batch of batches) {
    const out: AgentEvent[] = [];
    for (const event of batch) {
      if (event.type === 'snapshot') {
        const change = differ.next(event.text);
        if (change) out.push(change);
      } else if (event.type === 'final') {
        const change = differ.next(event.text);
        if (change) out.push(change);
        out.push({ type: 'finish', text: event.text, reason: event.isError ? 'error' : 'stop' });
      }
    }
    if (out.length > 0) yield out;
  }
}

async function* singleBatches<T>(items: AsyncIterable<T>): AsyncGenerator<T[], void, undefined> {
  for await (const item of items) yield [item];
}
