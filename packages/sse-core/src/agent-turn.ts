import type { AgentSession, AgentTurn, AgentTurnAnswer } from './agent-contract';
import type { AgentEvent, AgentStartEvent } from './agent-event';
import { collectAgentAnswer, guardAgentStream } from './agent-event-stream';
import { signalList, type AbortSignals } from './abort-signals';
import { asyncIterator, type KakehashiAsyncIterator } from './async-iterator';
import { batchReader, type BatchReadable } from './batch-iterator';
import { AbortError, KakehashiError } from './errors';

/** What `open` may tell the turn while it opens. */
export interface AgentTurnOpening {
  /**
   * The session is known now: the chat just created, or an id a later chunk carried. Call it whenever
   * the platform reveals the session; the latest value wins over `sessionOf`'s.
   */
  setSession(session: AgentSession): void;
}

/** How a platform SDK opens one turn for {@link createAgentTurn}. */
export interface AgentTurnSource {
  /** The platform, for example `codeer`. */
  provider: string;
  /**
   * Sends the request and returns the platform's events. Called once, on the first read, with the
   * signals that cancel the turn (the caller's and the turn's own): pass them to every request.
   * An iterator with a `nextBatch` (sse-core's decoders, `mapAgentEvents`, `guardAgentStream` all
   * have one) makes {@link AgentTurn.batches} hand over one network read per promise; any other
   * iterator still works, one event per batch.
   */
  open(
    signals: readonly AbortSignal[],
    turn: AgentTurnOpening,
  ): Promise<AsyncIterator<AgentEvent>> | AsyncIterator<AgentEvent>;
  /** The session known before the first event (the one being continued, or one the SDK chose). */
  session?: AgentSession;
  /** The session a `start` event reveals (default: keep the session known before). */
  sessionOf?(start: AgentStartEvent): AgentSession | undefined;
  /** The caller's signal(s). */
  signal?: AbortSignals;
}

/**
 * The one implementation of {@link AgentTurn} the chat SDKs share: opens lazily, applies
 * `guardAgentStream`'s rules (a cut stream is an `error` event, an abort is thrown), keeps the
 * session, and makes `cancel()` work at any moment — before the first read (nothing is sent), while
 * the request opens, and in the middle of a body read (the pending read rejects with `AbortError`
 * and the connection closes).
 */
export function createAgentTurn(source: AgentTurnSource): AgentTurn {
  const controller = new AbortController();
  const signals = [...signalList(source.signal), controller.signal];
  let session = source.session;
  let upstream: AsyncIterator<AgentEvent> | undefined;
  let closed = false;
  const opening: AgentTurnOpening = {
    setSession(value) {
      session = value;
    },
  };

  const aborted = (): never => {
    const reason: unknown = controller.signal.reason ?? signals.find((s) => s.aborted)?.reason;
    throw AbortError.isInstance(reason) ? reason : new AbortError(reason);
  };

  /** Sends the request (first read only); a turn cancelled meanwhile closes what opened and aborts. */
  const openUpstream = async (): Promise<AsyncIterator<AgentEvent>> => {
    if (signals.some((s) => s.aborted)) aborted();
    const opened = await source.open(signals, opening);
    if (closed || controller.signal.aborted) {
      void Promise.resolve(opened.return?.()).catch(() => {});
      aborted();
    }
    upstream = opened;
    return opened;
  };
  let readBatch: (() => Promise<IteratorResult<readonly AgentEvent[], undefined>>) | undefined;

  const lazy: AsyncIterator<AgentEvent> & BatchReadable<AgentEvent> = {
    async next() {
      if (controller.signal.aborted) aborted(); // cancelled: every later read is an abort, never a cut
      const r = await (upstream ?? (await openUpstream())).next();
      if (!r.done && r.value.type === 'start') session = source.sessionOf?.(r.value) ?? session;
      return r;
    },
    async nextBatch() {
      if (controller.signal.aborted) aborted();
      readBatch ??= batchReader(upstream ?? (await openUpstream()));
      const r = await readBatch();
      if (!r.done)
        for (const event of r.value) if (event.type === 'start') session = source.sessionOf?.(event) ?? session;
      return r;
    },
    async return() {
      closed = true;
      await upstream?.return?.();
      return { done: true, value: undefined };
    },
  };
  const guarded = guardAgentStream(source.provider, { [Symbol.asyncIterator]: () => lazy });

  // A turn is read one way: per event (`next`, `for await`, `collect`) or in batches, never both.
  let readBy: 'events' | 'batches' | undefined;
  const mixed = (used: 'events' | 'batches') =>
    new KakehashiError(
      'invalid-state',
      `the ${source.provider} turn is already read ${used === 'events' ? 'per event (next(), for await or collect())' : 'in batches (batches())'}: read a turn one way only`,
    );
  const readEvent = guarded.next.bind(guarded);
  guarded.next = () => {
    if (readBy !== 'events') {
      if (readBy === 'batches') return Promise.reject(mixed('batches'));
      readBy = 'events';
    }
    return readEvent();
  };
  let batches: KakehashiAsyncIterator<readonly AgentEvent[]> | undefined;

  const turn: AgentTurn = Object.assign(guarded, {
    provider: source.provider,
    session: () => session,
    batches() {
      if (readBy === 'events') throw mixed('events');
      readBy = 'batches';
      batches ??= asyncIterator({ next: () => guarded.nextBatch(), close: () => guarded.return?.() });
      return batches;
    },
    cancel(reason?: unknown) {
      if (controller.signal.aborted) return;
      controller.abort(reason ?? new AbortError(new Error('the turn was cancelled')));
      closed = true;
      void Promise.resolve(upstream?.return?.()).catch(() => {});
    },
    async collect(): Promise<AgentTurnAnswer> {
      const answer = await collectAgentAnswer(source.provider, turn);
      return { ...answer, session };
    },
  });
  return turn;
}
