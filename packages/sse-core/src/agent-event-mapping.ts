import type { AgentEvent } from './agent-event';
import { asyncIterator, type KakehashiAsyncIterator } from './async-iterator';
import { batchReader, type BatchReadable } from './batch-iterator';

/** How {@link mapAgentEvents} turns a provider's items into `AgentEvent`s. */
export interface AgentEventMapping<T> {
  /**
   * Appends the events one item stands for (none, one or several) to `out`. Returns `true` when
   * nothing may follow (a finish or an in-stream error): the source is then closed at once.
   */
  push(item: T, out: AgentEvent[]): boolean;
  /** Appends what the source's end implies (for example a finish it never sent). Optional. */
  end?(out: AgentEvent[]): void;
}

/**
 * A provider's items (typed events, or SSE messages mapped in the same step) as `AgentEvent`s, through
 * a hand-written iterator: one promise per source item and none per queued event, where an async
 * generator costs several microtask turns per `yield`. After `push` reports the end, the source is
 * closed at once (which ends its HTTP request, or lets the connection go back to the pool) and nothing
 * more is read; leaving a `for await` early closes it too. Wrap the result in `guardAgentStream` for
 * the shared cut-stream and failure rules.
 *
 * `nextBatch` maps everything one read of the source produced (its `nextBatch`, when it has one) and
 * hands the events over in one promise.
 */
export function mapAgentEvents<T>(
  source: AsyncIterator<T>,
  mapping: AgentEventMapping<T>,
): KakehashiAsyncIterator<AgentEvent> & BatchReadable<AgentEvent> {
  let queue: AgentEvent[] = [];
  let index = 0;
  let finished = false;

  const close = (): void => {
    finished = true;
    void source.return?.()?.catch(() => {});
  };
  const onError = (error: unknown): never => {
    finished = true;
    throw error;
  };
  const step = (
    r: IteratorResult<T>,
  ): IteratorResult<AgentEvent, undefined> | Promise<IteratorResult<AgentEvent, undefined>> => {
    if (r.done) {
      finished = true;
      mapping.end?.(queue);
    } else if (mapping.push(r.value, queue)) {
      close();
    }
    if (index < queue.length) return { done: false, value: queue[index++]! };
    if (finished) return { done: true, value: undefined };
    return source.next().then(step, onError);
  };

  let readBatch: (() => Promise<IteratorResult<readonly T[], undefined>>) | undefined;
  const stepBatch = (
    r: IteratorResult<readonly T[], undefined>,
  ): IteratorResult<readonly AgentEvent[], undefined> | Promise<IteratorResult<readonly AgentEvent[], undefined>> => {
    const out: AgentEvent[] = [];
    if (r.done) {
      finished = true;
      mapping.end?.(out);
    } else {
      for (const item of r.value) {
        if (mapping.push(item, out)) {
          close();
          break;
        }
      }
    }
    if (out.length > 0) return { done: false, value: out };
    if (finished) return { done: true, value: undefined };
    return readBatch!().then(stepBatch, onError);
  };

  return Object.assign(
    asyncIterator({
      next() {
        if (index < queue.length) return Promise.resolve({ done: false, value: queue[index++]! });
        if (finished) return Promise.resolve({ done: true, value: undefined });
        queue = [];
        index = 0;
        return source.next().then(step, onError);
      },
      async close() {
        queue = [];
        index = 0;
        if (!finished) {
          finished = true;
          await source.return?.();
        }
      },
    }),
    {
      nextBatch(): Promise<IteratorResult<readonly AgentEvent[], undefined>> {
        if (index < queue.length) {
          const rest = queue.slice(index);
          index = queue.length;
          return Promise.resolve({ done: false, value: rest });
        }
        if (finished) return Promise.resolve({ done: true, value: undefined });
        readBatch ??= batchReader(source);
        return readBatch().then(stepBatch, onError);
      },
    },
  );
}
