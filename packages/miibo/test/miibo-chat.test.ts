import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMiiboSimulator, DEFAULT_MIIBO_GREETING, type MiiboSimulator } from '@kakehashi/testkit';
import { ApiCallError, InvalidArgumentError, MissingConfigError, ResponseDecodeError } from '@kakehashi/sse-core';
import { createMiibo, type MiiboSettings } from '@kakehashi/miibo';
import { AGENT_ID, API_KEY, rejectionOf } from './helpers';

let sim: MiiboSimulator;
beforeEach(async () => {
  sim = await startMiiboSimulator({ apiKey: API_KEY, agentId: AGENT_ID });
});
afterEach(() => sim.close());

const client = (settings: MiiboSettings = {}) =>
  createMiibo({ baseURL: sim.url, apiKey: API_KEY, agentId: AGENT_ID, env: {}, ...settings });

describe('miibo askWithoutStreaming (non-streaming)', () => {
  it('sends every documented field in miibo wire names, the api_key in the body, and returns bestResponse.utterance', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const result = await client().askWithoutStreaming({
      utterance: 'おすすめの商品は?',
      uid: 'shop_user_001',
      state: { username: '太郎', age: '28歳' },
      startUtterance: 'はじめまして',
      base64Image: `data:image/png;base64,${png}`,
      disableAiResponse: false,
      disableHistory: true,
      thirdPartyToken: 'tp-token-abcdef123456',
    });
    const [request] = sim.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/api');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers.authorization).toBeUndefined();
    expect(request!.json()).toEqual({
      api_key: API_KEY,
      agent_id: AGENT_ID,
      utterance: 'おすすめの商品は?',
      uid: 'shop_user_001',
      state: { username: '太郎', age: '28歳' },
      start_utterance: 'はじめまして',
      base64_image: png,
      disable_ai_response: false,
      disable_history: true,
      third_party_token: 'tp-token-abcdef123456',
    });
    expect(result.text).toBe(
      '「おすすめの商品は?」ですね。かしこまりました。架け橋のmiiboシミュレーターがお答えします。本日もよろしくお願いいたします。',
    );
    expect(result.response.userState).toEqual({ username: '太郎', age: '28歳' });
    expect(result.isError).toBe(false);
    expect(sim.userState(AGENT_ID, 'shop_user_001')).toEqual({ username: '太郎', age: '28歳' });
  });

  it('never returns the echoed top-level utterance as the reply', async () => {
    await sim.close();
    sim = await startMiiboSimulator({ answer: 'ジョンと呼んでください!' });
    const result = await client().askWithoutStreaming({ utterance: 'ニックネームはなんですか?' });
    expect(result.response.utterance).toBe('ニックネームはなんですか?');
    expect(result.text).toBe('ジョンと呼んでください!');
  });

  it('strips a data: prefix from base64Image and encodes raw bytes', async () => {
    await client().askWithoutStreaming({ utterance: '画像1', base64Image: 'DATA:image/jpeg;base64,/9j/4AAQSkZJRg==' });
    await client().askWithoutStreaming({ utterance: '画像2', base64Image: new Uint8Array([0xff, 0xd8, 0xff, 0xe0]) });
    expect(sim.requests.map((r) => r.json<{ base64_image: string }>().base64_image)).toEqual([
      '/9j/4AAQSkZJRg==',
      '/9j/4A==',
    ]);
  });

  it('starts a conversation with an empty utterance and returns the greeting', async () => {
    const result = await client().startConversation({ uid: 'shop_user_002' });
    expect(sim.requests[0]!.json()).toEqual({
      api_key: API_KEY,
      agent_id: AGENT_ID,
      utterance: '',
      uid: 'shop_user_002',
    });
    expect(result.text).toBe(DEFAULT_MIIBO_GREETING);
    // askWithoutStreaming() with utterance '' is the same call.
    expect((await client().askWithoutStreaming({ utterance: '' })).text).toBe(DEFAULT_MIIBO_GREETING);
  });

  it('reads the answer of an agent with streaming on when no stream was asked (the body is sniffed)', async () => {
    sim.configure({ dataPrefix: true });
    const stream = await client().streamChat({ utterance: 'こんにちは' });
    const answer = await stream.collect();
    expect(answer.text).toContain('こんにちは');
  });

  it('surfaces isError on a 200 answer', async () => {
    sim.configure({ isError: true });
    const result = await client().askWithoutStreaming({ utterance: '混雑時' });
    expect(result.isError).toBe(true);
  });

  it('overrides agentId and apiKey per call', async () => {
    await sim.close();
    sim = await startMiiboSimulator();
    await client().askWithoutStreaming({ utterance: 'x', agentId: 'other-agent', apiKey: 'other-agent-key-123456' });
    expect(sim.requests[0]!.json()).toMatchObject({ agent_id: 'other-agent', api_key: 'other-agent-key-123456' });
  });

  it('reads credentials and base URL from the environment on first use', async () => {
    const miibo = createMiibo({
      env: { MIIBO_API_KEY: API_KEY, MIIBO_AGENT_ID: AGENT_ID, MIIBO_BASE_URL: `${sim.url}/` },
    });
    expect((await miibo.askWithoutStreaming({ utterance: 'env' })).text).toContain('env');
  });
});

