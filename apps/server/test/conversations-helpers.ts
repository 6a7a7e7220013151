/**
 * Helpers for the conversation tests: a chat turn through the official `openai` client (streamed or
 * not) and what each platform simulator saw of a conversation (its chats, uids, conversations).
 */
import OpenAI from 'openai';
import type { Simulators } from './chat-completions-harness';

export type Message = { role: 'system' | 'user' | 'assistant'; content: string };
export type Platform = 'agenticstar' | 'codeer' | 'miibo';
export const PLATFORMS: Platform[] = ['agenticstar', 'codeer', 'miibo'];

export const openaiClient = (url: string, apiKey = 'conversation-test-key') =>
  new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });

/** One turn: the answer as the client assembled it, and the session the answer named. */
export async function ask(
  openai: OpenAI,
  model: string,
  messages: Message[],
  stream: boolean,
  extra: Record<string, unknown> = {},
): Promise<{ text: string; session: string | undefined }> {
  type Extension = { kakehashi?: { session?: string } };
  if (stream) {
    let text = '';
    let session: string | undefined;
    for await (const chunk of await openai.chat.completions.create({ model, stream: true, messages, ...extra })) {
      text += chunk.choices[0]?.delta?.content ?? '';
      session ??= (chunk as Extension).kakehashi?.session;
    }
    return { text, session };
  }
  const completion = await openai.chat.completions.create({ model, messages, ...extra });
  return { text: completion.choices[0]!.message.content ?? '', session: (completion as Extension).kakehashi?.session };
}

/** Sends `questions` one after another, each with the whole history so far; returns the history and sessions. */
export async function converse(
  openai: OpenAI,
  model: string,
  questions: string[],
  stream: boolean,
  history: Message[] = [],
): Promise<{ history: Message[]; sessions: Array<string | undefined> }> {
  const sessions: Array<string | undefined> = [];
  for (const question of questions) {
    history.push({ role: 'user', content: question });
    const answer = await ask(openai, model, history, stream);
    sessions.push(answer.session);
    history.push({ role: 'assistant', content: answer.text });
  }
  return { history, sessions };
}

/** Where each simulator's records stood. */
export interface Mark {
  codeer: number;
  miibo: number;
  agenticstar: number;
  agenticstarConversations: number;
}

export function mark(sims: Simulators): Mark {
  return {
    codeer: sims.codeer.requests.length,
    miibo: sims.miibo.requests.length,
    agenticstar: sims.agenticstar.chatRequests.length,
    agenticstarConversations: sims.agenticstar.conversations.length,
  };
}

/**
 * What a platform saw since `since`: the platform session each turn went to (Codeer chat id, miibo
 * uid, AgenticStar conversation id, or `new` for a turn that started one) and how many sessions were
 * created.
 */
export function platformView(
  sims: Simulators,
  platform: Platform,
  since: Mark,
): { turns: string[]; created: number; createdIds: string[] } {
  if (platform === 'codeer') {
    const requests = sims.codeer.requests.slice(since.codeer);
    const turns = requests
      .filter((r) => r.method === 'POST' && /\/chats\/\d+\/messages$/.test(r.path))
      .map((r) => /\/chats\/(\d+)\/messages$/.exec(r.path)![1]!);
    const created = requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chats')).length;
    return { turns, created, createdIds: [...new Set(turns)] };
  }
  if (platform === 'miibo') {
    const turns = sims.miibo.requests
      .slice(since.miibo)
      .filter((r) => r.path.endsWith('/api'))
      .map((r) => r.json<{ uid: string }>().uid);
    return { turns, created: new Set(turns).size, createdIds: [...new Set(turns)] };
  }
  const turns = sims.agenticstar.chatRequests
    .slice(since.agenticstar)
    .map((r) => r.json<{ conversationId?: string }>().conversationId ?? 'new');
  const createdIds = sims.agenticstar.conversations.slice(since.agenticstarConversations).map((c) => c.conversationId);
  return { turns, created: createdIds.length, createdIds };
}
