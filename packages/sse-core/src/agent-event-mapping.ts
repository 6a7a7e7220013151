import type { AgentEvent } from './agent-event';
import { HandWrittenIterator, type KakehashiAsyncIterator } from './async-iterator';
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
  return new AgentEventMapper(source, mapping) as KakehashiAsyncIterator<AgentEvent> & BatchReadable<AgentEvent>;
}

/**
 * {@link mapAgentEvents}' iterator: a class, so an open stream holds one object and no closures. The
 * callbacks of a read are arrow functions made per read of the source (short-lived, as in
 * `guardAgentStream`), not bound fields kept for the stream's whole life.
 */
class AgentEventMapper<T> extends HandWrittenIterator<AgentEvent> implements BatchReadable<AgentEvent> {
  readonly #source: AsyncIterator<T>;
  readonly #mapping: AgentEventMapping<T>;
  #queue: AgentEvent[] = [];
  #index = 0;
  #finished = false;
  #readBatch: (() => Promise<IteratorResult<readonly T[], undefined>>) | undefined;

  constructor(source: AsyncIterator<T>, mapping: AgentEventMapping<T>) {
    super();
    this.#source = source;
    this.#mapping = mapping;
  }

  next(): Promise<IteratorResult<AgentEvent, undefined>> {
    if (this.#index < this.#queue.length) return Promise.resolve({ done: false, value: this.#queue[this.#index++]! });
    if (this.#finished) return Promise.resolve({ done: true, value: undefined });
    this.#queue = [];
    this.#index = 0;
    return this.#read();
  }

  nextBatch(): Promise<IteratorResult<readonly AgentEvent[], undefined>> {
    const queue = this.#queue;
    if (this.#index < queue.length) {
      const rest = queue.slice(this.#index);
      this.#index = queue.length;
      return Promise.resolve({ done: false, value: rest });
    }
    if (this.#finished) return Promise.resolve({ done: true, value: undefined });
    this.#readBatch ??= batchReader(this.#source);
    return this.#readMany();
  }

  protected override async close(): Promise<void> {
    this.#queue = [];
    this.#index = 0;
    if (!this.#finished) {
      this.#finished = true;
      await this.#source.return?.();
    }
  }

  /** One read of the source for `next`: its events go to the queue, the first is handed over. */
  #read(): Promise<IteratorResult<AgentEvent, undefined>> {
    return this.#source.next().then(
      (r) => this.#step(r),
      (error: unknown) => this.#fail(error),
    );
  }

  /** One batch read of the source for `nextBatch`: all its events are handed over at once. */
  #readMany(): Promise<IteratorResult<readonly AgentEvent[], undefined>> {
    return this.#readBatch!().then(
      (r) => this.#stepBatch(r),
      (error: unknown) => this.#fail(error),
    );
  }

  #step(r: IteratorResult<T>): IteratorResult<AgentEvent, undefined> | Promise<IteratorResult<AgentEvent, undefined>> {
    const queue = this.#queue;
    if (r.done) {
      this.#finished = true;
      this.#mapping.end?.(queue);
    } else if (this.#mapping.push(r.value, queue)) {
      this.#closeSource();
    }
    if (this.#index < queue.length) return { done: false, value: queue[this.#index++]! };
    if (this.#finished) return { done: true, value: undefined };
    return this.#read();
  }

  #stepBatch(
    r: IteratorResult<readonly T[], undefined>,
  ): IteratorResult<readonly AgentEvent[], undefined> | Promise<IteratorResult<readonly AgentEvent[], undefined>> {
    const out: AgentEvent[] = [];
    if (r.done) {
      this.#finished = true;
      this.#mapping.end?.(out);
    } else {
      for (const item of r.value) {
        if (this.#mapping.push(item, out)) {
          this.#closeSource();
          break;
        }
      }
    }
    if (out.length > 0) return { done: false, value: out };
    if (this.#finished) return { done: true, value: undefined };
    return this.#readMany();
  }

  /** `push` reported the end: nothing more is read, and the source is let go at once. */
  #closeSource(): void {
    this.#finished = true;
    void this.#source.return?.()?.catch(() => {});
  }

  #fail(error: unknown): never {
    this.#finished = true;
    throw error;
  }
}