describe('miibo errors', () => {
  it('rejects bad input and options with InvalidArgumentError naming the field, with zero requests sent', async () => {
    const miibo = client();
    const inputs: Array<[unknown, string]> = [
      [{}, 'input.utterance'],
      [{ utterance: 1 }, 'input.utterance'],
      [{ utterance: 'x', state: { age: 28 } }, 'input.state.age'],
      [{ utterance: 'x', base64Image: 'data:image/png;base64,@@not base64@@' }, 'input.base64Image'],
      [{ utterance: 'x', base64Image: '' }, 'input.base64Image'],
      [{ utterance: 'x', uid: '' }, 'input.uid'],
      [{ utterance: 'x', disable_history: true }, 'input.disable_history'],
      [{ utterance: 'x', stream: true }, 'input.stream'],
      [{ utterance: 'x', signal: new AbortController().signal }, 'input.signal'],
    ];
    const options: Array<[unknown, string]> = [
      [{ timeouts: { idleMs: -1 } }, 'options.timeouts.idleMs'],
      [{ headers: { 'bad header': 'v' } }, 'options.headers.bad header'],
      [{ headers: { 'x-ok': 'a\r\nx-evil: 1' } }, 'options.headers.x-ok'],
      [{ signal: 'stop' }, 'options.signal'],
      [{ signal: [new AbortController().signal, 1] }, 'options.signal'],
      [{ maxRetries: 1.5 }, 'options.maxRetries'],
      [{ uid: 'u' }, 'options.uid'],
    ];
    const calls = [
      (i: unknown, o?: unknown) => miibo.askWithoutStreaming(i as never, o as never),
      (i: unknown, o?: unknown) => miibo.streamChat(i as never, o as never),
      (i: unknown, o?: unknown) => miibo.ask(i as never, o as never),
    ];
    const cases: Array<[unknown, unknown, string]> = [
      ...inputs.map(([i, field]): [unknown, unknown, string] => [i, undefined, field]),
      ...options.map(([o, field]): [unknown, unknown, string] => [{ utterance: 'x' }, o, field]),
    ];
    for (const [input, opts, field] of cases) {
      for (const call of calls) {
        const error = await rejectionOf(call(input, opts));
        expect(InvalidArgumentError.isInstance(error), `${field}: ${String(error)}`).toBe(true);
        expect((error as InvalidArgumentError).argument).toBe(field);
      }
    }
    const hinted = (await rejectionOf(
      miibo.askWithoutStreaming({ utterance: 'x', disable_history: true } as never),
    )) as InvalidArgumentError;
    expect(hinted.message).toContain('did you mean "disableHistory"');
    const misplaced = (await rejectionOf(
      miibo.streamChat({ utterance: 'x', signal: new AbortController().signal } as never),
    )) as InvalidArgumentError;
    expect(misplaced.message).toContain('second argument');
    const misplacedInput = (await rejectionOf(
      miibo.streamChat({ utterance: 'x' }, { uid: 'u' } as never),
    )) as InvalidArgumentError;
    expect(misplacedInput.message).toContain('first argument');
    const start = (await rejectionOf(miibo.startConversation({ utterance: 'x' } as never))) as InvalidArgumentError;
    expect(start.argument).toBe('input.utterance');
    expect(sim.requests).toHaveLength(0);
  });

  it('rejects bad settings at once, naming the setting', () => {
    expect(() => createMiibo({ baseUrl: 'http://x' } as never)).toThrow(/settings\.baseUrl.*did you mean "baseURL"/);
    expect(() => createMiibo({ baseURL: 'ftp://x' })).toThrow(/settings\.baseURL/);
    expect(() => createMiibo({ minIntervalMs: -5 })).toThrow(/settings\.minIntervalMs/);
  });

  it('throws MissingConfigError naming the environment variable, before any request', async () => {
    const noKey = await rejectionOf(
      createMiibo({ baseURL: sim.url, agentId: AGENT_ID, env: {} }).askWithoutStreaming({ utterance: 'x' }),
    );
    expect(MissingConfigError.isInstance(noKey)).toBe(true);
    expect((noKey as MissingConfigError).envVar).toBe('MIIBO_API_KEY');
    expect((noKey as Error).message).toContain('MIIBO_API_KEY');
    const noAgent = await rejectionOf(
      createMiibo({ baseURL: sim.url, apiKey: API_KEY, env: {} }).streamChat({ utterance: 'x' }),
    );
    expect((noAgent as MissingConfigError).envVar).toBe('MIIBO_AGENT_ID');
    const turn = createMiibo({ baseURL: sim.url, apiKey: API_KEY, env: {} }).startTurn({
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(((await rejectionOf(turn.next())) as MissingConfigError).envVar).toBe('MIIBO_AGENT_ID');
    expect(sim.requests).toHaveLength(0);
  });

  it('keeps the API key out of every error, even when the server echoes it', async () => {
    const wrongKey = 'wrong-agent-key-9f8e7d6c5b4a';
    const error = await rejectionOf(client({ apiKey: wrongKey }).askWithoutStreaming({ utterance: 'x' }));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).status).toBe(401);
    expect(sim.requests[0]!.json<{ api_key: string }>().api_key).toBe(wrongKey);
    const shown = [
      String(error),
      (error as Error).message,
      (error as ApiCallError).bodyExcerpt,
      JSON.stringify(error),
      (error as Error).stack,
    ].join('\n');
    expect(shown).not.toContain(wrongKey);
    expect(shown).not.toContain(API_KEY);
    expect((error as ApiCallError).bodyExcerpt).toContain('[REDACTED]');
  });

  it('reports a 200 body that is not a miibo answer as ResponseDecodeError', async () => {
    await sim.close();
    sim = await startMiiboSimulator({ answer: 'unused' });
    const { startScriptedServer } = await import('@kakehashi/testkit');
    const odd = await startScriptedServer(() => ({
      headers: { 'content-type': 'application/json' },
      body: '{"message":"ok"}',
    }));
    try {
      const error = await rejectionOf(
        createMiibo({ baseURL: odd.url, apiKey: API_KEY, agentId: AGENT_ID, env: {} }).askWithoutStreaming({
          utterance: 'x',
        }),
      );
      expect(ResponseDecodeError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('bestResponse.utterance');
    } finally {
      await odd.close();
    }
  });
});
