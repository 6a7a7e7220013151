import {
  applyAgentEvent,
  type AgentStartEvent,
  type AgentStepEndEvent,
  type AgentStepStartEvent,
} from '@kakehashi/sse-core';
import {
  kakehashiIds,
  openAIFinishReason,
  openAIUsage,
  type KakehashiIds,
  type OpenAIUsage,
} from './chat-completions-chunks';
import {
  describeAgentErrorEvent,
  describeGatewayError,
  isAbort,
  type GatewayErrorInfo,
} from './chat-completions-errors';
import type { TurnObserver } from './chat-completions-hooks';
import { releaseAfterFinish, type AgentTurn } from './chat-completions-turn';

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
 * Reads a whole turn and builds one `chat.completion` object: the full text (`finish.text`), the
 * finish reason, `usage` when the platform reported it, and in `kakehashi` the ids, the agent's
 * steps and the chat title. An in-stream error or a cut stream gives an error instead.
 */
export async function collectCompletion(
  turn: AgentTurn,
  observer: TurnObserver,
  meta: { id: string; created: number; model: string },
): Promise<CollectedCompletion> {
  let start: AgentStartEvent | undefined;
  let text = '';
  let title: string | undefined;
  let finished = false;
  const steps: Array<AgentStepStartEvent | AgentStepEndEvent> = [];
  const ids = () => kakehashiIds(observer.platform, start, turn.ids);
  const fail = (info: GatewayErrorInfo, outcome: 'failed' | 'cancelled' = 'failed'): CollectedCompletion => {
    observer.close(outcome, { kind: info.kind, message: info.error.message, status: info.status });
    return { ok: false, info, ids: ids() };
  };
  try {
    for (;;) {
      const r = await turn.events.next();
      observer.firstEvent();
      if (r.done)
        return fail(
          describeAgentErrorEvent(
            {
              type: 'error',
              message: 'the answer ended before its finish signal',
              code: 'stream-cut',
              retryable: true,
            },
            observer.platform,
          ),
        );
      const event = r.value;
      text = applyAgentEvent(text, event);
      switch (event.type) {
        case 'start':
          start = event;
          break;
        case 'step-start':
        case 'step-end':
          steps.push(event);
          break;
        case 'title':
          title = event.title;
          break;
        case 'error':
          return fail(describeAgentErrorEvent(event, observer.platform));
        case 'finish': {
          finished = true;
          observer.close('finished');
          const reason = openAIFinishReason(event.reason);
          const kakehashi: ChatCompletionBody['kakehashi'] = { ...ids() };
          if (steps.length > 0) kakehashi.steps = steps;
          if (title !== undefined) kakehashi.title = title;
          if (reason.unmapped !== undefined) kakehashi.finish_reason = reason.unmapped;
          const body: ChatCompletionBody = {
            id: meta.id,
            object: 'chat.completion',
            created: meta.created,
            model: meta.model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: event.text, refusal: null },
                logprobs: null,
                finish_reason: reason.value,
              },
            ],
            ...(event.usage ? { usage: openAIUsage(event.usage) } : {}),
            kakehashi,
          };
          return { ok: true, body, ids: kakehashi };
        }
        default:
          break;
      }
    }
  } catch (error) {
    return fail(describeGatewayError(error, observer.platform), isAbort(error) ? 'cancelled' : 'failed');
  } finally {
    if (finished) releaseAfterFinish(turn.events);
    else void turn.events.return?.()?.catch(() => {});
  }
}
