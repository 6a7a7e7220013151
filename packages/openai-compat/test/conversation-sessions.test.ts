/**
 * Conversations continued from their history: the digests and the lookup rule on their own, then the
 * handler with the official `openai` client sending the whole history (no ids) over a probe platform
 * that records each turn's input, and over the miibo SDK against its simulator (a rewritten answer).
 */
import { createPlatformRegistry } from '@kakehashi/platforms';
import { type AgentMessage, InvalidArgumentError } from '@kakehashi/sse-core';
import { MIIBO_REWRITE_DRAFT, startMiiboSimulator, simulatorEnv } from '@kakehashi/testkit';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChatCompletionsHandlerOptions,
  type ConversationStore,
  continuedHistory,
  conversationDigest,
  createChatCompletionsHandler,
  createConversationSessions,
  createMemoryConversationStore,
  DEFAULT_CONVERSATION_TTL_MS,
} from '../src/index';
import { MOUNTS, type Mount, probePlatform, type Served, serve } from './harness';

const served: Served[] = [];
afterEach(async () => {
  await Promise.all(served.splice(0).map((s) => s.close()));
});

async function start(options: ChatCompletionsHandlerOptions, mount: Mount = 'node'): Promise<Served> {
  const s = await serve({ heartbeatMs: 0, ...options }, mount);
  served.push(s);
  return s;
}

type Message = { role: 'system' | 'user' | 'assistant'; content: string };
type Extension = { kakehashi?: { session?: string } };
const client = (s: Served, apiKey = 'key-1') => new OpenAI({ baseURL: s.baseURL, apiKey, maxRetries: 0 });

/** A store that records every call, over the memory store. */
function recordingStore(inner: ConversationStore = createMemoryConversationStore()) {
  const calls: Array<{ op: 'get' | 'put'; namespace: string; key: string; value?: string; ttlMs?: number }> = [];
  const store: ConversationStore = {
    get: (namespace, key) => {
      calls.push({ op: 'get', namespace, key });
      return inner.get(namespace, key);
    },
    put: (namespace, key, value, ttlMs) => {
      calls.push({ op: 'put', namespace, key, value, ttlMs });
      return inner.put(namespace, key, value, ttlMs);
    },
  };
  return { store, calls };
}

/** One chat turn through the openai client, streamed or not: the answer text and the session. */
async function turn(
  openai: OpenAI,
  messages: Message[],
  stream: boolean,
  extra: Record<string, unknown> = {},
): Promise<{ text: string; session: string | undefined }> {
  if (stream) {
    let text = '';
    let session: string | undefined;
    for await (const chunk of await openai.chat.completions.create({
      model: 'probe',
      stream: true,
      messages,
      ...extra,
    })) {
      text += chunk.choices[0]?.delta?.content ?? '';
      session ??= (chunk as Extension).kakehashi?.session;
    }
    return { text, session };
  }
  const completion = await openai.chat.completions.create({ model: 'probe', messages, ...extra });
  return { text: completion.choices[0]!.message.content ?? '', session: (completion as Extension).kakehashi?.session };
}

