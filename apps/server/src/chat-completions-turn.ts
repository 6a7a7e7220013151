import type { AgenticStarChatInput, AgenticStarMessage } from '@kakehashi/agenticstar';
import type { CodeerChatInput } from '@kakehashi/codeer';
import type { MiiboChatOptions } from '@kakehashi/miibo';
import { InvalidArgumentError, type AgentEvent } from '@kakehashi/sse-core';
import { ChatRequestError } from './chat-completions-errors';
import type { ModelTarget } from './chat-completions-model';
import type { ChatCompletionsPlatforms } from './chat-completions-platforms';
import type { ChatCompletionsRequest, ChatMessage } from './chat-completions-request';

/** Ids of a turn known before its first event: the chat Codeer answers in, the miibo uid, the requested conversation. */
export interface TurnIds {
  conversationId?: string;
  chatId?: string;
  uid?: string;
}

/** One upstream agent turn, read as `AgentEvent`s. */
export interface AgentTurn {
  /** The events; the first `next()` sends (or awaits) the upstream request. Read once. */
  readonly events: AsyncIterator<AgentEvent>;
  /** Ids known before the first event (filled in as the turn opens). */
  readonly ids: TurnIds;
  /**
   * Cancels the upstream request at once, even while a `next()` is pending (a pending `next()` then
   * rejects with an `AbortError`). Safe to call more than once.
   */
  abort(reason?: unknown): void;
}

/** SDK argument paths → the request field the caller should fix. */
const PARAM_OF_ARGUMENT: Record<string, string> = {
  'input.messages': 'messages',
  'input.message': 'messages',
  'input.conversationId': 'conversation_id',
  'input.chatId': 'chat_id',
  'input.externalUserId': 'user',
  'input.agentId': 'model',
  'options.utterance': 'messages',
  'options.uid': 'user',
  'options.agentId': 'model',
};

/** Turns an SDK's `InvalidArgumentError` about the caller's input into a 400 naming the request field. */
function asRequestError(error: unknown): unknown {
  if (!InvalidArgumentError.isInstance(error)) return error;
  const key = Object.keys(PARAM_OF_ARGUMENT).find((k) => error.argument === k || error.argument.startsWith(`${k}.`));
  if (key === undefined) return error;
  const param = PARAM_OF_ARGUMENT[key]!;
  return new ChatRequestError(`Invalid value for '${param}': ${error.reason}.`, { param, code: 'invalid_value' });
}

/** The text of the last `user` message (`''` if it has none). */
export function lastUserText(messages: readonly ChatMessage[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === 'user') return messages[i]!.text;
  return undefined;
}

/**
 * AgenticStar takes OpenAI-style messages. `developer` becomes `system`; `tool`/`function` messages and
 * empty ones are left out. When a conversation is continued, the platform already holds the history,
 * so only the messages after the last assistant message are sent.
 */
export function agenticStarMessages(messages: readonly ChatMessage[], continuing: boolean): AgenticStarMessage[] {
  let from = 0;
  if (continuing) {
    for (let i = messages.length - 1; i >= 0; i--) {
      if (messages[i]!.role === 'assistant') {
        from = i + 1;
        break;
      }
    }
  }
  const out: AgenticStarMessage[] = [];
  for (let i = from; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.text === '') continue;
    if (m.role === 'user' || m.role === 'assistant' || m.role === 'system') out.push({ role: m.role, content: m.text });
    else if (m.role === 'developer') out.push({ role: 'system', content: m.text });
  }
  if (!out.some((m) => m.role === 'user')) {
    throw new ChatRequestError(
      "Invalid value for 'messages': a user message with text is required (after the last assistant message when continuing a conversation).",
      {
        param: 'messages',
      },
    );
  }
  return out;
}

function requireUserText(messages: readonly ChatMessage[], allowEmpty: boolean): string {
  const text = lastUserText(messages);
  if (text === undefined || (!allowEmpty && text.trim() === '')) {
    throw new ChatRequestError(
      "Invalid value for 'messages': the last user message must have text (it is what the agent answers).",
      { param: 'messages' },
    );
  }
  return text;
}

