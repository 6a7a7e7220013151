import {
  guardAgentStream,
  mapAgentEvents,
  type AgentEvent,
  type AgentEventStream,
  type ByteSource,
} from '@kakehashi/sse-core';
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

/**
 * The typed events → `AgentEvent`s through the turn state, on sse-core's `mapAgentEvents`. Stops
 * reading after `[DONE]` or an in-stream error, which ends the HTTP request.
 */
export function agentEventIterator<T>(
  source: AsyncIterator<T>,
  toEvent: (item: T) => AgenticStarStreamEvent,
  state: AgenticStarTurnState,
): AsyncIterableIterator<AgentEvent> {
  return mapAgentEvents(source, {
    push(item, out) {
      const event = toEvent(item);
      const events = state.apply(event);
      if (Array.isArray(events)) out.push(...events);
      else if (events !== undefined) out.push(events);
      return event.type === 'done' || event.type === 'error';
    },
  });
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
export function decodeAgenticStarAgentEvents(
  bytes: ByteSource,
  options: AgenticStarDecodeAgentEventsOptions = {},
): AgentEventStream {
  const state = options.state ?? new AgenticStarTurnState();
  return guardAgentStream(
    AGENTICSTAR_PROVIDER,
    agentEventIterator(decodeAgenticStarMessages(bytes, options), toAgenticStarStreamEvent, state),
  );
}