describe('conversationDigest and continuedHistory', () => {
  const u = (content: string): AgentMessage => ({ role: 'user', content });
  const a = (content: string): AgentMessage => ({ role: 'assistant', content });
  const sys = (content: string): AgentMessage => ({ role: 'system', content });

  it('is a SHA-256 hex of model, scope, roles and texts; system messages, line ends and trimming do not count', async () => {
    const base = await conversationDigest('codeer/agent-1', [u('こんにちは'), a('はい、どうぞ。')]);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(await conversationDigest('codeer/agent-1', [u('こんにちは'), a('はい、どうぞ。')])).toBe(base);
    expect(
      await conversationDigest('codeer/agent-1', [sys('今日は月曜日'), u(' こんにちは\n'), a('はい、どうぞ。')]),
    ).toBe(base);
    expect(await conversationDigest('codeer/agent-1', [u('a\r\nb'), a('c')])).toBe(
      await conversationDigest('codeer/agent-1', [u('a\nb'), a('c')]),
    );
    const others = await Promise.all([
      conversationDigest('codeer/agent-2', [u('こんにちは'), a('はい、どうぞ。')]),
      conversationDigest('codeer/agent-1', [u('こんにちは'), a('はい、どうぞ。')], 'Bearer key-2'),
      conversationDigest('codeer/agent-1', [a('こんにちは'), u('はい、どうぞ。')]),
      conversationDigest('codeer/agent-1', [u('こんにちは'), a('はい、どうぞ')]),
      // The encoding is unambiguous: moving text between messages changes the digest.
      conversationDigest('codeer/agent-1', [u('こんにちは"],["assistant","はい、どうぞ。')]),
    ]);
    expect(new Set([base, ...others]).size).toBe(6);
    // An empty message (miibo's opening empty utterance) is not part of the conversation.
    expect(await conversationDigest('miibo', [u(''), a('いらっしゃいませ')])).toBe(
      await conversationDigest('miibo', [a('いらっしゃいませ')]),
    );
  });

  it('is the SHA-256 of the documented canonical JSON (the same on every runtime, Web Crypto or node:crypto)', async () => {
    const canonical = JSON.stringify([
      'kakehashi.conversation.v1',
      'Bearer k',
      'miibo/a',
      [
        ['user', 'こんにちは'],
        ['assistant', 'はい'],
      ],
    ]);
    const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical)));
    const expected = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
    expect(await conversationDigest('miibo/a', [u('こんにちは'), sys('x'), a('はい ')], 'Bearer k')).toBe(expected);
  });

  it('the continued history ends with the last assistant message, followed only by user (and system) messages', () => {
    expect(continuedHistory([u('q1')])).toBeUndefined();
    expect(continuedHistory([sys('s'), u('q1')])).toBeUndefined();
    expect(continuedHistory([u('q1'), a('a1'), u('q2')])).toEqual([u('q1'), a('a1')]);
    expect(continuedHistory([sys('s'), u('q1'), a('a1'), u('q2'), sys('s2'), u('q3')])).toEqual([
      sys('s'),
      u('q1'),
      a('a1'),
    ]);
    expect(continuedHistory([u('q1'), a('a1')])).toBeUndefined(); // no new user message
    expect(continuedHistory([a('hello'), u('q1')])).toEqual([a('hello')]);
  });
});