/** Wraps an async event source opened by `open` so that SDK input errors become request errors. */
async function* opened(open: () => Promise<AsyncIterable<AgentEvent>>): AsyncGenerator<AgentEvent, void, undefined> {
  let source: AsyncIterable<AgentEvent>;
  try {
    source = await open();
  } catch (error) {
    throw asRequestError(error);
  }
  yield* source;
}

/**
 * Starts one agent turn for a request, through the platform's SDK:
 *
 * - AgenticStar: the messages ({@link agenticStarMessages}), `conversation_id` to continue, the agent
 *   id from the model;
 * - Codeer: the last user message; `chat_id` continues a chat (without it the SDK creates one);
 *   `user` → `external_user_id`;
 * - miibo: the last user message as `utterance` (`''` starts a conversation); `user` → `uid`
 *   (miibo keeps the history per uid).
 *
 * Nothing is sent until the first `next()` (Codeer and miibo) or it is sent lazily by the SDK
 * (AgenticStar). Bad input throws here, before anything is sent.
 */
export function openAgentTurn(
  platforms: ChatCompletionsPlatforms,
  target: ModelTarget,
  request: ChatCompletionsRequest,
): AgentTurn {
  const controller = new AbortController();
  const signal = controller.signal;
  const ids: TurnIds = {};
  switch (target.platform) {
    case 'agenticstar': {
      const provider = platforms.provider('agenticstar');
      const input: AgenticStarChatInput = {
        messages: agenticStarMessages(request.messages, request.conversationId !== undefined),
      };
      if (request.conversationId !== undefined) input.conversationId = ids.conversationId = request.conversationId;
      if (target.agentId !== undefined) input.agentId = target.agentId;
      let stream;
      try {
        stream = provider.streamChat(input, { signal });
      } catch (error) {
        throw asRequestError(error);
      }
      const events = stream.agentEvents();
      return {
        events,
        ids,
        abort(reason) {
          controller.abort(reason);
          void stream.cancel();
        },
      };
    }
    case 'codeer': {
      const provider = platforms.provider('codeer');
      const input: CodeerChatInput = { message: requireUserText(request.messages, false) };
      if (target.agentId !== undefined) input.agentId = target.agentId;
      if (request.user !== undefined) input.externalUserId = request.user;
      if (request.chatId !== undefined) {
        input.chatId = request.chatId;
        ids.chatId = String(request.chatId);
      }
      const events = opened(async () => {
        const stream = await provider.streamChat(input, { signal });
        ids.chatId = String(stream.chatId);
        return stream.agentEvents();
      });
      return { events, ids, abort: (reason) => controller.abort(reason) };
    }
    case 'miibo': {
      const provider = platforms.provider('miibo');
      const options: MiiboChatOptions = { utterance: requireUserText(request.messages, true), signal };
      if (target.agentId !== undefined) options.agentId = target.agentId;
      if (request.user !== undefined) options.uid = ids.uid = request.user;
      const events = opened(async () => (await provider.streamChat(options)).agentEvents());
      return { events, ids, abort: (reason) => controller.abort(reason) };
    }
  }
}

/**
 * Releases a turn's events after its `finish`: reads on (in the background) until the platform's
 * body ends, so the upstream connection goes back to the keep-alive pool instead of being cut; if it
 * has not ended within `graceMs` (or after a few more events), closes it. Never throws.
 */
export function releaseAfterFinish(events: AsyncIterator<AgentEvent>, graceMs = 2000): void {
  void (async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(resolve, graceMs, 'late');
      timer.unref?.();
    });
    try {
      for (let i = 0; i < 8; i++) {
        const r = await Promise.race([events.next(), late]);
        if (r === 'late') break;
        if (r.done) return;
      }
      await events.return?.();
    } catch {
      // The body failed after the answer was complete: nothing to report.
    } finally {
      clearTimeout(timer);
    }
  })();
}
