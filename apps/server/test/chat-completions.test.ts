/**
 * The gateway with unchanged OpenAI clients (the official `openai` package and the AI SDK's
 * openai-compatible provider), against each platform simulator on real loopback HTTP.
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { CODEER_SIM_DEFAULT_ANSWER, agenticStarDefaultAnswer, defaultMiiboAnswer } from '@kakehashi/testkit';
import { generateText, streamText } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MIIBO_TEST_AGENT,
  simulatorEnv,
  startGateway,
  startSimulators,
  type Gateway,
  type Simulators,
} from './chat-completions-harness';

let sims: Simulators;
let gw: Gateway;
let openai: OpenAI;

beforeAll(async () => {
  sims = await startSimulators();
  gw = await startGateway({ env: simulatorEnv(sims) });
  openai = new OpenAI({ baseURL: gw.baseURL, apiKey: 'not-checked-here', maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await sims?.close();
});

const QUESTION = '営業時間を教えてください';

const platforms = [
  { model: 'agenticstar', expected: () => agenticStarDefaultAnswer(QUESTION) },
  { model: 'codeer', expected: () => CODEER_SIM_DEFAULT_ANSWER },
  {
    model: 'miibo',
    expected: () => defaultMiiboAnswer({ utterance: QUESTION, uid: 'user-1', agentId: MIIBO_TEST_AGENT, body: {} }),
  },
] as const;

type Extension = { kakehashi?: Record<string, unknown> };

describe.each(platforms)('official openai client, $model', ({ model, expected }) => {
  it('streams the answer: role chunk first, content deltas, finish_reason, [DONE]', async () => {
    const stream = await openai.chat.completions.create({
      model,
      stream: true,
      stream_options: { include_usage: true },
      user: 'user-1',
      messages: [
        { role: 'system', content: 'あなたは丁寧なアシスタントです。' },
        { role: 'user', content: QUESTION },
      ],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe(expected());
    expect(chunks[0]!.object).toBe('chat.completion.chunk');
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect((chunks[0] as Extension).kakehashi).toMatchObject({ provider: model });
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish?.choices[0]?.finish_reason).toBe('stop');
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.model === model)).toBe(true);
    if (model === 'codeer') {
      // Codeer reports usage: it comes as the last chunk, with no choices.
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage?.total_tokens).toBeGreaterThan(0);
    }
  });

  it('answers one chat.completion when not streaming', async () => {
    const { data: completion, response } = await openai.chat.completions
      .create({ model, user: 'user-1', messages: [{ role: 'user', content: QUESTION }] })
      .withResponse();
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: expected() });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(response.headers.get('x-kakehashi-provider')).toBe(model);
    expect((completion as Extension).kakehashi?.provider).toBe(model);
  });
});

describe.each(platforms)('AI SDK (openai-compatible), $model', ({ model, expected }) => {
  const provider = () => createOpenAICompatible({ baseURL: gw.baseURL, name: 'kakehashi', includeUsage: true });

  it('streamText streams the answer', async () => {
    const result = streamText({
      model: provider()(model),
      system: 'あなたは丁寧なアシスタントです。',
      prompt: QUESTION,
      providerOptions: { kakehashi: { user: 'user-1' } },
      maxRetries: 0,
    });
    let text = '';
    for await (const piece of result.textStream) text += piece;
    expect(text).toBe(expected());
    expect(await result.finishReason).toBe('stop');
    if (model === 'codeer') expect((await result.usage).totalTokens).toBeGreaterThan(0);
  });

  it('generateText answers whole', async () => {
    const result = await generateText({
      model: provider()(model),
      prompt: QUESTION,
      providerOptions: { kakehashi: { user: 'user-1' } },
      maxRetries: 0,
    });
    expect(result.text).toBe(expected());
    expect(result.finishReason).toBe('stop');
    expect(result.response.headers?.['x-kakehashi-provider']).toBe(model);
  });
});

describe('platform mapping', () => {
  it('maps `user` to miibo uid and Codeer external_user_id, and the agent from the model', async () => {
    await openai.chat.completions.create({
      model: `miibo/${MIIBO_TEST_AGENT}`,
      user: 'shop_user_42',
      messages: [{ role: 'user', content: 'こんにちは' }],
    });
    const miiboBody = sims.miibo.requests.at(-1)!.json<Record<string, unknown>>();
    expect(miiboBody).toMatchObject({
      uid: 'shop_user_42',
      agent_id: MIIBO_TEST_AGENT,
      utterance: 'こんにちは',
      stream: true,
    });

    await openai.chat.completions.create({
      model: `codeer/${sims.codeer.agentId}`,
      user: 'shop_user_42',
      messages: [{ role: 'user', content: 'こんにちは' }],
    });
    const createChat = sims.codeer.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chats')).at(-1)!;
    expect(createChat.json()).toMatchObject({ agent_id: sims.codeer.agentId, external_user_id: 'shop_user_42' });
  });

  it('sends AgenticStar the messages (developer → system) and the agent id from the model', async () => {
    await openai.chat.completions.create({
      model: 'agenticstar/agent-7',
      messages: [
        { role: 'developer', content: '簡潔に' },
        {
          role: 'user',
          content: [
            { type: 'text', text: '東京の' },
            { type: 'text', text: '天気は?' },
          ],
        },
      ],
    });
    const body = sims.agenticstar.chatRequests.at(-1)!.json<Record<string, unknown>>();
    expect(body.messages).toEqual([
      { role: 'system', content: '簡潔に' },
      { role: 'user', content: '東京の天気は?' },
    ]);
    expect(body.agentId).toBe('agent-7');
  });

  it('continues an AgenticStar conversation with conversation_id, sending only the new turn', async () => {
    const first = await openai.chat.completions.create({
      model: 'agenticstar',
      messages: [{ role: 'user', content: '一つ目の質問' }],
    });
    const conversationId = (first as Extension).kakehashi?.conversation_id as string;
    expect(conversationId).toMatch(/\S/);
    const second = await openai.chat.completions.create({
      model: 'agenticstar',
      messages: [
        { role: 'user', content: '一つ目の質問' },
        { role: 'assistant', content: first.choices[0]!.message.content! },
        { role: 'user', content: '二つ目の質問' },
      ],
      // @ts-expect-error kakehashi extension field, sent as given by the openai client
      conversation_id: conversationId,
    });
    expect((second as Extension).kakehashi?.conversation_id).toBe(conversationId);
    const body = sims.agenticstar.chatRequests.at(-1)!.json<Record<string, unknown>>();
    expect(body.conversationId).toBe(conversationId);
    expect(body.messages).toEqual([{ role: 'user', content: '二つ目の質問' }]);
  });

  it('continues a Codeer chat with chat_id (AI SDK provider options), and returns it in a header', async () => {
    const provider = createOpenAICompatible({ baseURL: gw.baseURL, name: 'kakehashi' });
    const first = await generateText({ model: provider('codeer'), prompt: '最初の質問', maxRetries: 0 });
    const chatId = first.response.headers?.['x-kakehashi-chat-id'];
    expect(chatId).toMatch(/^\d+$/);
    const chatsBefore = sims.codeer.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chats')).length;
    const second = await generateText({
      model: provider('codeer'),
      prompt: '次の質問',
      providerOptions: { kakehashi: { chat_id: chatId } },
      maxRetries: 0,
    });
    expect(second.response.headers?.['x-kakehashi-chat-id']).toBe(chatId);
    const chatsAfter = sims.codeer.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chats')).length;
    expect(chatsAfter).toBe(chatsBefore); // no new chat: the message went to the same one
    expect(sims.codeer.requests.at(-1)!.path).toContain(`/chats/${chatId}/messages`);
  });

  it('accepts the ids in OpenAI `metadata` too (typed in the official client)', async () => {
    const first = await openai.chat.completions.create({
      model: 'agenticstar',
      messages: [{ role: 'user', content: 'はじめまして' }],
    });
    const conversationId = (first as Extension).kakehashi?.conversation_id as string;
    await openai.chat.completions.create({
      model: 'agenticstar',
      metadata: { conversation_id: conversationId },
      messages: [{ role: 'user', content: '続き' }],
    });
    expect(sims.agenticstar.chatRequests.at(-1)!.json<Record<string, unknown>>().conversationId).toBe(conversationId);
  });
});
