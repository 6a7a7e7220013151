import { InvalidPromptError, NoSuchModelError, UnsupportedFunctionalityError } from '@ai-sdk/provider';
import { createKakehashi, kakehashi } from '@kakehashi/ai-sdk';
import { createEchoPlatform, createPlatformRegistry } from '@kakehashi/platforms';
import { AgentStreamError, InvalidArgumentError } from '@kakehashi/sse-core';
import { generateText, jsonSchema, type ModelMessage, streamText, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { joinDeltas, readParts, rejectionOf, scriptedPlatform, whenSteady } from './helpers';

const echoOnly = () =>
  createKakehashi({ platforms: createPlatformRegistry([createEchoPlatform({ steps: ['調べています'] })]) });
const prompt = (text: string) => [{ role: 'user' as const, content: [{ type: 'text' as const, text }] }];

describe('the provider', () => {
  it('makes v4 language models from the gateway model names', () => {
    const model = kakehashi('codeer/agent-1');
    expect(model.specificationVersion).toBe('v4');
    expect(model.provider).toBe('kakehashi.codeer');
    expect(model.modelId).toBe('codeer/agent-1');
    expect(kakehashi.languageModel('agenticstar').provider).toBe('kakehashi.agenticstar');
    expect(kakehashi('miibo/abc').provider).toBe('kakehashi.miibo');
  });

  it('refuses unknown platforms and empty agent ids with NoSuchModelError', () => {
    const unknown = (() => {
      try {
        kakehashi('openai/gpt-4o');
      } catch (e) {
        return e;
      }
    })();
    expect(NoSuchModelError.isInstance(unknown)).toBe(true);
    expect((unknown as Error).message).toContain('"openai" is not a platform here (agenticstar, codeer, miibo)');
    expect(() => kakehashi('codeer/')).toThrow(/agent id after "\/" is empty/);
    expect(() => kakehashi.embeddingModel('x')).toThrow(NoSuchModelError);
    expect(() => kakehashi.imageModel('x')).toThrow(NoSuchModelError);
  });

  it('checks its settings strictly, naming the field', () => {
    const bad = (settings: unknown) => {
      try {
        createKakehashi(settings as never);
      } catch (e) {
        return e as InvalidArgumentError;
      }
      throw new Error('accepted');
    };
    expect(bad({ apiKey: 'x' }).message).toMatch(/settings/);
    expect(bad({ provide: { codeor: {} } }).argument).toBe('settings.provide.codeor');
    expect(bad({ provide: { codeer: 'key' } }).argument).toBe('settings.provide.codeer');
    expect(bad({ env: { A: 1 } }).argument).toBe('settings.env');
    expect(bad({ sessionCacheSize: -1 }).argument).toBe('settings.sessionCacheSize');
    expect(bad({ platforms: {} }).argument).toBe('settings.platforms');
    expect(InvalidArgumentError.isInstance(bad({ sessionCacheSize: 1.5 }))).toBe(true);
  });

  it('serves a ready ChatAgent from provide, and refuses a platform switched off', async () => {
    const echo = createEchoPlatform({ name: 'codeer', answer: () => '代わりの答え' }).createAgent();
    const provider = createKakehashi({ provide: { codeer: echo, miibo: false } });
    expect((await generateText({ model: provider('codeer/any'), prompt: 'x' })).text).toBe('代わりの答え');
    const off = await rejectionOf(generateText({ model: provider('miibo/a'), prompt: 'x' }));
    expect(String(off)).toContain('"miibo" is switched off here');
  });

  it('reads no configuration until a model is called', async () => {
    const provider = createKakehashi({ env: {} });
    const model = provider('codeer/agent-1'); // no CODEER_API_KEY anywhere: still fine here
    const error = await rejectionOf(generateText({ model, prompt: 'こんにちは', maxRetries: 0 }));
    expect(String(error)).toContain('CODEER_API_KEY');
  });
});

describe('over the echo platform', () => {
  it('generateText answers with text, steps and metadata', async () => {
    const provider = echoOnly();
    const result = await generateText({ model: provider('echo'), prompt: '架け橋です 🌉' });
    expect(result.text).toBe('echo: 架け橋です 🌉');
    expect(result.finishReason).toBe('stop');
    expect(result.providerMetadata?.kakehashi).toMatchObject({ platform: 'echo', session: 'echo-session-1' });
    expect(result.response.modelId).toBe('echo');
    const call = result.content.find((p) => p.type === 'tool-call');
    expect(call).toMatchObject({ toolName: 'task', providerExecuted: true, dynamic: true });
    expect(call?.providerMetadata?.kakehashi).toMatchObject({ kind: 'task', title: '調べています' });
    const done = result.content.find((p) => p.type === 'tool-result');
    expect(done).toMatchObject({ toolName: 'task', output: { status: 'completed' } });
  });

  it('doStream emits the documented part sequence', async () => {
    const model = echoOnly()('echo');
    const { stream } = await model.doStream({ prompt: prompt('abcdef') });
    const parts = joinDeltas(await readParts(stream));
    expect(parts.map((p) => p.type)).toEqual([
      'stream-start',
      'response-metadata',
      'tool-call',
      'tool-result',
      'text-start',
      'text-delta',
      'text-end',
      'finish',
    ]);
    expect(parts[5]).toEqual({ type: 'text-delta', id: 'txt-1', delta: 'echo: abcdef' });
    const finish = parts.at(-1);
    expect(finish).toMatchObject({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: { inputTokens: { total: undefined }, outputTokens: { total: undefined } },
      providerMetadata: {
        kakehashi: { platform: 'echo', session: 'echo-session-1', conversationId: 'echo-session-1' },
      },
    });
  });

  it('warns about every setting it cannot honour, and still answers', async () => {
    const provider = echoOnly();
    const result = await generateText({
      model: provider('echo'),
      prompt: 'x',
      temperature: 0.2,
      maxOutputTokens: 10,
      stopSequences: ['。'],
      seed: 1,
      tools: { weather: tool({ description: 'weather', inputSchema: jsonSchema({ type: 'object' }) }) },
    });
    const features = result.warnings?.map((w) => (w.type === 'unsupported' ? w.feature : w.type));
    expect(features).toEqual(
      expect.arrayContaining(['temperature', 'maxOutputTokens', 'stopSequences', 'seed', 'tools']),
    );
    expect(result.text).toBe('echo: x');
  });

  it('refuses prompt parts the platforms cannot take with UnsupportedFunctionalityError', async () => {
    const model = echoOnly()('echo');
    const image: ModelMessage[] = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'これは何?' },
          { type: 'image', image: new Uint8Array([1, 2, 3]), mediaType: 'image/png' },
        ],
      },
    ];
    const e1 = await rejectionOf(generateText({ model, messages: image }));
    expect(UnsupportedFunctionalityError.isInstance(e1)).toBe(true);
    expect((e1 as Error).message).toContain('file parts in user messages (image/png)');

    const toolTurn: ModelMessage[] = [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: {} }] },
      {
        role: 'tool',
        content: [
          { type: 'tool-result', toolCallId: 'c1', toolName: 'weather', output: { type: 'text', value: 'sunny' } },
        ],
      },
      { role: 'user', content: 'thanks' },
    ];
    const e2 = await rejectionOf(generateText({ model, messages: toolTurn }));
    expect(UnsupportedFunctionalityError.isInstance(e2)).toBe(true);
    expect((e2 as Error).message).toContain('tool calls (the application\'s tool "weather")');
  });

  it('needs the prompt to end with a user message', async () => {
    const model = echoOnly()('echo');
    const e = await rejectionOf(async () =>
      model.doGenerate({
        prompt: [
          { role: 'user', content: [{ type: 'text', text: 'a' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'b' }] },
        ],
      }),
    );
    expect(InvalidPromptError.isInstance(e)).toBe(true);
  });

  it('checks providerOptions.kakehashi strictly', async () => {
    const model = echoOnly()('echo');
    const e = await rejectionOf(
      generateText({ model, prompt: 'x', providerOptions: { kakehashi: { sesion: 'typo' } } }),
    );
    expect(String((e as Error).message)).toContain('providerOptions.kakehashi');
    const e2 = await rejectionOf(generateText({ model, prompt: 'x', providerOptions: { kakehashi: { session: '' } } }));
    expect((e2 as InvalidArgumentError).argument).toBe('providerOptions.kakehashi.session');
  });

  it('passes each AgentEvent as a raw part when includeRawChunks is set', async () => {
    const model = echoOnly()('echo');
    const { stream } = await model.doStream({ prompt: prompt('hi'), includeRawChunks: true });
    const raw = (await readParts(stream))
      .filter((p) => p.type === 'raw')
      .map((p) => (p as { rawValue: { type: string } }).rawValue.type);
    expect(raw[0]).toBe('start');
    expect(raw.at(-1)).toBe('finish');
  });
});

