import {
  AgentStreamError,
  collectAgentAnswer,
  type AgentEvent,
  type ByteSource,
  type CollectedAgentAnswer,
  type HttpResponse,
} from '@kakehashi/sse-core';
import { toCodeerAgentEvents } from './codeer-agent-events';
import { CODEER_PROVIDER } from './codeer-constants';
import type { CodeerChat } from './codeer-response-schemas';
import { decodeCodeerStream } from './codeer-stream-decoder';
import type { CodeerStreamEvent } from './codeer-stream-events';

/** A whole answer read from a stream: the collected `AgentEvent`s, plus the chat it belongs to. */
export interface CodeerAnswer extends CollectedAgentAnswer {
  /** The chat the message was sent to (created by `ask` / `streamChat` when none was given). */
  chatId: number;
}

/** Where a stream's bytes come from. */
interface StreamSource {
  /** The bytes (read once). */
  bytes: () => ByteSource;
  /** Stops reading and closes the connection. */
  cancel: () => Promise<void>;
  requestId?: string;
}

/**
 * An answer being streamed. Read it once, in one of these ways:
 *
 * - `for await (const event of stream)`: Codeer's own typed events ({@link CodeerStreamEvent});
 * - `stream.agentEvents()`: the normalised `AgentEvent`s (start, text-delta, step-start/end, title,
 *   finish, error);
 * - `stream.textStream()`: the answer's text pieces;
 * - `await stream.collect()`: the whole answer.
 *
 * Leaving a `for await` early, `cancel()`, or the call's `signal` closes the HTTP request.
 */
export class CodeerMessageStream implements AsyncIterable<CodeerStreamEvent> {
  /** The chat the message was sent to. */
  readonly chatId: number;
  /** The chat, when `streamChat` created it for this message. */
  readonly chat: CodeerChat | undefined;
  /** The request id from the response headers, when the server sent one. */
  readonly requestId: string | undefined;
  private readonly source: StreamSource;
  private consumed = false;

  /** @internal Created by the provider's methods. */
  constructor(source: StreamSource, chatId: number, chat?: CodeerChat) {
    this.source = source;
    this.chatId = chatId;
    this.chat = chat;
    this.requestId = source.requestId;
  }

  /** @internal A stream over a response body; `abort` aborts the call's signal (closing a body being read). */
  static fromResponse(res: HttpResponse, chatId: number, abort: () => void, chat?: CodeerChat): CodeerMessageStream {
    const cancel = async (): Promise<void> => {
      abort();
      await res.cancel();
    };
    return new CodeerMessageStream({ bytes: () => res.body(), cancel, requestId: res.requestId }, chatId, chat);
  }

  /** The platform's typed events. */
  events(): AsyncIterableIterator<CodeerStreamEvent> & AsyncDisposable {
    if (this.consumed)
      throw new Error(
        'kakehashi: this Codeer stream was already read (read it once: events, agentEvents, textStream or collect)',
      );
    this.consumed = true;
    return decodeCodeerStream(this.source.bytes());
  }

  [Symbol.asyncIterator](): AsyncIterator<CodeerStreamEvent> {
    return this.events();
  }

  /** The answer as normalised `AgentEvent`s (always ends with `finish` or `error`). */
  agentEvents(): AsyncIterableIterator<AgentEvent> {
    return toCodeerAgentEvents(this.events(), { chatId: this.chatId });
  }

  /** The answer's text, piece by piece. An in-stream error (or a cut stream) throws `AgentStreamError`. */
  async *textStream(): AsyncGenerator<string, void, undefined> {
    let text = '';
    for await (const event of this.agentEvents()) {
      if (event.type === 'text-delta') {
        text += event.delta;
        yield event.delta;
      } else if (event.type === 'error') {
        throw new AgentStreamError(CODEER_PROVIDER, event.message, {
          code: event.code,
          retryable: event.retryable,
          partialText: text,
        });
      }
    }
  }

  /** Reads the whole answer. An in-stream error (or a cut stream) rejects with `AgentStreamError` (keeping the partial text). */
  async collect(): Promise<CodeerAnswer> {
    const answer = await collectAgentAnswer(CODEER_PROVIDER, this.agentEvents());
    return { ...answer, chatId: this.chatId };
  }

  /** Stops reading and closes the connection; a read in progress rejects with `AbortError`. Safe to call at any time. */
  async cancel(): Promise<void> {
    this.consumed = true;
    await this.source.cancel();
  }
}
