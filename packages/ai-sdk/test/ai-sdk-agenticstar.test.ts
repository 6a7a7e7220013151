import { APICallError } from '@ai-sdk/provider';
import { createKakehashi } from '@kakehashi/ai-sdk';
import type { AgentStreamError } from '@kakehashi/sse-core';
import {
  type AgenticStarSimulator,
  agenticStarDefaultAnswer,
  startAgenticStarSimulator,
  simulatorEnv,
} from '@kakehashi/testkit';
import { generateText, type ModelMessage, streamText } from 'ai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejectionOf } from './helpers';

let sim: AgenticStarSimulator;
beforeEach(async () => {
  sim = await startAgenticStarSimulator({ heartbeatIntervalMs: 0 });
});
afterEach(() => sim.close());

const providerFor = (s: AgenticStarSimulator, clientSecret = s.clientSecret) =>
  createKakehashi({
    env: { ...simulatorEnv({ agenticstar: s }), AGENTICSTAR_CLIENT_SECRET: clientSecret },
  });
const conversationIds = (s: AgenticStarSimulator) =>
  s.chatRequests.map((r) => r.json<{ conversationId?: string }>().conversationId);

describe('AgenticStar through the AI SDK', () => {
  it('generateText answers with the text, the tasks as steps and the conversation as session', async () => {
    const result = await generateText({ model: providerFor(sim)('agenticstar'), prompt: '売上を分析して' });
    expect(result.text).toBe(agenticStarDefaultAnswer('売上を分析して'));
    expect(result.finishReason).toBe('stop');
    expect(result.providerMetadata?.kakehashi).toMatchObject({ platform: 'agenticstar', session: 'conv-000001' });
    const calls = result.content.filter((p) => p.type === 'tool-call');
    expect(calls.map((c) => c.providerMetadata?.kakehashi?.title)).toEqual(['情報収集', 'データ分析']);
    const results = result.content.filter((p) => p.type === 'tool-result');
    expect(results).toHaveLength(2);
    // Text and steps keep their order: the analysis task sits between two pieces of the answer.
    expect(result.content.map((p) => p.type)).toEqual([
      'tool-call',
      'text',
      'tool-call',
      'tool-result',
      'text',
      'tool-result',
    ]);
  });

  it('streamText shows the tasks in fullStream, byte-split on the wire, with agenticstar/<agentId>', async () => {
    sim.split(1);
    const result = streamText({ model: providerFor(sim)('agenticstar/agent-42'), prompt: 'こんにちは' });
    const types: string[] = [];
    let text = '';
    for await (const part of result.fullStream) {
      types.push(part.type);
      if (part.type === 'text-delta') text += part.text;
    }
    expect(text).toBe(agenticStarDefaultAnswer('こんにちは'));
    expect(types.filter((t) => t === 'tool-call')).toHaveLength(2);
    expect(types.filter((t) => t === 'tool-result')).toHaveLength(2);
    expect(JSON.stringify(sim.chatRequests[0]!.json())).toContain('agent-42');
  });

  it('an upstream 401 from the token endpoint rejects with APICallError, without the secret', async () => {
    const error = await rejectionOf(
      generateText({ model: providerFor(sim, 'wrong-secret-abcdef123')('agenticstar'), prompt: 'x' }),
    );
    expect(APICallError.isInstance(error)).toBe(true);
    const e = error as APICallError;
    expect(e.statusCode).toBe(401);
    expect(JSON.stringify({ m: e.message, b: e.responseBody, d: e.data })).not.toContain('wrong-secret-abcdef123');
  });

  it('an in-stream error payload is an error part with its code', async () => {
    sim.configure({
      script: [{ content: 'ここまで' }, { chunk: { error: { code: 'rate_limited', message: '混み合っています' } } }],
    });
    const result = streamText({ model: providerFor(sim)('agenticstar'), prompt: 'x', onError: () => {} });
    let error: AgentStreamError | undefined;
    let text = '';
    for await (const part of result.fullStream) {
      if (part.type === 'error') error = part.error as AgentStreamError;
      if (part.type === 'text-delta') text += part.text;
    }
    expect(text).toBe('ここまで');
    expect(error?.code).toBe('rate_limited');
    expect(error?.message).toContain('混み合っています');
    expect(await result.finishReason).toBe('error');
  });

  it('aborting closes the connection at once', async () => {
    sim.stall({ afterEvents: 3 });
    const controller = new AbortController();
    const result = streamText({
      model: providerFor(sim)('agenticstar'),
      prompt: 'x',
      abortSignal: controller.signal,
      onError: () => {},
    });
    for await (const part of result.fullStream)
      if (part.type === 'tool-call' || part.type === 'text-delta') controller.abort();
    await expect(sim.chatRequests.at(-1)!.closed).resolves.toEqual({ byClient: true });
  });

  it('continues the conversation from the history by itself, or from providerOptions', async () => {
    const provider = providerFor(sim);
    const model = provider('agenticstar');
    const messages: ModelMessage[] = [{ role: 'user', content: '最初の質問' }];
    const first = streamText({ model, messages });
    await first.consumeStream();
    messages.push(...(await first.response).messages, { role: 'user', content: '次の質問' });
    await generateText({ model, messages });
    await generateText({ model, prompt: '新しい話題' });
    await generateText({ model, prompt: '戻ります', providerOptions: { kakehashi: { session: 'conv-000001' } } });
    expect(conversationIds(sim)).toEqual([undefined, 'conv-000001', undefined, 'conv-000001']);
  });
});
