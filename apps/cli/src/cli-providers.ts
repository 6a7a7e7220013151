import { createAgenticStar, type AgenticStarProvider } from '@kakehashi/agenticstar';
import { createCodeer, type CodeerProvider } from '@kakehashi/codeer';
import { createMiibo, type MiiboProvider } from '@kakehashi/miibo';
import type { AgentEvent } from '@kakehashi/sse-core';

export const CHAT_PROVIDERS = ['agenticstar', 'codeer', 'miibo'] as const;
export type ChatProviderName = (typeof CHAT_PROVIDERS)[number];

/** What carries over from one turn to the next in a session. */
export interface ChatSession {
  agent?: string;
  chat?: string;
  conversation?: string;
  uid?: string;
}

/** One chat turn as AgentEvents. Settings come from the environment (read lazily by the SDKs). */
export type ChatTurn = (message: string, session: ChatSession, signal: AbortSignal) => AsyncIterable<AgentEvent>;

/** Base URLs the demo uses to point the SDKs at its simulators; empty in normal use (env decides). */
export interface ChatProviderOverrides {
  agenticstar?: Parameters<typeof createAgenticStar>[0];
  codeer?: Parameters<typeof createCodeer>[0];
  miibo?: Parameters<typeof createMiibo>[0];
}

export function chatTurn(name: ChatProviderName, overrides: ChatProviderOverrides = {}): ChatTurn {
  switch (name) {
    case 'agenticstar': {
      let client: AgenticStarProvider | undefined;
      return (message, session, signal) => {
        client ??= createAgenticStar(overrides.agenticstar ?? {});
        return client
          .streamChat(
            {
              message,
              ...(session.conversation ? { conversationId: session.conversation } : {}),
              ...(session.agent ? { agentId: session.agent } : {}),
            },
            { signal },
          )
          .agentEvents();
      };
    }
    case 'codeer': {
      let client: CodeerProvider | undefined;
      return async function* (message, session, signal) {
        client ??= createCodeer(overrides.codeer ?? {});
        const stream = await client.streamChat(
          {
            message,
            ...(session.chat ? { chatId: session.chat } : {}),
            ...(session.agent ? { agentId: session.agent } : {}),
            ...(session.uid ? { externalUserId: session.uid } : {}),
          },
          { signal },
        );
        yield* stream.agentEvents();
      };
    }
    case 'miibo': {
      let client: MiiboProvider | undefined;
      return (message, session, signal) => {
        client ??= createMiibo(overrides.miibo ?? {});
        return client.streamAgentEvents({
          utterance: message,
          ...(session.uid ? { uid: session.uid } : {}),
          ...(session.agent ? { agentId: session.agent } : {}),
          signal,
        });
      };
    }
  }
}

/** Keeps the ids a `start` event reveals, so the next turn continues the same conversation. */
export function rememberIds(session: ChatSession, event: AgentEvent): void {
  if (event.type !== 'start') return;
  if (event.chatId) session.chat = event.chatId;
  if (event.conversationId) session.conversation = event.conversationId;
  if (event.uid) session.uid = event.uid;
}
