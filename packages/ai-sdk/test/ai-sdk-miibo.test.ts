import { APICallError } from '@ai-sdk/provider';
import { answerText, createKakehashi, withoutReplacedText } from '@kakehashi/ai-sdk';
import { MIIBO_REWRITE_DRAFT, type MiiboSimulator, startMiiboSimulator, simulatorEnv } from '@kakehashi/testkit';
import { generateText, type ModelMessage, streamText } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { rejectionOf } from './helpers';

const API_KEY = 'sim-miibo-key-0123456789abcdef';
const AGENT_ID = 'agent-0b1c2d3e';
const ANSWER = 'こんにちは!架け橋のデモです。日本語で少しずつお答えします🌸';

let sim: MiiboSimulator;
afterEach(() => sim.close());

const start = async (options: Parameters<typeof startMiiboSimulator>[0] = {}) => {
  sim = await startMiiboSimulator({ apiKey: API_KEY, agentId: AGENT_ID, answer: ANSWER, ...options });
  return sim;
};
const modelOf = (s: MiiboSimulator, apiKey = API_KEY) =>
  createKakehashi({ env: { ...simulatorEnv({ miibo: s }), MIIBO_API_KEY: apiKey } })(`miibo/${AGENT_ID}`);
const uids = (s: MiiboSimulator) =>
  s.requests.filter((r) => r.path === '/api').map((r) => r.json<{ uid: string }>().uid);

describe('miibo through the AI SDK', () => {
  it('generateText answers with the text and the uid as session', async () => {
    await start();
    const result = await generateText({ model: modelOf(sim), prompt: 'こんにちは' });
    expect(result.text).toBe(ANSWER);
    expect(result.finishReason).toBe('stop');
    expect(result.usage.inputTokens).toBeUndefined();
    expect(result.providerMetadata?.kakehashi?.session).toBe(uids(sim)[0]);
  });

  it('streamText streams the snapshots as deltas, byte-split on the wire', async () => {
    await start();
    sim.split(1);
    const result = streamText({ model: modelOf(sim), prompt: 'こんにちは' });
    const deltas: string[] = [];
    for await (const part of result.fullStream) if (part.type === 'text-delta') deltas.push(part.text);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(ANSWER);
    expect(await result.finishReason).toBe('stop');
  });

  it('streams a rewrite as a replacing text block; generateText keeps only the final text', async () => {
    await start({ rewrite: true });
    const result = streamText({ model: modelOf(sim), prompt: '営業時間は?' });
    const parts: Array<{ type: string; providerMetadata?: unknown }> = [];
    for await (const part of result.fullStream)
      if (part.type === 'text-start' || part.type === 'text-end') parts.push(part);
    expect(parts.map((p) => [p.type, p.providerMetadata])).toEqual([
      ['text-start', undefined],
      ['text-end', { kakehashi: { replaced: true } }],
      ['text-start', { kakehashi: { replace: true } }],
      ['text-end', undefined],
    ]);
    const content = await result.content;
    expect(content.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text)).toEqual([
      MIIBO_REWRITE_DRAFT,
      ANSWER,
    ]);
    expect(answerText(content)).toBe(ANSWER);
    expect(withoutReplacedText(content)).toHaveLength(1);
    expect((await result.providerMetadata)?.kakehashi?.rewritten).toBe(true);

    const generated = await generateText({ model: modelOf(sim), prompt: '営業時間は?' });
    expect(generated.text).toBe(ANSWER);
  });

  it('an upstream 401 rejects with APICallError, without the key', async () => {
    await start();
    const error = await rejectionOf(generateText({ model: modelOf(sim, 'sk-miibo-wrong-987654321'), prompt: 'x' }));
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).statusCode).toBe(401);
    const e = error as APICallError;
    expect(JSON.stringify({ m: e.message, b: e.responseBody, d: e.data })).not.toContain('sk-miibo-wrong-987654321');
  });

  it('a platform error on the final object finishes with reason error; a cut stream is an error part', async () => {
    await start({ isError: true });
    const failed = streamText({ model: modelOf(sim), prompt: 'x' });
    await failed.consumeStream();
    expect(await failed.finishReason).toBe('error');

    sim.set({ isError: undefined }).reset(3);
    const cut = streamText({ model: modelOf(sim), prompt: 'x', onError: () => {} });
    const errors: unknown[] = [];
    for await (const part of cut.fullStream) if (part.type === 'error') errors.push(part.error);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/miibo stream failed/);
  });

  it('aborting closes the connection to miibo at once', async () => {
    await start();
    sim.stall(2);
    const controller = new AbortController();
    const result = streamText({ model: modelOf(sim), prompt: 'x', abortSignal: controller.signal, onError: () => {} });
    for await (const part of result.fullStream) if (part.type === 'text-delta') controller.abort();
    await expect(sim.requests.at(-1)!.closed).resolves.toEqual({ byClient: true });
  });

  it('keeps one uid over two turns continued from the history, and continues a uid given as session', async () => {
    await start();
    const model = modelOf(sim);
    const messages: ModelMessage[] = [{ role: 'user', content: 'はじめまして' }];
    const first = await generateText({ model, messages });
    messages.push(...first.response.messages, { role: 'user', content: '続きです' });
    const second = streamText({ model, messages });
    await second.consumeStream();
    const [a, b] = uids(sim);
    expect(b).toBe(a);

    await generateText({ model, prompt: '新しい会話', providerOptions: { kakehashi: { session: 'my-user-42' } } });
    expect(uids(sim).at(-1)).toBe('my-user-42');
    await generateText({ model, prompt: '別の人', providerOptions: { kakehashi: { userId: 'user-7' } } });
    expect(uids(sim).at(-1)).toBe('user-7');
  });
});