describe('createConversationSessions', () => {
  const messages: AgentMessage[] = [{ role: 'user', content: '一つ目' }];

  it('remembers a turn and finds it from the next history, with one read; a first message reads nothing', async () => {
    const { store, calls } = recordingStore();
    const sessions = createConversationSessions({ store });
    expect(sessions.ttlMs).toBe(DEFAULT_CONVERSATION_TTL_MS);
    expect(await sessions.lookup('probe', messages)).toBeUndefined();
    expect(calls).toEqual([]);
    await sessions.remember('probe', messages, '答え', 'chat-1');
    expect(calls).toEqual([
      {
        op: 'put',
        namespace: 'session',
        key: expect.stringMatching(/^[0-9a-f]{64}$/),
        value: 'chat-1',
        ttlMs: 86_400_000,
      },
    ]);
    const next: AgentMessage[] = [
      ...messages,
      { role: 'assistant', content: '答え' },
      { role: 'user', content: '二つ目' },
    ];
    expect(await sessions.lookup('probe', next)).toBe('chat-1');
    expect(calls.filter((c) => c.op === 'get')).toHaveLength(1);
    expect(await sessions.lookup('probe', next, 'another caller')).toBeUndefined();
    expect(await sessions.lookup('other-model', next)).toBeUndefined();
  });

  it('keeps no message text: keys are digests, values the sessions', async () => {
    const { store, calls } = recordingStore();
    const sessions = createConversationSessions({ store });
    await sessions.remember('probe', [{ role: 'user', content: '秘密の質問' }], '秘密の答え', 'session-9', 'Bearer k');
    expect(JSON.stringify(calls)).not.toMatch(/秘密|Bearer/);
  });

  it('remembers each of several answer texts (a rewritten stream), an empty answer none', async () => {
    const { store, calls } = recordingStore();
    const sessions = createConversationSessions({ store });
    await sessions.remember('probe', messages, ['final', 'draftfinal', 'final '], 's-1');
    expect(calls.filter((c) => c.op === 'put')).toHaveLength(2);
    for (const answer of ['final', 'draftfinal']) {
      const next: AgentMessage[] = [
        ...messages,
        { role: 'assistant', content: answer },
        { role: 'user', content: 'q' },
      ];
      expect(await sessions.lookup('probe', next)).toBe('s-1');
    }
    await sessions.remember('probe', messages, '  ', 's-2');
    expect(calls.filter((c) => c.op === 'put')).toHaveLength(2);
  });

  it('a turn is forgotten after ttlMs', async () => {
    let now = 1_000_000;
    const sessions = createConversationSessions({
      store: createMemoryConversationStore({ now: () => now }),
      ttlMs: 60_000,
    });
    await sessions.remember('probe', messages, 'a', 's-1');
    const next: AgentMessage[] = [...messages, { role: 'assistant', content: 'a' }, { role: 'user', content: 'b' }];
    now += 59_999;
    expect(await sessions.lookup('probe', next)).toBe('s-1');
    now += 1;
    expect(await sessions.lookup('probe', next)).toBeUndefined();
  });

  it('a failing or hanging store is logged and the turn goes on without it', async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const logger = { warn: (fields: Record<string, unknown>) => warnings.push(fields) };
    const failing = createConversationSessions({
      store: {
        get: async () => {
          throw new Error('database is locked');
        },
        put: async () => {
          throw new Error('disk full');
        },
      },
      logger,
    });
    const next: AgentMessage[] = [...messages, { role: 'assistant', content: 'a' }, { role: 'user', content: 'b' }];
    expect(await failing.lookup('probe', next)).toBeUndefined();
    await expect(failing.remember('probe', messages, 'a', 's')).resolves.toBeUndefined();
    expect(warnings).toEqual([
      { operation: 'lookup', error: 'database is locked' },
      { operation: 'remember', error: 'disk full' },
    ]);
    const hanging = createConversationSessions({
      store: { get: () => new Promise(() => {}), put: () => new Promise(() => {}) },
      timeoutMs: 20,
      logger,
    });
    expect(await hanging.lookup('probe', next)).toBeUndefined();
    await hanging.remember('probe', messages, 'a', 's');
    expect(warnings.slice(2).map((w) => w.error)).toEqual([
      'the conversation store took longer than 20 ms',
      'the conversation store took longer than 20 ms',
    ]);
  });

  it('refuses bad options, naming them', () => {
    expect(() => createConversationSessions({ store: {} as ConversationStore })).toThrow(InvalidArgumentError);
    expect(() => createConversationSessions({ store: {} as ConversationStore })).toThrow(/options\.store/);
    expect(() => createConversationSessions({ store: createMemoryConversationStore(), ttlMs: 0 })).toThrow(
      /options\.ttlMs/,
    );
  });
});

describe.each(MOUNTS)('the handler continues a conversation sent whole, without ids (%s mount)', (mount) => {
  it.each([false, true])('three turns, stream: %s: one platform session', async (stream) => {
    const { platform, state } = probePlatform();
    const s = await start({ platforms: createPlatformRegistry([platform]) }, mount);
    const openai = client(s);
    const history: Message[] = [{ role: 'system', content: '丁寧に' }];
    const sessions: Array<string | undefined> = [];
    for (const question of ['一つ目の質問', '二つ目の質問', '三つ目の質問']) {
      history.push({ role: 'user', content: question });
      const answer = await turn(openai, history, stream);
      sessions.push(answer.session);
      history.push({ role: 'assistant', content: answer.text });
    }
    expect(state.inputs.map((i) => i.session)).toEqual([undefined, 'probe-s1', 'probe-s1']);
    expect(sessions).toEqual(['probe-s1', 'probe-s1', 'probe-s1']);
    // The platform got the whole history each time (what it sends of it is the SDK's business).
    expect(state.inputs[2]!.messages.map((m) => m.content)).toEqual(history.slice(0, -1).map((m) => m.content));
  });
});

