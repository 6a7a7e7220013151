import { answerText, createKakehashi, type KakehashiProvider } from '@kakehashi/ai-sdk';
import { withoutReplacedText } from '@kakehashi/ai-sdk/ui';
import { createEchoPlatform, createPlatformRegistry } from '@kakehashi/platforms';
import {
  CODEER_SIM_DEFAULT_ANSWER,
  type CodeerSimulator,
  MIIBO_REWRITE_DRAFT,
  startCodeerSimulator,
  startMiiboSimulator,
  simulatorEnv,
} from '@kakehashi/testkit';
import {
  convertToModelMessages,
  type DynamicToolUIPart,
  parseJsonEventStream,
  readUIMessageStream,
  streamText,
  type TextUIPart,
  type UIMessage,
  type UIMessageChunk,
  uiMessageChunkSchema,
} from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { type Route, serveRoute, TestChat } from './helpers';

/** The route handler of the README (`app/api/chat/route.ts`), for a given provider and model. */
const chatRoute = (provider: KakehashiProvider, modelId: string) => async (request: Request) => {
  const { messages }: { messages: UIMessage[] } = await request.json();
  const result = streamText({ model: provider(modelId), messages: await convertToModelMessages(messages) });
  return result.toUIMessageStreamResponse({
    onError: (error) => (error instanceof Error ? error.message : String(error)),
  });
};

/** What `useChat` does with a response body: parse the SSE chunks, then build the message. */
async function lastMessageOf(response: Response): Promise<UIMessage> {
  const chunks = parseJsonEventStream({ stream: response.body!, schema: uiMessageChunkSchema }).pipeThrough(
    new TransformStream({
      transform(chunk, controller) {
        if (!chunk.success) throw chunk.error;
        controller.enqueue(chunk.value as UIMessageChunk);
      },
    }),
  );
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream: chunks, terminateOnError: true })) last = message;
  return last!;
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('toUIMessageStreamResponse, read back as useChat reads it', () => {
  it('gives a message with the agent step as a dynamic tool part and the answer as text (Codeer)', async () => {
    const sim = await startCodeerSimulator();
    cleanups.push(() => sim.close());
    const provider = createKakehashi({ env: simulatorEnv({ codeer: sim }) });
    const result = streamText({ model: provider(`codeer/${sim.agentId}`), prompt: '営業時間は?' });
    const message = await lastMessageOf(result.toUIMessageStreamResponse());
    expect(message.role).toBe('assistant');
    const tool = message.parts.find((p): p is DynamicToolUIPart => p.type === 'dynamic-tool');
    expect(tool).toMatchObject({
      toolName: 'consultant_retrieve_context_source',
      state: 'output-available',
      providerExecuted: true,
      input: { query: '営業時間は?' },
      output: { success: true },
      callProviderMetadata: { kakehashi: { title: 'ナレッジベースを検索中' } },
    });
    const text = message.parts.filter((p): p is TextUIPart => p.type === 'text');
    expect(text.map((p) => p.text).join('')).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(text.every((p) => p.state === 'done')).toBe(true);
  });

  it('carries a miibo rewrite as a replacing text part that the ui helpers apply', async () => {
    const sim = await startMiiboSimulator({
      apiKey: 'k-123456789',
      agentId: 'a-1',
      answer: '営業時間は9時からです。',
      rewrite: true,
    });
    cleanups.push(() => sim.close());
    const provider = createKakehashi({ env: simulatorEnv({ miibo: sim }) });
    const result = streamText({ model: provider('miibo/a-1'), prompt: '営業時間は?' });
    const message = await lastMessageOf(result.toUIMessageStreamResponse());
    const texts = message.parts.filter((p): p is TextUIPart => p.type === 'text');
    expect(texts.map((p) => [p.text, p.providerMetadata])).toEqual([
      [MIIBO_REWRITE_DRAFT, { kakehashi: { replaced: true } }],
      ['営業時間は9時からです。', { kakehashi: { replace: true } }],
    ]);
    expect(answerText(message.parts)).toBe('営業時間は9時からです。');
    expect(withoutReplacedText(message.parts).filter((p) => p.type === 'text')).toHaveLength(1);
  });

  it('a platform refusal reaches the client as an error chunk with the message from onError', async () => {
    const sim = await startCodeerSimulator();
    cleanups.push(() => sim.close());
    const provider = createKakehashi({
      env: { ...simulatorEnv({ codeer: sim }), CODEER_API_KEY: 'sk-wrong-0000000000' },
    });
    const response = await chatRoute(
      provider,
      `codeer/${sim.agentId}`,
    )(
      new Request('http://127.0.0.1/api/chat', {
        method: 'POST',
        body: JSON.stringify({ messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'x' }] }] }),
      }),
    );
    const error = await lastMessageOf(response).catch((e: unknown) => e);
    expect(String(error)).toMatch(/codeer API call failed: .*401|HTTP 401/);
    expect(String(error)).not.toContain('sk-wrong-0000000000');
  });
});

