import type { AgentMessage } from '@kakehashi/sse-core';
import type { ChatMessage } from './chat-completions-request';

/**
 * OpenAI messages as the agent contract's `AgentMessage`s: `developer` becomes `system`; `tool` and
 * `function` messages are left out (the platforms run their own tools), and so are empty messages,
 * except a last user message, which is kept as it is: whether an empty one means something is the
 * platform's call (miibo starts a conversation with it, the others refuse it, naming `messages`).
 * Which of the messages a platform sends (all of them, only the new ones when a session continues,
 * or the last user message) is the SDK's business.
 */
export function agentMessages(messages: readonly ChatMessage[]): AgentMessage[] {
  const out: AgentMessage[] = [];
  const last = messages.length - 1;
  for (let i = 0; i <= last; i++) {
    const m = messages[i]!;
    if (m.text === '' && !(i === last && m.role === 'user')) continue;
    switch (m.role) {
      case 'user':
      case 'assistant':
      case 'system':
        out.push({ role: m.role, content: m.text });
        break;
      case 'developer':
        out.push({ role: 'system', content: m.text });
        break;
      default:
        break; // tool and function results: nothing a platform takes
    }
  }
  return out;
}
