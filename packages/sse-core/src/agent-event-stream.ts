import { applyAgentEvent, type AgentEvent, type CollectedAgentAnswer } from './agent-event';
import { AbortError, AgentStreamError, KakehashiError } from './errors';

/**
 * Wraps a provider's `AgentEvent` source with the rules every provider shares:
 *
 * - a source that ends without `finish` or `error` yields an `error` (code `stream-cut`): a cut
 *   stream is never a silent success;
 * - a failure after the first event (a reset, an idle timeout, malformed data) becomes an `error`
 *   event; a failure before any event (a 401, a 5xx after retries) is thrown, so the caller can act
 *   on its status;
 * - an abort is always thrown as `AbortError`.
 */
export async function* guardAgentStream(provider: string, source: AsyncIterable<AgentEvent>): AsyncGenerator<AgentEvent, void, undefined> {
  let started = false;
  let ended = false;
  try {
    for await (const event of source) {
      started = true;
      if (event.type === 'finish' || event.type === 'error') ended = true;
      yield event;
    }
  } catch (error) {
    if (AbortError.isInstance(error) || (error instanceof Error && error.name === 'AbortError')) throw error;
    if (!started || ended) throw error;
    ended = true;
    const k = KakehashiError.isInstance(error) ? error : undefined;
    yield {
      type: 'error',
      message: error instanceof Error ? (k ? error.message : `${provider} stream failed: ${error.message}`) : String(error),
      code: k ? ((error as { code?: string | number }).code ?? k.kind) : undefined,
      retryable: k?.retryable ?? false,
    };
    return;
  }
  if (!ended) {
    yield { type: 'error', message: `${provider} stream ended before its finish signal (connection cut?)`, code: 'stream-cut', retryable: true };
  }
}

/**
 * Reads a whole agent stream and returns the answer. An `error` event rejects with
 * {@link AgentStreamError}, which keeps the partial text.
 */
export async function collectAgentAnswer(provider: string, events: AsyncIterable<AgentEvent>): Promise<CollectedAgentAnswer> {
  const answer: CollectedAgentAnswer = { text: '', reason: 'other', steps: [], events: [] };
  let text = '';
  for await (const event of events) {
    answer.events.push(event);
    text = applyAgentEvent(text, event);
    switch (event.type) {
      case 'start':
        answer.start = event;
        break;
      case 'step-start':
      case 'step-end':
        answer.steps.push(event);
        break;
      case 'title':
        answer.title = event.title;
        break;
      case 'finish':
        answer.text = event.text;
        answer.reason = event.reason;
        if (event.usage) answer.usage = event.usage;
        return answer;
      case 'error':
        throw new AgentStreamError(provider, event.message, { code: event.code, retryable: event.retryable, partialText: text });
    }
  }
  throw new AgentStreamError(provider, 'stream ended before its finish signal', { code: 'stream-cut', retryable: true, partialText: text });
}