describe('the handler: which conversation a request continues', () => {
  it('two conversations with different first messages stay apart, and so do two API keys', async () => {
    const { platform, state } = probePlatform();
    const s = await start({ platforms: createPlatformRegistry([platform]) });
    const one = client(s);
    const a1 = await turn(one, [{ role: 'user', content: 'りんご' }], false);
    const b1 = await turn(one, [{ role: 'user', content: 'みかん' }], true);
    expect(a1.session).not.toBe(b1.session);
    const a2 = await turn(
      one,
      [
        { role: 'user', content: 'りんご' },
        { role: 'assistant', content: a1.text },
        { role: 'user', content: 'もっと' },
      ],
      true,
    );
    const b2 = await turn(
      one,
      [
        { role: 'user', content: 'みかん' },
        { role: 'assistant', content: b1.text },
        { role: 'user', content: 'もっと' },
      ],
      false,
    );
    expect([a2.session, b2.session]).toEqual([a1.session, b1.session]);
    // The same history from another API key is another caller's: a new session.
    const other = await turn(
      client(s, 'key-2'),
      [
        { role: 'user', content: 'りんご' },
        { role: 'assistant', content: a1.text },
        { role: 'user', content: 'もっと' },
      ],
      false,
    );
    expect(other.session).not.toBe(a1.session);
    expect(state.inputs.map((i) => i.session)).toEqual([undefined, undefined, a1.session, b1.session, undefined]);
  });

  it('explicit ids win: conversation_id continues what it names, user switches the lookup off', async () => {
    const { platform, state } = probePlatform();
    const { store, calls } = recordingStore();
    const s = await start({ platforms: createPlatformRegistry([platform]), conversations: store });
    const openai = client(s);
    const first = await turn(openai, [{ role: 'user', content: 'q1' }], false);
    const history: Message[] = [
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: first.text },
      { role: 'user', content: 'q2' },
    ];
    const named = await turn(openai, history, true, { conversation_id: 'chosen-session' });
    expect(named.session).toBe('chosen-session');
    await turn(openai, history, false, { user: 'end-user-7' });
    expect(state.inputs.slice(1).map((i) => [i.session, i.userId])).toEqual([
      ['chosen-session', undefined],
      [undefined, 'end-user-7'],
    ]);
    // Requests with an id neither look up nor remember.
    expect(calls.map((c) => c.op)).toEqual(['put']);
  });

  it('two requests continuing the same conversation at once both continue its session', async () => {
    const { platform, state } = probePlatform({ pauseMs: 5 });
    const s = await start({ platforms: createPlatformRegistry([platform]) });
    const openai = client(s);
    const first = await turn(openai, [{ role: 'user', content: '最初' }], false);
    const base: Message[] = [
      { role: 'user', content: '最初' },
      { role: 'assistant', content: first.text },
    ];
    const [x, y] = await Promise.all([
      turn(openai, [...base, { role: 'user', content: '枝A' }], true),
      turn(openai, [...base, { role: 'user', content: '枝B' }], false),
    ]);
    expect([x.session, y.session]).toEqual([first.session, first.session]);
    // And each branch goes on in that session.
    const xNext = await turn(
      openai,
      [
        ...base,
        { role: 'user', content: '枝A' },
        { role: 'assistant', content: x.text },
        { role: 'user', content: '続き' },
      ],
      false,
    );
    expect(xNext.session).toBe(first.session);
    expect(state.inputs.map((i) => i.session)).toEqual([undefined, first.session, first.session, first.session]);
  });

  it('conversations: false starts a new session every time', async () => {
    const { platform, state } = probePlatform();
    const s = await start({ platforms: createPlatformRegistry([platform]), conversations: false });
    const openai = client(s);
    const first = await turn(openai, [{ role: 'user', content: 'q1' }], false);
    await turn(
      openai,
      [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: first.text },
        { role: 'user', content: 'q2' },
      ],
      true,
    );
    expect(state.inputs.map((i) => i.session)).toEqual([undefined, undefined]);
  });

  it('a broken store does not fail the chat: logged, and the turn starts a new session', async () => {
    const { platform, state } = probePlatform();
    const warnings: string[] = [];
    const s = await start({
      platforms: createPlatformRegistry([platform]),
      conversations: {
        get: () => Promise.reject(new Error('connection refused')),
        put: () => Promise.reject(new Error('connection refused')),
      },
      logger: { warn: (_fields, message) => warnings.push(message) },
    });
    const openai = client(s);
    const first = await turn(openai, [{ role: 'user', content: 'q1' }], true);
    expect(first.text).toBe('0,1,2,');
    const second = await turn(
      openai,
      [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: first.text },
        { role: 'user', content: 'q2' },
      ],
      false,
    );
    expect(second.text).toBe('0,1,2,');
    expect(state.inputs.map((i) => i.session)).toEqual([undefined, undefined]);
    expect(warnings).toHaveLength(3); // remember, lookup, remember
    expect(warnings[0]).toMatch(/conversation store failed/);
  });

  it('the TTL option sets how long the store keeps a turn; the scope option groups callers', async () => {
    const { platform } = probePlatform();
    const { store, calls } = recordingStore();
    const s = await start({
      platforms: createPlatformRegistry([platform]),
      conversations: store,
      conversationTtlMs: 3_600_000,
      conversationScope: () => 'everyone',
    });
    const first = await turn(client(s, 'key-1'), [{ role: 'user', content: 'q1' }], false);
    const second = await turn(
      client(s, 'key-2'),
      [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: first.text },
        { role: 'user', content: 'q2' },
      ],
      false,
    );
    expect(second.session).toBe(first.session);
    expect(calls.find((c) => c.op === 'put')?.ttlMs).toBe(3_600_000);
  });

  it('options are checked, naming the field', () => {
    expect(() => createChatCompletionsHandler({ conversations: 'sqlite' as unknown as false })).toThrow(
      /options\.conversations/,
    );
    expect(() => createChatCompletionsHandler({ conversationTtlMs: 1.5 })).toThrow(/options\.conversationTtlMs/);
    expect(() => createChatCompletionsHandler({ conversationScope: 'x' as unknown as () => string })).toThrow(
      /options\.conversationScope/,
    );
  });
});

