import type { AgentEvent } from './agent-event';
import { asyncIterator, type KakehashiAsyncIterator } from './async-iterator';

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
 */
export function mapAgentEvents<T>(
  source: AsyncIterator<T>,
  mapping: AgentEventMapping<T>,
): KakehashiAsyncIterator<AgentEvent> {
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

  return asyncIterator({
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
  });
}