describe('useChat (AbstractChat + DefaultChatTransport) against a route over loopback', () => {
  let route: Route;
  afterEach(() => route?.close());

  it('streams two turns; the second continues the same Codeer chat without the client knowing any id', async () => {
    const sim: CodeerSimulator = await startCodeerSimulator();
    cleanups.push(() => sim.close());
    const provider = createKakehashi({ env: simulatorEnv({ codeer: sim }) });
    route = await serveRoute(chatRoute(provider, `codeer/${sim.agentId}`));
    const chat = new TestChat(`${route.url}/api/chat`);

    await chat.sendMessage({ text: '営業時間は?' });
    expect(chat.status).toBe('ready');
    const answer = chat.messages[1]!;
    expect(answer.parts.some((p) => p.type === 'dynamic-tool')).toBe(true);
    expect(answerText(answer.parts)).toBe(CODEER_SIM_DEFAULT_ANSWER);

    await chat.sendMessage({ text: '土曜日は?' });
    expect(chat.status).toBe('ready');
    expect(chat.messages).toHaveLength(4);
    const posts = sim.requests.filter((r) => r.method === 'POST' && /\/chats\/\d+\/messages$/.test(r.path));
    expect(posts).toHaveLength(2);
    expect(posts[1]!.path).toBe(posts[0]!.path);
    expect(sim.state.chats.size).toBe(1);
  });

  it('keeps one miibo uid over two turns even when the first answer was rewritten', async () => {
    const sim = await startMiiboSimulator({
      apiKey: 'k-123456789',
      agentId: 'a-1',
      answer: 'はい、どうぞ。',
      rewrite: true,
    });
    cleanups.push(() => sim.close());
    const provider = createKakehashi({ env: simulatorEnv({ miibo: sim }) });
    route = await serveRoute(chatRoute(provider, 'miibo/a-1'));
    const chat = new TestChat(`${route.url}/api/chat`);
    await chat.sendMessage({ text: 'こんにちは' });
    expect(chat.messages[1]!.parts.filter((p) => p.type === 'text')).toHaveLength(2); // draft + rewrite
    await chat.sendMessage({ text: 'もう一度' });
    const uids = sim.requests.filter((r) => r.path === '/api').map((r) => r.json<{ uid: string }>().uid);
    expect(uids).toHaveLength(2);
    expect(uids[1]).toBe(uids[0]);
  });

  it('works over the echo platform too, and stop() ends the answer early', async () => {
    const provider = createKakehashi({
      platforms: createPlatformRegistry([createEchoPlatform({ delayMs: 5, chunkSize: 1, steps: ['準備'] })]),
    });
    route = await serveRoute(chatRoute(provider, 'echo'));
    const chat = new TestChat(`${route.url}/api/chat`);
    await chat.sendMessage({ text: 'こんにちは' });
    expect(answerText(chat.messages[1]!.parts)).toBe('echo: こんにちは');

    const long = chat.sendMessage({ text: 'あ'.repeat(500) });
    for (let i = 0; i < 1000 && answerText(chat.messages[3]?.parts ?? []).length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await chat.stop();
    await long;
    expect(answerText(chat.messages[3]!.parts).length).toBeLessThan('echo: '.length + 500);
  });
});
