import type { MiiboResponse } from './miibo-response';

/**
 * One response object of the stream. miibo sends the whole answer so far in every object, so
 * `text` is cumulative (it usually extends the previous snapshot, but may rewrite it).
 */
export interface MiiboSnapshotEvent {
  type: 'snapshot';
  /** The whole answer so far (`bestResponse.utterance`). */
  text: string;
  /** Whether miibo says it is still searching its knowledge (`is_searching`). */
  searching: boolean;
  /** The object as received (unknown fields kept). */
  response: MiiboResponse;
}

/**
 * The stream ended properly and its last object is a complete response: the final answer. Comes
 * after the `snapshot` of that same object. A stream without it was cut short.
 */
export interface MiiboFinalEvent {
  type: 'final';
  /** The complete answer (`bestResponse.utterance` of the last object). */
  text: string;
  /** The final response object: options, topic, `userState`, … are read from here. */
  response: MiiboResponse;
  /** miibo's `isError` flag on the final object (a 200 can still be a failure with a canned text). */
  isError: boolean;
}

/** A line that is valid JSON but not a response object. Passed through, never fatal. */
export interface MiiboUnknownEvent {
  type: 'unknown';
  /** The parsed JSON value. */
  raw: unknown;
}

/** What a miibo conversation stream (or a plain response body) decodes to. */
export type MiiboStreamEvent = MiiboSnapshotEvent | MiiboFinalEvent | MiiboUnknownEvent;
