import { APICallError } from '@ai-sdk/provider';
import { createKakehashi } from '@kakehashi/ai-sdk';
import { AgentStreamError } from '@kakehashi/sse-core';
import {
  CODEER_SIM_DEFAULT_ANSWER,
  type CodeerSimulator,
  startCodeerSimulator,
  simulatorEnv,
} from '@kakehashi/testkit';
import { generateText, type ModelMessage, streamText } from 'ai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejectionOf } from './helpers';

let sim: CodeerSimulator;
beforeEach(async () => {
  sim = await startCodeerSimulator();
});
afterEach(() => sim.close());

const providerFor = (s: CodeerSimulator, apiKey = s.apiKey) =>
  createKakehashi({ env: { ...simulatorEnv({ codeer: s }), CODEER_API_KEY: apiKey } });
const messagePosts = (s: CodeerSimulator) =>
  s.requests.filter((r) => r.method === 'POST' && /\/chats\/\d+\/messages$/.test(r.path)).map((r) => r.path);

describe('Codeer through the AI SDK', () => {
  it('generateText answers with the text, the reasoning step, usage and the chat as session', async () => {
    const model = providerFor(sim)(`codeer/${sim.agentId}`);
    const result = await generateText({ model, prompt: '営業時間を教えてください' });
    expect(result.text).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(result.finishReason).toBe('stop');
    expect(result.usage.inputTokens).toBe(120 + [...'営業時間を教えてください'].length);
    expect(result.usage.outputTokens).toBe([...CODEER_SIM_DEFAULT_ANSWER].length);
    expect(result.response.modelId).toBe('gpt-4o');
    const meta = result.providerMetadata?.kakehashi;
    expect(meta).toMatchObject({
      platform: 'codeer',
      session: expect.any(String),
      title: expect.stringContaining('についての質問'),
    });
    expect(String(meta?.chatId)).toBe(String(meta?.session));
    const call = result.content.find((p) => p.type === 'tool-call');
    expect(call).toMatchObject({
      toolName: 'consultant_retrieve_context_source',
      providerExecuted: true,
      input: { query: '営業時間を教えてください' },
    });
    expect(result.content.find((p) => p.type === 'tool-result')).toMatchObject({
      output: { success: true, data: '3件の関連ドキュメントが見つかりました' },
    });
  });

  it('streamText shows the step in fullStream before the text, split at every byte on the wire', async () => {
    sim.split(1);
    const model = providerFor(sim)(`codeer/${sim.agentId}`);
    const result = streamText({ model, prompt: 'こんにちは' });
    const types: string[] = [];
    let text = '';
    for await (const part of result.fullStream) {
      types.push(part.type);
      if (part.type === 'text-delta') text += part.text;
    }
    expect(text).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(types.indexOf('tool-call')).toBeLessThan(types.indexOf('text-delta'));
    expect(types).toContain('tool-result');
    expect((await result.usage).outputTokens).toBe([...CODEER_SIM_DEFAULT_ANSWER].length);
    expect((await result.providerMetadata)?.kakehashi?.session).toEqual(expect.any(String));
  });

  it('an upstream 401 rejects with APICallError, without the key', async () => {
    const model = providerFor(sim, 'sk-wrong-key-123456789')(`codeer/${sim.agentId}`);
    const error = await rejectionOf(generateText({ model, prompt: 'こんにちは' }));
    expect(APICallError.isInstance(error)).toBe(true);
    const e = error as APICallError;
    expect(e.statusCode).toBe(401);
    expect(e.isRetryable).toBe(false);
    expect(JSON.stringify({ message: e.message, body: e.responseBody, data: e.data })).not.toContain(
      'sk-wrong-key-123456789',
    );

    const streamed = streamText({ model, prompt: 'こんにちは', onError: () => {} });
    const errors: unknown[] = [];
    for await (const part of streamed.fullStream) if (part.type === 'error') errors.push(part.error);
    expect(APICallError.isInstance(errors[0])).toBe(true);
  });

  it('a mid-stream platform error is an error part with the platform code, after the partial text', async () => {
    sim.inStreamError({ afterDeltas: 2, code: 10005, message: 'LLM quota exceeded' });
    const model = providerFor(sim)(`codeer/${sim.agentId}`);
    const result = streamText({ model, prompt: 'こんにちは', onError: () => {} });
    let text = '';
    let error: AgentStreamError | undefined;
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta') text += part.text;
      if (part.type === 'error') error = part.error as AgentStreamError;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(AgentStreamError.isInstance(error)).toBe(true);
    expect(String(error!.code)).toBe('10005');
    expect(error!.message).toContain('LLM quota exceeded');
    expect(await result.finishReason).toBe('error');
  });

  it('a connection cut mid-stream is an error, finishing interrupted', async () => {
    sim.reset({ afterEvents: 4 });
    const model = providerFor(sim)(`codeer/${sim.agentId}`);
    const { stream } = await model.doStream({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] });
    const parts: Array<{ type: string; finishReason?: { unified: string } }> = [];
    for await (const part of stream as unknown as AsyncIterable<(typeof parts)[number]>) parts.push(part);
    expect(parts.map((p) => p.type)).toContain('error');
    expect(parts.at(-1)?.finishReason?.unified).toMatch(/interrupted|error/);
  });

  it('aborting closes the connection to the platform at once', async () => {
    sim.stall();
    const model = providerFor(sim)(`codeer/${sim.agentId}`);
    const controller = new AbortController();
    const result = streamText({ model, prompt: 'こんにちは', abortSignal: controller.signal, onError: () => {} });
    const seen: string[] = [];
    for await (const part of result.fullStream) {
      seen.push(part.type);
      if (part.type === 'text-delta') controller.abort();
    }
    expect(seen).toContain('abort');
    const request = sim.requests.filter((r) => /messages$/.test(r.path)).at(-1)!;
    await expect(request.closed).resolves.toEqual({ byClient: true });
  });

  it('passes the call headers and providerOptions timeouts and retries to the platform call', async () => {
    const model = providerFor(sim)(`codeer/${sim.agentId}`);
    await generateText({ model, prompt: 'x', headers: { 'x-trace-id': 'trace-123' } });
    expect(sim.requests.at(-1)!.headers['x-trace-id']).toBe('trace-123');

    sim.stall();
    const stalled = streamText({
      model,
      prompt: 'x',
      providerOptions: { kakehashi: { timeouts: { idleMs: 150 } } },
      onError: () => {},
    });
    let error: AgentStreamError | undefined;
    for await (const part of stalled.fullStream) if (part.type === 'error') error = part.error as AgentStreamError;
    expect(error?.code).toBe('timeout');

    sim.fail(1, { status: 503 });
    const noRetry = await rejectionOf(
      generateText({ model, prompt: 'x', maxRetries: 0, providerOptions: { kakehashi: { maxRetries: 0 } } }),
    );
    expect((noRetry as APICallError).statusCode).toBe(503);
    sim.fail(1, { status: 503 });
    const retried = await generateText({ model, prompt: 'x', maxRetries: 0 });
    expect(retried.text).toBe(CODEER_SIM_DEFAULT_ANSWER); // the SDK's own retry, not the AI SDK's
  });

  it('continues the chat from the history by itself: the simulator sees one chat over two turns', async () => {
    const model = providerFor(sim)(`codeer/${sim.agentId}`);
    const messages: ModelMessage[] = [{ role: 'user', content: '営業時間は?' }];
    const first = streamText({ model, messages });
    await first.consumeStream();
    messages.push(...(await first.response).messages, { role: 'user', content: '土曜日は?' });
    const second = await generateText({ model, messages });
    const posts = messagePosts(sim);
    expect(posts).toHaveLength(2);
    expect(posts[0]).toBe(posts[1]);
    expect(sim.state.chats.size).toBe(1);
    expect(second.providerMetadata?.kakehashi?.session).toBe((await first.providerMetadata)?.kakehashi?.session);
  });

  it('continues a chat named in providerOptions, and starts a new one without it', async () => {
    const provider = providerFor(sim);
    const model = provider(`codeer/${sim.agentId}`);
    const first = await generateText({ model, prompt: 'はじめまして' });
    const session = first.providerMetadata?.kakehashi?.session as string;
    await generateText({
      model: provider(`codeer/${sim.agentId}`),
      prompt: '続きです',
      providerOptions: { kakehashi: { session } },
    });
    await generateText({ model, prompt: '別の話' });
    const posts = messagePosts(sim);
    expect(posts[1]).toBe(posts[0]);
    expect(posts[2]).not.toBe(posts[0]);
    expect(posts[0]).toContain(`/chats/${session}/`);
  });
});