describe('a platform that rewrites its answer mid-stream (miibo SDK, simulator)', () => {
  it('continues whether the client kept the final text or every delta joined', async () => {
    const miibo = await startMiiboSimulator({ rewrite: true });
    try {
      const s = await start({
        env: simulatorEnv({ miibo }),
        maxRetries: 0,
      });
      const openai = client(s);
      const ask = async (messages: Message[]) => {
        let joined = '';
        let final: string | undefined;
        for await (const chunk of await openai.chat.completions.create({ model: 'miibo', stream: true, messages })) {
          joined += chunk.choices[0]?.delta?.content ?? '';
          final ??= (chunk as { kakehashi?: { text?: string } }).kakehashi?.text;
        }
        return { joined, final: final ?? joined };
      };
      const first = await ask([{ role: 'user', content: 'こんにちは' }]);
      expect(first.joined.startsWith(MIIBO_REWRITE_DRAFT)).toBe(true);
      expect(first.final).not.toBe(first.joined);
      const uid = miibo.requests.at(-1)!.json<{ uid: string }>().uid;
      for (const kept of [first.joined, first.final]) {
        await ask([
          { role: 'user', content: 'こんにちは' },
          { role: 'assistant', content: kept },
          { role: 'user', content: '続けて' },
        ]);
        expect(miibo.requests.at(-1)!.json<{ uid: string; utterance: string }>()).toMatchObject({
          uid,
          utterance: '続けて',
        });
      }
    } finally {
      await miibo.close();
    }
  });
});
