import { guardAgentStream, type AgentEvent, type AgentEventStream, type ByteSource } from '@kakehashi/sse-core';
import {
  decodeAgenticStarMessages,
  toAgenticStarStreamEvent,
  type AgenticStarDecodeOptions,
  type AgenticStarStreamEvent,
} from './agenticstar-stream-events';
import { AGENTICSTAR_PROVIDER, AgenticStarTurnState } from './agenticstar-turn';

/** Options of {@link toAgenticStarAgentEvents}. */
export interface AgenticStarAgentEventsOptions {
  /** The state to fill while events pass (read ids, tasks and text from it afterwards). Default: a fresh one. */
  state?: AgenticStarTurnState;
}

const DONE: IteratorResult<AgentEvent, undefined> = Object.freeze({ done: true, value: undefined }) as IteratorResult<AgentEvent, undefined>;

/**
 * The typed events → `AgentEvent`s, one batch per typed event, handed out by a hand-written
 * iterator (no async generator per item). Stops reading after `[DONE]` or an in-stream error, which
 * cancels the HTTP request.
 */
export function agentEventIterator<T>(
  source: AsyncIterator<T>,
  toEvent: (item: T) => AgenticStarStreamEvent,
  state: AgenticStarTurnState,
): AsyncIterableIterator<AgentEvent> {
  let queue: AgentEvent[] = [];
  let index = 0;
  let finished = false;
  let ending = false;

  const pull = async (): Promise<IteratorResult<AgentEvent, undefined>> => {
    for (;;) {
      if (ending) {
        finished = true;
        await source.return?.();
        return DONE;
      }
      let r: IteratorResult<T>;
      try {
        r = await source.next();
      } catch (error) {
        finished = true;
        throw error;
      }
      if (r.done) {
        finished = true;
        return DONE;
      }
      const event = toEvent(r.value);
      const out = state.apply(event);
      if (event.type === 'done' || event.type === 'error') ending = true;
      if (out === undefined) continue;
      if (!Array.isArray(out)) return { done: false, value: out };
      if (out.length === 0) continue;
      queue = out;
      index = 1;
      return { done: false, value: out[0]! };
    }
  };

  const iterator: AsyncIterableIterator<AgentEvent> = {
    next(): Promise<IteratorResult<AgentEvent, undefined>> {
      if (index < queue.length) return Promise.resolve({ done: false, value: queue[index++]! });
      if (finished) return Promise.resolve(DONE);
      return pull();
    },
    async return(): Promise<IteratorResult<AgentEvent, undefined>> {
      queue = [];
      index = 0;
      if (!finished) {
        finished = true;
        await source.return?.();
      }
      return DONE;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * Turns AgenticStar's typed events into the shared `AgentEvent` model: `start` (with the
 * conversation and message ids), `text-delta` per content chunk, `step-start` / `step-end` (kind
 * `task`) per task merged by `callId`, `finish` on `[DONE]` (tasks still open are ended first), and
 * `error` for an in-stream error payload. Wrapped in sse-core's `guardAgentStream`: a stream cut
 * before `[DONE]` ends with an `error` event (code `stream-cut`), never a silent success.
 */
export function toAgenticStarAgentEvents(
  events: AsyncIterable<AgenticStarStreamEvent>,
  options: AgenticStarAgentEventsOptions = {},
): AgentEventStream {
  const state = options.state ?? new AgenticStarTurnState();
  return guardAgentStream(AGENTICSTAR_PROVIDER, agentEventIterator(events[Symbol.asyncIterator](), identity, state));
}

const identity = (event: AgenticStarStreamEvent) => event;

/** Options of {@link decodeAgenticStarAgentEvents}. */
export interface AgenticStarDecodeAgentEventsOptions extends AgenticStarDecodeOptions, AgenticStarAgentEventsOptions {}

/**
 * Bytes of a chat stream straight to `AgentEvent`s: {@link decodeAgenticStarStream} and
 * {@link toAgenticStarAgentEvents} in one pass (one iterator step per event instead of two).
 */
export function decodeAgenticStarAgentEvents(bytes: ByteSource, options: AgenticStarDecodeAgentEventsOptions = {}): AgentEventStream {
  const state = options.state ?? new AgenticStarTurnState();
  return guardAgentStream(AGENTICSTAR_PROVIDER, agentEventIterator(decodeAgenticStarMessages(bytes, options), toAgenticStarStreamEvent, state));
}