describe('backpressure', () => {
  const manyDeltas = (count: number, size: number) =>
    scriptedPlatform('script', [
      { type: 'start', provider: 'script' },
      ...Array.from({ length: count }, (_, i) => ({ type: 'text-delta' as const, delta: String(i % 10).repeat(size) })),
      { type: 'finish', text: '', reason: 'stop' },
    ]);

  it('joins text deltas while the reader is behind, keeping the text whole', async () => {
    const platform = manyDeltas(200, 5);
    const model = createKakehashi({ platforms: createPlatformRegistry([platform]) })('script');
    const { stream } = await model.doStream({ prompt: prompt('x') });
    const reader = stream.getReader();
    await reader.read(); // stream-start; then the reader pauses until the platform has been read to its end
    expect(await whenSteady(() => platform.calls[0]?.yielded)).toBe(202);
    const rest: Array<{ type: string; delta?: string }> = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest.push(r.value);
    const deltas = rest.filter((p) => p.type === 'text-delta');
    expect(deltas.length).toBeLessThan(10);
    expect(deltas.map((p) => p.delta).join('')).toBe(
      Array.from({ length: 200 }, (_, i) => String(i % 10).repeat(5)).join(''),
    );
  });

  it('stops reading the platform when a reader does not read (bounded buffering)', async () => {
    const platform = manyDeltas(400, 1000); // 400,000 characters, far more than the queue holds
    const model = createKakehashi({ platforms: createPlatformRegistry([platform]) })('script');
    const { stream } = await model.doStream({ prompt: prompt('x') });
    const reader = stream.getReader();
    await reader.read();
    const read = await whenSteady(() => platform.calls[0]?.yielded ?? 0);
    expect(read).toBeLessThan(402);
    let length = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      if (r.value.type === 'text-delta') length += r.value.delta.length;
    }
    expect(length).toBe(400_000);
    expect(platform.calls[0]!.yielded).toBe(402);
  });
});

