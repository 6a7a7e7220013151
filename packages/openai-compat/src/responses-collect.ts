import type { AgentErrorEvent, AgentFinishEvent } from '@kakehashi/sse-core';
import type { GatewayErrorInfo } from './chat-completions-errors';
import type { TurnObserver } from './chat-completions-hooks';
import type { ChatTurn } from './chat-completions-turn';
import type { ResponseBody, ResponseWriter } from './responses-writer';

/** The outcome of reading a whole turn: the finished response, or the error to answer with. */
export type CollectedResponse =
  | { ok: true; body: ResponseBody; finish: AgentFinishEvent }
  | { ok: false; info: GatewayErrorInfo };

const CUT: AgentErrorEvent = {
  type: 'error',
  message: 'the answer ended before its finish signal',
  code: 'stream-cut',
  retryable: true,
};

/**
 * Reads a whole turn through the same {@link ResponseWriter} the stream uses (without writing
 * events), so a whole answer and a streamed one build the same `response` object: the message,
 * the agent's steps as `reasoning` items, usage, status. An in-stream error or a cut stream is an
 * error; leaving (finish or error) closes the turn, and after a finish sse-core lets the upstream
 * body end so its connection is reused.
 */
export async function collectResponse(
  chat: ChatTurn,
  observer: TurnObserver,
  writer: ResponseWriter,
): Promise<CollectedResponse> {
  const fail = (info: GatewayErrorInfo): CollectedResponse => {
    void chat.turn.return?.()?.catch(() => {});
    return { ok: false, info };
  };
  try {
    for (;;) {
      const r = await chat.turn.next();
      observer.firstEvent();
      if (r.done) return fail(observer.failWithEvent(CUT));
      const event = r.value;
      if (event.type === 'error') return fail(observer.failWithEvent(event));
      if (event.type === 'finish') {
        writer.finish(event);
        void chat.turn.return?.()?.catch(() => {});
        return { ok: true, body: writer.body(), finish: event };
      }
      writer.write(event);
    }
  } catch (error) {
    return fail(observer.failWith(chat.requestError(error)));
  }
}
