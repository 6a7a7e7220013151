import {
  InvalidPromptError,
  type LanguageModelV4Message,
  type LanguageModelV4Prompt,
  UnsupportedFunctionalityError,
} from '@ai-sdk/provider';
import type { AgentMessage } from '@kakehashi/sse-core';
import { isReplacingText } from './kakehashi-replaced-text';

/**
 * Turns an AI SDK prompt into the agent contract's messages: text only, because the chat platforms
 * take text only.
 *
 * - system messages pass as they are (platforms that take none keep their agent's own instructions);
 * - a user message's text parts are joined with a newline;
 * - an assistant message's text parts are joined as they are (an answer split around its steps), and
 *   a part marked as replacing the text so far (a miibo rewrite) drops the parts before it;
 * - consecutive assistant messages become one;
 * - what the agent did on its own and has already answered with is left out: reasoning, and the
 *   provider-executed tool calls and results this provider reports as agent steps;
 * - everything a platform cannot take is an {@link UnsupportedFunctionalityError}: files and images,
 *   tool calls the application would run, tool results and approvals, custom parts of other providers.
 *
 * @throws InvalidPromptError when the prompt does not end with a user message.
 */
export function toAgentMessages(prompt: LanguageModelV4Prompt, platform: string): AgentMessage[] {
  const out: AgentMessage[] = [];
  for (let i = 0; i < prompt.length; i++) {
    const message = prompt[i]!;
    const content = contentOf(message, i, platform);
    const previous = out.at(-1);
    if (message.role === 'assistant' && previous?.role === 'assistant') previous.content += content;
    else out.push({ role: message.role as AgentMessage['role'], content });
  }
  if (out.at(-1)?.role !== 'user') {
    throw new InvalidPromptError({
      prompt,
      message: `${platform} answers the user's latest message: the prompt must end with a user message`,
    });
  }
  return out;
}

function unsupported(platform: string, what: string, index: number): never {
  throw new UnsupportedFunctionalityError({
    functionality: what,
    message: `${platform} takes text messages only: ${what} (prompt message ${index}) cannot be sent to it`,
  });
}

function contentOf(message: LanguageModelV4Message, index: number, platform: string): string {
  switch (message.role) {
    case 'system':
      return message.content;
    case 'user': {
      let text = '';
      let first = true;
      for (const part of message.content) {
        if (part.type !== 'text') {
          unsupported(platform, `file parts in user messages (${part.mediaType})`, index);
        }
        text = first ? part.text : `${text}\n${part.text}`;
        first = false;
      }
      return text;
    }
    case 'assistant': {
      let text = '';
      for (const part of message.content) {
        switch (part.type) {
          case 'text':
            text = isReplacingText(part.providerOptions) ? part.text : text + part.text;
            break;
          case 'reasoning':
          case 'reasoning-file':
            break;
          case 'tool-call':
            if (part.providerExecuted !== true) {
              unsupported(platform, `tool calls (the application's tool "${part.toolName}")`, index);
            }
            break;
          case 'tool-result':
            break; // in an assistant message: the result of a provider-executed call (an agent step)
          case 'custom':
            if (!part.kind.startsWith('kakehashi.')) unsupported(platform, `custom parts (${part.kind})`, index);
            break;
          case 'file':
            unsupported(platform, `file parts in assistant messages (${part.mediaType})`, index);
            break;
          default:
            unsupported(platform, `${(part as { type: string }).type} parts`, index);
        }
      }
      return text;
    }
    case 'tool':
      return unsupported(platform, 'tool results and approvals (tool messages)', index);
    default:
      return unsupported(platform, `${(message as { role: string }).role} messages`, index);
  }
}
