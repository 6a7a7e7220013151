import type { AgentSession, AgentTurn, AgentTurnAnswer } from './agent-contract';
import type { AgentEvent, AgentStartEvent } from './agent-event';
import { collectAgentAnswer, GuardedStream } from './agent-event-stream';
import { signalList, type AbortSignals } from './abort-signals';
import { HandWrittenIterator, type KakehashiAsyncIterator } from './async-iterator';
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
  return new Turn(source);
}

function mixed(provider: string, used: 'events' | 'batches'): KakehashiError {
  return new KakehashiError(
    'invalid-state',
    `the ${provider} turn is already read ${used === 'events' ? 'per event (next(), for await or collect())' : 'in batches (batches())'}: read a turn one way only`,
  );
}

/**
 * A turn: `guardAgentStream`'s iterator over a {@link LazyUpstream}, plus the turn's own methods. Both
 * are classes (methods on the prototype), so an open turn holds two objects and no closures.
 */
class Turn extends GuardedStream implements AgentTurn {
  readonly provider: string;
  readonly #upstream: LazyUpstream;
  /** A turn is read one way: per event (`next`, `for await`, `collect`) or in batches, never both. */
  #readBy: 'events' | 'batches' | undefined;
  #batches: TurnBatches | undefined;

  constructor(source: AgentTurnSource) {
    const upstream = new LazyUpstream(source);
    super(source.provider, upstream);
    this.provider = source.provider;
    this.#upstream = upstream;
  }

  override next(): Promise<IteratorResult<AgentEvent, undefined>> {
    if (this.#readBy !== 'events') {
      if (this.#readBy === 'batches') return Promise.reject(mixed(this.provider, 'batches'));
      this.#readBy = 'events';
    }
    return super.next();
  }

  session(): AgentSession | undefined {
    return this.#upstream.session;
  }

  batches(): KakehashiAsyncIterator<readonly AgentEvent[]> {
    if (this.#readBy === 'events') throw mixed(this.provider, 'events');
    this.#readBy = 'batches';
    this.#batches ??= new TurnBatches(this);
    return this.#batches as KakehashiAsyncIterator<readonly AgentEvent[]>;
  }

  cancel(reason?: unknown): void {
    this.#upstream.cancel(reason);
  }

  async collect(): Promise<AgentTurnAnswer> {
    const answer = await collectAgentAnswer(this.provider, this);
    return { ...answer, session: this.#upstream.session };
  }
}

/** {@link AgentTurn.batches}' iterator: the turn's `nextBatch`; leaving early returns the turn. */
class TurnBatches extends HandWrittenIterator<readonly AgentEvent[]> {
  readonly #turn: Turn;

  constructor(turn: Turn) {
    super();
    this.#turn = turn;
  }

  next(): Promise<IteratorResult<readonly AgentEvent[], undefined>> {
    return this.#turn.nextBatch();
  }

  protected override close(): Promise<unknown> {
    return this.#turn.return();
  }
}

/**
 * What the turn's guard reads: sends the request on the first read, keeps the session the events
 * reveal, and is what `open` may tell the session to ({@link AgentTurnOpening}).
 */
class LazyUpstream implements AsyncIterator<AgentEvent>, BatchReadable<AgentEvent>, AgentTurnOpening {
  readonly #source: AgentTurnSource;
  readonly #controller = new AbortController();
  readonly #signals: readonly AbortSignal[];
  session: AgentSession | undefined;
  #upstream: AsyncIterator<AgentEvent> | undefined;
  #closed = false;
  #readBatch: (() => Promise<IteratorResult<readonly AgentEvent[], undefined>>) | undefined;

  constructor(source: AgentTurnSource) {
    this.#source = source;
    this.#signals = [...signalList(source.signal), this.#controller.signal];
    this.session = source.session;
  }

  setSession(value: AgentSession): void {
    this.session = value;
  }

  async next(): Promise<IteratorResult<AgentEvent>> {
    if (this.#controller.signal.aborted) this.#aborted(); // cancelled: every later read is an abort, never a cut
    const r = await (this.#upstream ?? (await this.#open())).next();
    if (!r.done && r.value.type === 'start') this.session = this.#source.sessionOf?.(r.value) ?? this.session;
    return r;
  }

  async nextBatch(): Promise<IteratorResult<readonly AgentEvent[], undefined>> {
    if (this.#controller.signal.aborted) this.#aborted();
    this.#readBatch ??= batchReader(this.#upstream ?? (await this.#open()));
    const r = await this.#readBatch();
    if (!r.done)
      for (const event of r.value)
        if (event.type === 'start') this.session = this.#source.sessionOf?.(event) ?? this.session;
    return r;
  }

  async return(): Promise<IteratorResult<AgentEvent, undefined>> {
    this.#closed = true;
    await this.#upstream?.return?.();
    return { done: true, value: undefined };
  }

  cancel(reason?: unknown): void {
    if (this.#controller.signal.aborted) return;
    this.#controller.abort(reason ?? new AbortError(new Error('the turn was cancelled')));
    this.#closed = true;
    void Promise.resolve(this.#upstream?.return?.()).catch(() => {});
  }

  #aborted(): never {
    const reason: unknown = this.#controller.signal.reason ?? this.#signals.find((s) => s.aborted)?.reason;
    throw AbortError.isInstance(reason) ? reason : new AbortError(reason);
  }

  /** Sends the request (first read only); a turn cancelled meanwhile closes what opened and aborts. */
  async #open(): Promise<AsyncIterator<AgentEvent>> {
    if (this.#signals.some((s) => s.aborted)) this.#aborted();
    const opened = await this.#source.open(this.#signals, this);
    if (this.#closed || this.#controller.signal.aborted) {
      void Promise.resolve(opened.return?.()).catch(() => {});
      this.#aborted();
    }
    this.#upstream = opened;
    return opened;
  }
}
