import {
  collectAgentAnswer,
  flattenBatches,
  guardAgentStream,
  type AgentEventStream,
  type CollectedAgentAnswer,
  type HttpResponse,
} from '@kakehashi/sse-core';
import { agentEventBatches, MIIBO_PROVIDER } from './miibo-agent-events';
import type { MiiboResponse } from './miibo-response';
import { miiboEventBatches, type MiiboDecodeOptions } from './miibo-stream-decoder';
import type { MiiboStreamEvent } from './miibo-stream-events';

/** The whole answer of one streamed turn: what `ask()` and {@link MiiboChatStream.collect} return. */
export interface MiiboAnswer extends CollectedAgentAnswer {
  /** The final response object (options, topic, `userState`, `isError`, …; unknown fields kept). */
  response: MiiboResponse;
  /** The `uid` the turn ran under, if one was sent (it continues the conversation). */
  uid: string | undefined;
}

/**
 * A conversation answer being streamed. Read it ONCE, in one of three ways:
 *
 * - `for await (const event of stream)` / {@link MiiboChatStream.events}: miibo's own typed events
 *   (`snapshot` per object, then `final`);
 * - {@link MiiboChatStream.agentEvents}: the shared `AgentEvent` model (`start`, `text-delta`,
 *   `text-replace`, `finish`, `error`);
 * - {@link MiiboChatStream.collect}: the whole answer.
 *
 * Leaving a `for await` early, or {@link MiiboChatStream.cancel}, closes the HTTP request at once.
 */
export class MiiboChatStream implements AsyncIterable<MiiboStreamEvent> {
  /** The request id miibo sent in a response header, if any. */
  readonly requestId: string | undefined;
  /** The response's content type (informational: the body is sniffed, not trusted by type). */
  readonly contentType: string;
  /** The `uid` the turn runs under, if one was sent. */
  readonly uid: string | undefined;
  readonly #response: HttpResponse;
  readonly #decodeOptions: MiiboDecodeOptions;
  #finalResponse: MiiboResponse | undefined;

  /** @internal Created by the provider's `streamChat`. */
  constructor(response: HttpResponse, uid: string | undefined, decodeOptions: MiiboDecodeOptions) {
    this.#response = response;
    this.uid = uid;
    this.#decodeOptions = decodeOptions;
    this.requestId = response.requestId;
    this.contentType = response.contentType;
  }

  #typedBatches(): AsyncGenerator<MiiboStreamEvent[], void, undefined> {
    const batches = miiboEventBatches(this.#response.body(), this.#decodeOptions);
    const self = this;
    // Remember the final object for collect(); one extra generator hop per network chunk, not per event.
    return (async function* () {
      for await (const batch of batches) {
        for (const event of batch) if (event.type === 'final') self.#finalResponse = event.response;
        yield batch;
      }
    })();
  }

  /** miibo's typed events. */
  events(): AsyncIterableIterator<MiiboStreamEvent> & AsyncDisposable {
    return flattenBatches(this.#typedBatches());
  }

  [Symbol.asyncIterator](): AsyncIterator<MiiboStreamEvent> {
    return this.events();
  }

  /** The answer as `AgentEvent`s; applying the text events in order gives `finish.text`. */
  agentEvents(): AgentEventStream {
    return guardAgentStream(MIIBO_PROVIDER, flattenBatches(agentEventBatches(this.#typedBatches(), { uid: this.uid })));
  }

  /**
   * Reads the whole answer. Rejects with `AgentStreamError` (keeping the partial text) when the stream
   * fails or ends without its final object, and with `AbortError` when it was cancelled.
   */
  async collect(): Promise<MiiboAnswer> {
    const answer = await collectAgentAnswer(MIIBO_PROVIDER, this.agentEvents());
    return { ...answer, response: this.#finalResponse!, uid: this.uid };
  }

  /**
   * Stops reading and closes the connection at once (sse-core's `HttpResponse.cancel()`), also in the
   * middle of a read, which then rejects with `AbortError`. Safe to call at any time, and more than once.
   */
  cancel(): Promise<void> {
    return this.#response.cancel();
  }
}
