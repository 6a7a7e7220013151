import {
  AgentStreamError,
  type AgentErrorEvent,
  type AgentEvent,
  type AgentStartEvent,
  type AgentStepEndEvent,
  type AgentStepStartEvent,
  collectAgentAnswer,
} from '@kakehashi/sse-core';
import { openAIFinishReason, openAIUsage, type OpenAIUsage } from './chat-completions-chunks';
import type { GatewayErrorInfo } from './chat-completions-errors';
import type { TurnObserver } from './chat-completions-hooks';
import { type KakehashiIds, kakehashiIds } from './chat-completions-ids';
import type { ChatTurn } from './chat-completions-turn';

/** A non-streamed answer in OpenAI's `chat.completion` shape, with the `kakehashi` extension. */
export interface ChatCompletionBody {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: 0;
    message: { role: 'assistant'; content: string; refusal: null };
    logprobs: null;
    finish_reason: string;
  }>;
  usage?: OpenAIUsage;
  kakehashi: KakehashiIds & {
    steps?: Array<AgentStepStartEvent | AgentStepEndEvent>;
    title?: string;
    finish_reason?: string;
  };
}

/** The outcome of reading a whole turn: the body, or the error to answer with. */
export type CollectedCompletion =
  | { ok: true; body: ChatCompletionBody; ids: KakehashiIds }
  | { ok: false; info: GatewayErrorInfo; ids: KakehashiIds };

/**
 * Reads a whole turn with sse-core's collector (the one `AgentTurn.collect()` uses), watching the
 * events go by for the hooks: the time to the first one, and the platform's own error event, which
 * says more than the collector's error. Leaving the collector (finish or error) closes the turn, and
 * after a finish sse-core lets the upstream body end so its connection is reused.
 */
async function collectObserved(chat: ChatTurn, observer: TurnObserver) {
  const turn = chat.turn;
  let failure: AgentErrorEvent | undefined;
  let start: AgentStartEvent | undefined;
  const watched: AsyncIterable<AgentEvent> = {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        turn.next().then((r) => {
          observer.firstEvent();
          if (!r.done) {
            if (r.value.type === 'error') failure = r.value;
            else if (r.value.type === 'start') start = r.value;
          }
          return r;
        }),
      return: () => turn.return?.() ?? Promise.resolve({ done: true, value: undefined }),
    }),
  };
  try {
    return { answer: await collectAgentAnswer(turn.provider, watched), failure, start };
  } catch (error) {
    if (AgentStreamError.isInstance(error)) {
      const event: AgentErrorEvent = failure ?? {
        type: 'error',
        message: 'the answer ended before its finish signal',
        code: error.code ?? 'stream-cut',
        retryable: error.retryable,
      };
      return { answer: undefined, failure: event, start };
    }
    throw error;
  }
}

/**
 * Reads a whole turn and builds one `chat.completion` object: the full text (`finish.text`), the
 * finish reason, `usage` when the platform reported it, and in `kakehashi` the ids, the agent's
 * steps and the chat title. An in-stream error or a cut stream gives an error instead.
 */
export async function collectCompletion(
  chat: ChatTurn,
  observer: TurnObserver,
  meta: { id: string; created: number; model: string },
): Promise<CollectedCompletion> {
  const platform = observer.platform;
  let collected: Awaited<ReturnType<typeof collectObserved>>;
  try {
    collected = await collectObserved(chat, observer);
  } catch (error) {
    const info = observer.failWith(chat.requestError(error));
    return { ok: false, info, ids: kakehashiIds(platform, undefined, chat.turn.session()) };
  }
  const { answer } = collected;
  if (answer === undefined) {
    const info = observer.failWithEvent(collected.failure!);
    return { ok: false, info, ids: kakehashiIds(platform, collected.start, chat.turn.session()) };
  }
  observer.close('finished');
  const reason = openAIFinishReason(answer.reason);
  const kakehashi: ChatCompletionBody['kakehashi'] = kakehashiIds(platform, answer.start, chat.turn.session());
  if (answer.steps.length > 0) kakehashi.steps = answer.steps;
  if (answer.title !== undefined) kakehashi.title = answer.title;
  if (reason.unmapped !== undefined) kakehashi.finish_reason = reason.unmapped;
  const body: ChatCompletionBody = {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answer.text, refusal: null },
        logprobs: null,
        finish_reason: reason.value,
      },
    ],
    ...(answer.usage ? { usage: openAIUsage(answer.usage) } : {}),
    kakehashi,
  };
  return { ok: true, body, ids: kakehashi };
}
