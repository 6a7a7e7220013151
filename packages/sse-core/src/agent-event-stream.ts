import { applyAgentEvent, type AgentEvent, type CollectedAgentAnswer } from './agent-event';
import { HandWrittenIterator, type KakehashiAsyncIterator } from './async-iterator';
import { batchReader, type BatchReadable } from './batch-iterator';
import { AbortError, AgentStreamError, KakehashiError } from './errors';

/**
 * Wraps a provider's `AgentEvent` source with the rules every provider shares:
 *
 * - a source that ends without `finish` or `error` yields an `error` (code `stream-cut`): a cut
 *   stream is never a silent success;
 * - a failure after the first event (a reset, an idle timeout, malformed data) becomes an `error`
 *   event; a failure before any event (a 401, a 5xx after retries) is thrown, so the caller can act
 *   on its status;
 * - an abort is always thrown as `AbortError`.
 *
 * `nextBatch` applies the same rules to the source's batch reads (one promise per network read).
 */
/** An `AgentEvent` stream as the provider packages hand it out: iterate it once; leaving early cancels it. */
export type AgentEventStream = KakehashiAsyncIterator<AgentEvent>;

export function guardAgentStream(
  provider: string,
  source: AsyncIterable<AgentEvent>,
): AgentEventStream & BatchReadable<AgentEvent> {
  return new GuardedStream(provider, source[Symbol.asyncIterator]()) as AgentEventStream & BatchReadable<AgentEvent>;
}

function single(r: IteratorResult<AgentEvent, undefined>): IteratorResult<readonly AgentEvent[], undefined> {
  return r.done ? r : { done: false, value: [r.value] };
}

/**
 * {@link guardAgentStream}'s iterator. A hand-written iterator rather than an async generator: this
 * sits on every event of every provider stream, and a generator's resumption costs several microtask
 * turns per event. A class rather than closures over shared state: an open stream holds one object.
 * `createAgentTurn`'s turn extends it (inside the package only).
 */
export class GuardedStream extends HandWrittenIterator<AgentEvent> implements BatchReadable<AgentEvent> {
  readonly #provider: string;
  readonly #upstream: AsyncIterator<AgentEvent>;
  #started = false;
  #ended = false;
  #finished = false;
  #readBatch: (() => Promise<IteratorResult<readonly AgentEvent[], undefined>>) | undefined;

  constructor(provider: string, upstream: AsyncIterator<AgentEvent>) {
    super();
    this.#provider = provider;
    this.#upstream = upstream;
  }

  next(): Promise<IteratorResult<AgentEvent, undefined>> {
    if (this.#finished) return Promise.resolve(this.#done());
    let pending: Promise<IteratorResult<AgentEvent>>;
    try {
      pending = this.#upstream.next();
    } catch (error) {
      return Promise.resolve().then(() => this.#onError(error));
    }
    return pending.then(
      (r) => this.#onValue(r),
      (error: unknown) => this.#onError(error),
    );
  }

  nextBatch(): Promise<IteratorResult<readonly AgentEvent[], undefined>> {
    if (this.#finished) return Promise.resolve(single(this.#done()));
    let pending: Promise<IteratorResult<readonly AgentEvent[], undefined>>;
    try {
      this.#readBatch ??= batchReader(this.#upstream);
      pending = this.#readBatch();
    } catch (error) {
      return Promise.resolve().then(() => single(this.#onError(error)));
    }
    return pending.then(
      (r) => this.#onBatch(r),
      (error: unknown) => single(this.#onError(error)),
    );
  }

  protected override async close(): Promise<void> {
    if (!this.#finished) {
      this.#finished = true;
      await this.#upstream.return?.();
    }
  }

  #done(): IteratorResult<AgentEvent, undefined> {
    this.#finished = true;
    return { done: true, value: undefined };
  }

  #onValue(r: IteratorResult<AgentEvent>): IteratorResult<AgentEvent, undefined> {
    if (r.done) {
      if (this.#ended) return this.#done();
      this.#ended = true;
      return {
        done: false,
        value: {
          type: 'error',
          message: `${this.#provider} stream ended before its finish signal (connection cut?)`,
          code: 'stream-cut',
          retryable: true,
        },
      };
    }
    this.#started = true;
    const type = r.value.type;
    if (type === 'finish' || type === 'error') this.#ended = true;
    return r as IteratorResult<AgentEvent, undefined>;
  }

  #onError(error: unknown): IteratorResult<AgentEvent, undefined> {
    if (AbortError.isInstance(error) || (error instanceof Error && error.name === 'AbortError')) {
      this.#finished = true; // an aborted stream is over: later reads end, they never report a cut
      throw error;
    }
    if (!this.#started || this.#ended) {
      this.#finished = true; // a thrown failure ends the stream: a later read must not send the request again
      throw error;
    }
    this.#ended = true;
    this.#finished = true;
    const k = KakehashiError.isInstance(error) ? error : undefined;
    return {
      done: false,
      value: {
        type: 'error',
        message:
          error instanceof Error
            ? k
              ? error.message
              : `${this.#provider} stream failed: ${error.message}`
            : String(error),
        code: k ? ((error as { code?: string | number }).code ?? k.kind) : undefined,
        retryable: k?.retryable ?? false,
      },
    };
  }

  #onBatch(r: IteratorResult<readonly AgentEvent[], undefined>): IteratorResult<readonly AgentEvent[], undefined> {
    if (r.done) return single(this.#onValue(r));
    this.#started = true;
    for (const event of r.value) if (event.type === 'finish' || event.type === 'error') this.#ended = true;
    return r;
  }
}

/**
 * Reads a whole agent stream and returns the answer. An `error` event rejects with
 * {@link AgentStreamError}, which keeps the partial text.
 */
export async function collectAgentAnswer(
  provider: string,
  events: AsyncIterable<AgentEvent>,
): Promise<CollectedAgentAnswer> {
  const answer: CollectedAgentAnswer = { text: '', reason: 'other', steps: [], events: [] };
  let text = '';
  for await (const event of events) {
    answer.events.push(event);
    text = applyAgentEvent(text, event);
    switch (event.type) {
      case 'start':
        answer.start = event;
        break;
      case 'step-start':
      case 'step-end':
        answer.steps.push(event);
        break;
      case 'title':
        answer.title = event.title;
        break;
      case 'finish':
        answer.text = event.text;
        answer.reason = event.reason;
        if (event.usage) answer.usage = event.usage;
        return answer;
      case 'error':
        throw new AgentStreamError(provider, event.message, {
          code: event.code,
          retryable: event.retryable,
          partialText: text,
        });
    }
  }
  throw new AgentStreamError(provider, 'stream ended before its finish signal', {
    code: 'stream-cut',
    retryable: true,
    partialText: text,
  });
}