describe('sessions', () => {
  it('continue from providerOptions, and come back in providerMetadata', async () => {
    const provider = echoOnly();
    const model = provider('echo');
    const first = await generateText({ model, prompt: 'one' });
    const session = first.providerMetadata?.kakehashi?.session as string;
    const second = await generateText({ model, prompt: 'two', providerOptions: { kakehashi: { session } } });
    expect(second.providerMetadata?.kakehashi?.session).toBe(session);
    const other = await generateText({ model, prompt: 'three' });
    expect(other.providerMetadata?.kakehashi?.session).not.toBe(session);
  });

  it('continue by themselves when the history extends an earlier answer of the same instance', async () => {
    const platform = scriptedPlatform('script', (_input, n) => [
      { type: 'start', provider: 'script' },
      { type: 'text-delta', delta: `answer ${n}` },
      { type: 'finish', text: `answer ${n}`, reason: 'stop' },
    ]);
    const provider = createKakehashi({ platforms: createPlatformRegistry([platform]) });
    const model = provider('script');
    const messages: ModelMessage[] = [{ role: 'user', content: 'こんにちは' }];
    const first = await streamText({ model, messages });
    messages.push(...(await first.response).messages);
    expect(await first.text).toBe('answer 1');
    messages.push({ role: 'user', content: 'つづき' });
    const second = await streamText({ model, messages });
    await second.consumeStream();
    expect(platform.calls[1]!.input.session).toBe('script-1');
    // A different model name, or another provider instance, does not continue it.
    await generateText({ model: provider('script/other'), messages });
    expect(platform.calls[2]!.input.session).toBeUndefined();
    await generateText({
      model: createKakehashi({ platforms: createPlatformRegistry([platform]) })('script'),
      messages,
    });
    expect(platform.calls[3]!.input.session).toBeUndefined();
    // A history that was edited does not match.
    await generateText({
      model,
      messages: [
        { role: 'user', content: 'こんにちは' },
        { role: 'assistant', content: 'answer X' },
        { role: 'user', content: 'つづき' },
      ],
    });
    expect(platform.calls[4]!.input.session).toBeUndefined();
  });

  it('are forgotten least recently used first, and not kept at all with sessionCacheSize 0', async () => {
    const platform = scriptedPlatform('script', (input) => {
      const text = `re: ${input.messages.at(-1)!.content}`;
      return [
        { type: 'start', provider: 'script' },
        { type: 'text-delta', delta: text },
        { type: 'finish', text, reason: 'stop' },
      ];
    });
    const provider = createKakehashi({ platforms: createPlatformRegistry([platform]), sessionCacheSize: 2 });
    const model = provider('script');
    for (const q of ['a', 'b', 'c']) await generateText({ model, prompt: q });
    const next = (q: string) =>
      generateText({
        model,
        messages: [
          { role: 'user', content: q },
          { role: 'assistant', content: `re: ${q}` },
          { role: 'user', content: 'more' },
        ],
      });
    await next('a'); // evicted
    expect(platform.calls.at(-1)!.input.session).toBeUndefined();
    await next('c');
    expect(platform.calls.at(-1)!.input.session).toBe('script-3');

    const off = scriptedPlatform('script', () => [
      { type: 'start', provider: 'script' },
      { type: 'finish', text: '', reason: 'stop' },
    ]);
    const forgetful = createKakehashi({ platforms: createPlatformRegistry([off]), sessionCacheSize: 0 })('script');
    await generateText({ model: forgetful, prompt: 'q' });
    await generateText({
      model: forgetful,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'r' },
      ],
    });
    expect(off.calls[1]!.input.session).toBeUndefined();
  });
});

