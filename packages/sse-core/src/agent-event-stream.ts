import { applyAgentEvent, type AgentEvent, type CollectedAgentAnswer } from './agent-event';
import { asyncIterator, type KakehashiAsyncIterator } from './async-iterator';
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
  // A hand-written iterator rather than an async generator: this sits on every event of every
  // provider stream, and a generator's resumption costs several microtask turns per event.
  const upstream = source[Symbol.asyncIterator]();
  let started = false;
  let ended = false;
  let finished = false;
  const done = (): IteratorResult<AgentEvent, undefined> => {
    finished = true;
    return { done: true, value: undefined };
  };

  const onValue = (r: IteratorResult<AgentEvent>): IteratorResult<AgentEvent, undefined> => {
    if (r.done) {
      if (ended) return done();
      ended = true;
      return {
        done: false,
        value: {
          type: 'error',
          message: `${provider} stream ended before its finish signal (connection cut?)`,
          code: 'stream-cut',
          retryable: true,
        },
      };
    }
    started = true;
    const type = r.value.type;
    if (type === 'finish' || type === 'error') ended = true;
    return r as IteratorResult<AgentEvent, undefined>;
  };

  const onError = (error: unknown): IteratorResult<AgentEvent, undefined> => {
    if (AbortError.isInstance(error) || (error instanceof Error && error.name === 'AbortError')) {
      finished = true; // an aborted stream is over: later reads end, they never report a cut
      throw error;
    }
    if (!started || ended) {
      finished = true; // a thrown failure ends the stream: a later read must not send the request again
      throw error;
    }
    ended = true;
    finished = true;
    const k = KakehashiError.isInstance(error) ? error : undefined;
    return {
      done: false,
      value: {
        type: 'error',
        message:
          error instanceof Error ? (k ? error.message : `${provider} stream failed: ${error.message}`) : String(error),
        code: k ? ((error as { code?: string | number }).code ?? k.kind) : undefined,
        retryable: k?.retryable ?? false,
      },
    };
  };

  const single = (r: IteratorResult<AgentEvent, undefined>): IteratorResult<readonly AgentEvent[], undefined> =>
    r.done ? r : { done: false, value: [r.value] };
  const onBatch = (
    r: IteratorResult<readonly AgentEvent[], undefined>,
  ): IteratorResult<readonly AgentEvent[], undefined> => {
    if (r.done) return single(onValue(r));
    started = true;
    for (const event of r.value) if (event.type === 'finish' || event.type === 'error') ended = true;
    return r;
  };
  const onBatchError = (error: unknown): IteratorResult<readonly AgentEvent[], undefined> => single(onError(error));
  let readBatch: (() => Promise<IteratorResult<readonly AgentEvent[], undefined>>) | undefined;

  return Object.assign(
    asyncIterator({
      next() {
        if (finished) return Promise.resolve(done());
        let pending: Promise<IteratorResult<AgentEvent>>;
        try {
          pending = upstream.next();
        } catch (error) {
          return Promise.resolve().then(() => onError(error));
        }
        return pending.then(onValue, onError);
      },
      async close() {
        if (!finished) {
          finished = true;
          await upstream.return?.();
        }
      },
    }),
    {
      nextBatch(): Promise<IteratorResult<readonly AgentEvent[], undefined>> {
        if (finished) return Promise.resolve(single(done()));
        let pending: Promise<IteratorResult<readonly AgentEvent[], undefined>>;
        try {
          readBatch ??= batchReader(upstream);
          pending = readBatch();
        } catch (error) {
          return Promise.resolve().then(() => onBatchError(error));
        }
        return pending.then(onBatch, onBatchError);
      },
    },
  );
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
