import type { LanguageModelV4StreamPart, SharedV4Warning } from '@ai-sdk/provider';
import { AbortError, type AgentEvent, type AgentTurn } from '@kakehashi/sse-core';
import { AgentPartMapper, type PartMapperOptions } from './kakehashi-stream-parts';

/** What {@link partStream} reads and tells. */
export interface PartStreamSource {
  /** The turn, for `cancel()`. */
  turn: AgentTurn;
  /** The turn's batch read ({@link AgentTurn.batches}): the events of one network read at a time. */
  batches: AsyncIterator<readonly AgentEvent[], undefined>;
  /** The batch read before the stream was made (the answer has started), if any. */
  first: readonly AgentEvent[] | undefined;
  warnings: SharedV4Warning[];
  mapperOptions: PartMapperOptions;
  /** Called with the final text before `finish` is handed out (the session memory). */
  remember(answer: string): Promise<void>;
}

/**
 * How many parts may wait for the reader. Above 1 so that the platform is read a little ahead of a
 * slow reader (the AI SDK's own pipeline is one) and text deltas join in the queue; with deltas of at
 * most `MAX_COALESCED_DELTA` characters, the buffered text stays bounded.
 */
export const PART_QUEUE_SIZE = 8;

export function isAbort(error: unknown): boolean {
  return AbortError.isInstance(error) || (error instanceof Error && error.name === 'AbortError');
}

/**
 * The turn as a `ReadableStream` of AI SDK stream parts: `stream-start` with the warnings, then
 * what {@link AgentPartMapper} makes of each event. Pull-driven, so the platform is read only as
 * fast as the stream is (backpressure reaches the HTTP body): a pull reads the turn in batches (the
 * events of one network read in one promise, `turn.batches()`) and enqueues all parts of a read at
 * once, until the queue holds {@link PART_QUEUE_SIZE} parts or the answer ends; one read's parts may
 * go past it. A text delta arriving while the previous one still waits in the queue is appended to
 * it, so the deltas of one read usually become one part. No async function per event: this is the
 * hot path. An abort errors the stream with the `AbortError`; cancelling the stream cancels the turn
 * at once.
 */
export function partStream(source: PartStreamSource): ReadableStream<LanguageModelV4StreamPart> {
  const { turn, batches, mapperOptions } = source;
  let pending = source.first;
  let cancelled = false;
  let mapper: AgentPartMapper;

  return new ReadableStream<LanguageModelV4StreamPart>(
    {
      start(controller) {
        controller.enqueue({ type: 'stream-start', warnings: source.warnings });
        mapper = new AgentPartMapper((part) => controller.enqueue(part), {
          ...mapperOptions,
          lastPartUnread: () => (controller.desiredSize ?? PART_QUEUE_SIZE) < PART_QUEUE_SIZE,
        });
      },
      pull(controller) {
        return new Promise<void>((resolve) => {
          const fail = (error: unknown): void => {
            if (!cancelled) {
              try {
                if (isAbort(error)) {
                  controller.error(error);
                } else {
                  mapper.fail(error instanceof Error ? error.message : String(error), 'stream-failed', false);
                  controller.close();
                }
              } catch {
                // the stream is already closed or errored
              }
            }
            resolve();
          };
          const finish = (event: Extract<AgentEvent, { type: 'finish' }>): void => {
            source.remember(event.text).then(() => {
              try {
                if (!cancelled) {
                  mapper.push(event);
                  controller.close();
                }
                resolve();
              } catch (error) {
                fail(error);
              }
            }, fail);
          };
          const step = (r: IteratorResult<readonly AgentEvent[], undefined>): void => {
            try {
              if (cancelled) {
                resolve();
                return;
              }
              if (r.done) {
                mapper.fail(`${mapperOptions.platform} stream ended before its finish signal`, 'stream-cut', true);
                controller.close();
                resolve();
                return;
              }
              for (const event of r.value) {
                if (event.type === 'finish') {
                  finish(event);
                  return;
                }
                mapper.push(event);
                if (mapper.ended) {
                  controller.close();
                  resolve();
                  return;
                }
              }
              if ((controller.desiredSize ?? 0) > 0) batches.next().then(step, fail);
              else resolve();
            } catch (error) {
              fail(error);
            }
          };
          const first = pending;
          if (first !== undefined) {
            pending = undefined;
            step({ done: false, value: first });
          } else {
            batches.next().then(step, fail);
          }
        });
      },
      cancel(reason) {
        cancelled = true;
        turn.cancel(reason);
      },
    },
    new CountQueuingStrategy({ highWaterMark: PART_QUEUE_SIZE }),
  );
}