describe('rewrites, failures and aborts', () => {
  const rewrite = () =>
    scriptedPlatform('script', [
      { type: 'start', provider: 'script', uid: 'user-1' },
      { type: 'text-delta', delta: '検索して' },
      { type: 'text-delta', delta: 'います…' },
      { type: 'text-replace', text: '営業時間は9時から' },
      { type: 'text-delta', delta: 'です。' },
      { type: 'finish', text: '営業時間は9時からです。', reason: 'stop' },
    ]);

  it('streams a rewrite as a new text block that replaces the old one', async () => {
    const model = createKakehashi({ platforms: createPlatformRegistry([rewrite()]) })('script');
    const { stream } = await model.doStream({ prompt: prompt('営業時間は?') });
    const parts = joinDeltas(await readParts(stream)).filter((p) => p.type.startsWith('text'));
    expect(parts).toEqual([
      { type: 'text-start', id: 'txt-1' },
      { type: 'text-delta', id: 'txt-1', delta: '検索しています…' },
      { type: 'text-end', id: 'txt-1', providerMetadata: { kakehashi: { replaced: true } } },
      { type: 'text-start', id: 'txt-2', providerMetadata: { kakehashi: { replace: true } } },
      { type: 'text-delta', id: 'txt-2', delta: '営業時間は9時からです。' },
      { type: 'text-end', id: 'txt-2' },
    ]);
  });

  it('generateText holds only the final text of a rewrite', async () => {
    const model = createKakehashi({ platforms: createPlatformRegistry([rewrite()]) })('script');
    const result = await generateText({ model, prompt: '営業時間は?' });
    expect(result.text).toBe('営業時間は9時からです。');
    expect(result.providerMetadata?.kakehashi).toMatchObject({ rewritten: true, uid: 'user-1' });
  });

  it('continues a rewritten answer from its history (the superseded draft is left out)', async () => {
    const platform = rewrite();
    const model = createKakehashi({ platforms: createPlatformRegistry([platform]) })('script');
    const first = streamText({ model, prompt: '営業時間は?' });
    await first.consumeStream();
    const messages: ModelMessage[] = [{ role: 'user', content: '営業時間は?' }, ...(await first.response).messages];
    await generateText({ model, messages: [...messages, { role: 'user', content: '土曜日は?' }] });
    expect(platform.calls[1]!.input.session).toBe('script-1');
  });

  it('reports an in-stream error as an error part, then a finish with reason error', async () => {
    const platform = scriptedPlatform('script', [
      { type: 'start', provider: 'script' },
      { type: 'step-start', id: 's1', kind: 'search', title: '検索中' },
      { type: 'text-delta', delta: '途中' },
      { type: 'error', message: 'quota exceeded', code: 10005, retryable: false },
    ]);
    const model = createKakehashi({ platforms: createPlatformRegistry([platform]) })('script');
    const { stream } = await model.doStream({ prompt: prompt('x') });
    const parts = await readParts(stream);
    const types = parts.map((p) => p.type);
    expect(types.slice(-4)).toEqual(['text-end', 'tool-result', 'error', 'finish']);
    const error = parts.find((p) => p.type === 'error') as { error: AgentStreamError };
    expect(AgentStreamError.isInstance(error.error)).toBe(true);
    expect(error.error.code).toBe(10005);
    expect(error.error.partialText).toBe('途中');
    expect(parts.find((p) => p.type === 'tool-result')).toMatchObject({
      isError: true,
      result: { status: 'interrupted' },
    });
    expect(parts.at(-1)).toMatchObject({ finishReason: { unified: 'error', raw: '10005' } });

    const e = await rejectionOf(generateText({ model, prompt: 'x' }));
    expect(AgentStreamError.isInstance(e)).toBe(true);
    expect((e as AgentStreamError).partialText).toBe('途中');
  });

  it('reports a stream that ends without its finish signal as an error, finishing interrupted', async () => {
    const platform = scriptedPlatform('script', [
      { type: 'start', provider: 'script' },
      { type: 'text-delta', delta: 'abc' },
    ]);
    const model = createKakehashi({ platforms: createPlatformRegistry([platform]) })('script');
    const { stream } = await model.doStream({ prompt: prompt('x') });
    const parts = await readParts(stream);
    expect((parts.find((p) => p.type === 'error') as { error: AgentStreamError }).error.code).toBe('stream-cut');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'interrupted' } });
  });

  it('turns a failure after the first event into an error part (never a thrown stream)', async () => {
    const platform = scriptedPlatform('script', [
      { type: 'start', provider: 'script' },
      { type: 'text-delta', delta: 'abc' },
      { throw: new Error('socket hang up') },
    ]);
    const model = createKakehashi({ platforms: createPlatformRegistry([platform]) })('script');
    const result = streamText({ model, prompt: 'x', onError: () => {} });
    const errors: unknown[] = [];
    for await (const part of result.fullStream) if (part.type === 'error') errors.push(part.error);
    expect((errors[0] as Error).message).toBe('script stream failed: socket hang up');
  });

  it('closes the upstream at once when the abortSignal fires, and when the stream is cancelled', async () => {
    const steps: Array<{ type: 'text-delta'; delta: string } | { wait: number }> = [];
    for (let i = 0; i < 100; i++) steps.push({ type: 'text-delta', delta: `${i} ` }, { wait: 20 });
    const platform = scriptedPlatform('script', [{ type: 'start', provider: 'script' }, ...steps]);
    const model = createKakehashi({ platforms: createPlatformRegistry([platform]) })('script');

    const controller = new AbortController();
    const { stream } = await model.doStream({ prompt: prompt('x'), abortSignal: controller.signal });
    const reader = stream.getReader();
    for (;;) {
      const { value } = await reader.read();
      if (value?.type === 'text-delta') break;
    }
    controller.abort();
    const error = await rejectionOf(
      (async () => {
        for (;;) if ((await reader.read()).done) return;
      })(),
    );
    expect((error as Error).name).toBe('AbortError');
    expect(platform.calls[0]!.closed).toBe(true);

    const second = await model.doStream({ prompt: prompt('y') });
    const r2 = second.stream.getReader();
    await r2.read();
    await r2.cancel();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(platform.calls[1]!.closed).toBe(true);
  });
});
