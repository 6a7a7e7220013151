/**
 * The handler over platforms made from the agent contract alone (the echo platform and small probes),
 * on a bare node:http server, through the official `openai` client and raw HTTP: the wire shape,
 * message and id mapping, sessions, errors naming fields, cancellation, heartbeats, backpressure.
 */
import { connect } from 'node:net';
import { createEchoPlatform, createPlatformRegistry } from '@kakehashi/platforms';
import { InvalidArgumentError } from '@kakehashi/sse-core';
import { whenSteady } from '@kakehashi/testkit';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chatCompletionChunkSchema,
  chatCompletionSchema,
  type ChatCompletionsHandlerOptions,
  type ChatCompletionsMetrics,
  createChatCompletionsHandler,
  modelListSchema,
  openAIErrorSchema,
} from '../src/index';
import {
  errorOf,
  eventually,
  MOUNTS,
  type Mount,
  needyPlatform,
  parseSSE,
  post,
  probePlatform,
  type Served,
  serve,
  strictPlatform,
} from './harness';

const served: Served[] = [];
afterEach(async () => {
  await Promise.all(served.splice(0).map((s) => s.close()));
});

async function start(options: ChatCompletionsHandlerOptions, mount: Mount = 'node'): Promise<Served> {
  const s = await serve({ heartbeatMs: 0, ...options }, mount);
  served.push(s);
  return s;
}

function echoServer(mount: Mount = 'node', options: ChatCompletionsHandlerOptions = {}) {
  return start({ platforms: createPlatformRegistry([createEchoPlatform()]), ...options }, mount);
}

const client = (s: Served) => new OpenAI({ baseURL: s.baseURL, apiKey: 'not-checked', maxRetries: 0 });
type Extension = { kakehashi?: Record<string, unknown> };
const user = (content: unknown) => [{ role: 'user', content }];

/** Records every metrics call. */
function recordingMetrics() {
  const calls: Array<[string, ...unknown[]]> = [];
  const metrics: Required<ChatCompletionsMetrics> = {
    streamOpened: (p) => calls.push(['opened', p]),
    streamClosed: (p) => calls.push(['closed', p]),
    upstreamLatency: (p, ms) => calls.push(['latency', p, ms]),
    error: (p, kind) => calls.push(['error', p, kind]),
  };
  return { calls, metrics, count: (name: string) => calls.filter((c) => c[0] === name).length };
}

describe.each(MOUNTS)('the echo platform through the official openai client (%s mount)', (mount) => {
  it('streams: role chunk with the ids first, the text in deltas, finish_reason, and every chunk in the documented shape', async () => {
    const s = await echoServer(mount);
    const question = '東京の天気は?🌤️ 教えて';
    const stream = await client(s).chat.completions.create({
      model: 'echo',
      stream: true,
      messages: [{ role: 'user', content: question }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(`echo: ${question}`);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect((chunks[0] as Extension).kakehashi).toMatchObject({ provider: 'echo', session: 'echo-session-1' });
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    for (const chunk of chunks) expect(chatCompletionChunkSchema.safeParse(chunk).success).toBe(true);
  });

  it('answers one chat.completion when not streaming, with the ids in the body and in headers', async () => {
    const s = await echoServer(mount);
    const { data, response } = await client(s)
      .chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'こんにちは' }] })
      .withResponse();
    expect(data.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'echo: こんにちは' });
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect((data as Extension).kakehashi).toMatchObject({
      provider: 'echo',
      session: 'echo-session-1',
      conversation_id: 'echo-session-1',
    });
    expect(response.headers.get('x-kakehashi-provider')).toBe('echo');
    expect(response.headers.get('x-kakehashi-session')).toBe('echo-session-1');
    expect(response.headers.get('x-kakehashi-conversation-id')).toBe('echo-session-1');
    expect(chatCompletionSchema.safeParse(data).success).toBe(true);
  });
});

describe('sessions', () => {
  it('conversation_id, chat_id and metadata continue the session the answer named', async () => {
    const s = await start({
      platforms: createPlatformRegistry([createEchoPlatform({ answer: (_input, turn) => `turn ${turn}` })]),
    });
    const openai = client(s);
    const first = await openai.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'a' }] });
    const session = (first as Extension).kakehashi?.session as string;
    expect(first.choices[0]!.message.content).toBe('turn 1');
    const second = await openai.chat.completions.create({
      model: 'echo',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'turn 1' },
        { role: 'user', content: 'b' },
      ],
      // @ts-expect-error kakehashi extension field, sent as given by the openai client
      conversation_id: session,
    });
    expect(second.choices[0]!.message.content).toBe('turn 2');
    const third = await openai.chat.completions.create({
      model: 'echo',
      metadata: { conversation_id: session },
      messages: [{ role: 'user', content: 'c' }],
    });
    expect(third.choices[0]!.message.content).toBe('turn 3');
    expect((third as Extension).kakehashi?.session).toBe(session);
    const other = await openai.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'a' }] });
    expect(other.choices[0]!.message.content).toBe('turn 1'); // no id: a new session
  });

  it('a numeric chat_id is a session too; two different ids are refused', async () => {
    const { platform, state } = probePlatform();
    const s = await start({ platforms: createPlatformRegistry([platform]) });
    expect((await post(s.url, { model: 'probe', chat_id: 42, messages: user('hi') })).status).toBe(200);
    expect(state.inputs.at(-1)!.session).toBe('42');
    expect(
      (await post(s.url, { model: 'probe', chat_id: 42, metadata: { chat_id: '42' }, messages: user('hi') })).status,
    ).toBe(200);
    const r = await post(s.url, { model: 'probe', conversation_id: 'x', chat_id: 'y', messages: user('hi') });
    expect(r.status).toBe(400);
    expect(errorOf(r.text)).toMatchObject({ param: 'chat_id', code: 'invalid_value' });
  });
});

describe('what the platform is handed (the agent contract input)', () => {
  it('messages become AgentMessages; user → userId; the model agent → agentId', async () => {
    const { platform, state } = probePlatform();
    const s = await start({ platforms: createPlatformRegistry([platform]) });
    await client(s).chat.completions.create({
      model: 'Probe/agent-7',
      user: 'shop_user_42',
      messages: [
        { role: 'system', content: 'あなたは丁寧です' },
        { role: 'developer', content: '簡潔に' },
        {
          role: 'user',
          content: [
            { type: 'text', text: '東京の' },
            { type: 'text', text: '天気は?' },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 't1', content: '晴れ' },
        { role: 'assistant', content: '' },
        { role: 'user', content: '明日は?' },
      ],
    });
    expect(state.inputs.at(-1)).toEqual({
      messages: [
        { role: 'system', content: 'あなたは丁寧です' },
        { role: 'system', content: '簡潔に' },
        { role: 'user', content: '東京の天気は?' },
        { role: 'user', content: '明日は?' },
      ],
      agentId: 'agent-7',
      userId: 'shop_user_42',
    });
    await post(s.url, {
      model: 'probe',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'user', content: '' },
      ],
    });
    // A last empty user message is kept: whether it means anything is the platform's call.
    expect(state.inputs.at(-1)).toEqual({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'user', content: '' },
      ],
    });
  });

  it("the SDK's own input errors become 400s naming the request field", async () => {
    const s = await start({ platforms: createPlatformRegistry([strictPlatform()]) });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ conversation_id: 'abc' }, 'conversation_id'],
      [{ chat_id: 'abc' }, 'chat_id'],
      [{ metadata: { chat_id: 'abc' } }, 'metadata.chat_id'],
      [{ user: 'two words' }, 'user'],
      [{ model: 'strict/nope' }, 'model'],
      [{ messages: [{ role: 'system', content: 'only instructions' }] }, 'messages'],
    ];
    for (const [extra, param] of cases) {
      for (const stream of [false, true]) {
        const r = await post(s.url, { model: 'strict', messages: user('hi'), stream, ...extra });
        expect(r.status, `${param} (stream: ${stream})`).toBe(400);
        const error = errorOf(r.text);
        expect(error).toMatchObject({ type: 'invalid_request_error', param, code: 'invalid_value' });
        expect(error.message).toContain(param);
      }
    }
  });

  it('input errors an SDK finds on the first read are mapped the same way, streaming or not', async () => {
    const { platform } = probePlatform({
      openError: (input) =>
        input.session === 'bad'
          ? new InvalidArgumentError('input.session', 'is not a session of this platform')
          : undefined,
    });
    const s = await start({ platforms: createPlatformRegistry([platform]) });
    for (const stream of [false, true]) {
      const r = await post(s.url, { model: 'probe', stream, conversation_id: 'bad', messages: user('hi') });
      expect(r.status).toBe(400);
      expect(errorOf(r.text)).toMatchObject({ param: 'conversation_id', code: 'invalid_value' });
    }
  });
});

describe('request validation (400, OpenAI error naming the field)', () => {
  it.each([
    ['missing messages', { model: 'echo' }, 'messages', 'missing_required_parameter'],
    ['missing model', { messages: user('hi') }, 'model', 'missing_required_parameter'],
    ['empty messages', { model: 'echo', messages: [] }, 'messages', 'invalid_value'],
    [
      'a bad role',
      { model: 'echo', messages: [{ role: 'robot', content: 'hi' }] },
      'messages[0].role',
      'invalid_value',
    ],
    [
      'an image part',
      { model: 'echo', messages: user([{ type: 'image_url', image_url: { url: 'data:,' } }]) },
      'messages[0].content[0].type',
      'unsupported_value',
    ],
    ['n > 1', { model: 'echo', n: 2, messages: user('hi') }, 'n', 'unsupported_value'],
    [
      'tools',
      { model: 'echo', tools: [{ type: 'function', function: { name: 'f' } }], messages: user('hi') },
      'tools',
      'unsupported_value',
    ],
    [
      'tool_choice required',
      { model: 'echo', tool_choice: 'required', messages: user('hi') },
      'tool_choice',
      'unsupported_value',
    ],
    [
      'a JSON response format',
      { model: 'echo', response_format: { type: 'json_object' }, messages: user('hi') },
      'response_format.type',
      'unsupported_value',
    ],
    [
      'audio output',
      { model: 'echo', modalities: ['text', 'audio'], messages: user('hi') },
      'modalities[1]',
      'unsupported_value',
    ],
    ['logprobs', { model: 'echo', logprobs: true, messages: user('hi') }, 'logprobs', 'unsupported_value'],
    ['an empty user', { model: 'echo', user: '', messages: user('hi') }, 'user', 'invalid_value'],
    [
      'an empty conversation_id',
      { model: 'echo', conversation_id: '', messages: user('hi') },
      'conversation_id',
      'invalid_value',
    ],
  ])('%s', async (_name, body, param, code) => {
    const s = await echoServer();
    const r = await post(s.url, body);
    expect(r.status).toBe(400);
    const error = errorOf(r.text);
    expect(error).toMatchObject({ type: 'invalid_request_error', param, code });
    expect(error.message).toContain(param);
    expect(openAIErrorSchema.safeParse(JSON.parse(r.text)).success).toBe(true);
  });

  it('accepts what it can honour: sampling parameters, an empty tool list, tool_choice none/auto, text format', async () => {
    const s = await echoServer();
    const r = await post(s.url, {
      model: 'echo',
      temperature: 0.2,
      max_tokens: 50,
      tools: [],
      tool_choice: 'auto',
      response_format: { type: 'text' },
      modalities: ['text'],
      n: 1,
      messages: user('hi'),
    });
    expect(r.status).toBe(200);
  });

  it('a body that is not JSON, one over the limit, and other methods', async () => {
    const s = await echoServer('node', { maxBodyBytes: 1000 });
    expect(errorOf((await post(s.url, '{"model": "echo",')).text).code).toBe('invalid_json');
    const big = await post(s.url, { model: 'echo', messages: user('あ'.repeat(2000)) });
    expect(big.status).toBe(413);
    expect(errorOf(big.text).code).toBe('request_too_large');
    const get = await s.handler.completions(new Request('http://x/v1/chat/completions'));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

describe('models and platforms', () => {
  it('an unknown platform is 404 model_not_found; an empty agent id is 400', async () => {
    const s = await echoServer();
    const r = await post(s.url, { model: 'gpt-4o', messages: user('hi') });
    expect(r.status).toBe(404);
    expect(errorOf(r.text)).toMatchObject({ param: 'model', code: 'model_not_found' });
    expect(errorOf(r.text).message).toContain('echo');
    await expect(
      client(s).chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const empty = await post(s.url, { model: 'echo/', messages: user('hi') });
    expect(empty.status).toBe(400);
    expect(errorOf(empty.text).param).toBe('model');
  });

  it('a platform without its variable: 400 provider_not_configured naming it, not listed, nothing started', async () => {
    const needy = needyPlatform();
    const s = await start({ platforms: createPlatformRegistry([createEchoPlatform(), needy]), env: {} });
    const r = await post(s.url, { model: 'needy/x', messages: user('hi') });
    expect(r.status).toBe(400);
    expect(errorOf(r.text)).toMatchObject({ code: 'provider_not_configured', param: 'model' });
    expect(errorOf(r.text).message).toContain('NEEDY_API_KEY');
    const models = (await (await fetch(`${s.baseURL}/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toEqual(['echo']);
  });

  it('GET /v1/models lists each ready platform: the bare name when no agent is needed, default and extra agents', async () => {
    const s = await start({
      platforms: createPlatformRegistry([createEchoPlatform(), needyPlatform()]),
      env: { NEEDY_API_KEY: 'k' },
      models: { needy: ['other-agent'] },
    });
    const list = [];
    for await (const m of client(s).models.list()) list.push(m);
    expect(list.map((m) => m.id)).toEqual(['echo', 'needy/default-agent', 'needy/other-agent']);
    expect(list[1]).toMatchObject({ object: 'model', owned_by: 'needy' });
    const body = await (await fetch(`${s.baseURL}/models`)).json();
    expect(modelListSchema.safeParse(body).success).toBe(true);
  });

  it('a platform switched off is not listed and its models are 404', async () => {
    const s = await start({ platforms: createPlatformRegistry([createEchoPlatform(), needyPlatform()]), needy: false });
    const r = await post(s.url, { model: 'needy', messages: user('hi') });
    expect(r.status).toBe(404);
    expect(errorOf(r.text).code).toBe('model_not_found');
  });

  it('a ready ChatAgent can be provided for a platform name', async () => {
    const { platform, state } = probePlatform();
    const agent = platform.createAgent();
    const s = await start({
      platforms: createPlatformRegistry([createEchoPlatform({ name: 'mine' })]),
      provide: { mine: agent },
    });
    expect((await post(s.url, { model: 'mine', messages: user('hi') })).status).toBe(200);
    expect(state.inputs).toHaveLength(1);
  });
});

describe('options', () => {
  const platforms = createPlatformRegistry([createEchoPlatform()]);
  it('fail fast, naming the option', () => {
    expect(() => createChatCompletionsHandler({ platforms, heartbeatMs: -1 })).toThrow(/options\.heartbeatMs/);
    expect(() => createChatCompletionsHandler({ platforms, bogus: true })).toThrow(/bogus/);
    expect(() => createChatCompletionsHandler({ platforms, provide: { nope: {} } })).toThrow(/options\.provide\.nope/);
    expect(() => createChatCompletionsHandler({ platforms, models: { echo: ['has space'] } })).toThrow(
      /options\.models\.echo/,
    );
    expect(() => createChatCompletionsHandler({ platforms, echo: 'yes' })).toThrow(/options\.echo/);
    expect(() => createChatCompletionsHandler({ platforms, echo: false, provide: { echo: {} } })).toThrow(
      /given twice/,
    );
    expect(() => createChatCompletionsHandler({ platforms, timeouts: { idleMs: -5 } })).toThrow(
      /options\.timeouts\.idleMs/,
    );
  });

  it('a shared directory is used as it is, and other platform options beside it are refused', async () => {
    const { createAgentDirectory } = await import('@kakehashi/platforms');
    const directory = createAgentDirectory({ platforms });
    const handler = createChatCompletionsHandler({ directory });
    expect(handler.directory).toBe(directory);
    expect(() => createChatCompletionsHandler({ directory, env: {} })).toThrow(/options\.env/);
  });
});

describe.each(MOUNTS)('streams (%s mount)', (mount) => {
  it('a caller that disconnects mid-stream cancels the turn at once', async () => {
    const { platform, state } = probePlatform({ deltas: Number.POSITIVE_INFINITY, pauseMs: 20 });
    const rec = recordingMetrics();
    const s = await start({ platforms: createPlatformRegistry([platform]), metrics: rec.metrics }, mount);
    const controller = new AbortController();
    const stream = await client(s).chat.completions.create(
      { model: 'probe', stream: true, messages: [{ role: 'user', content: '長い作業' }] },
      { signal: controller.signal },
    );
    let text = '';
    try {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (text !== '') controller.abort();
      }
    } catch {
      // the client may end quietly or throw its abort error
    }
    expect(text).not.toBe('');
    await eventually(() => state.closed === 1 && state.aborted > 0, 2000, 'the turn to be cancelled');
    await eventually(() => rec.count('closed') === 1, 2000, 'streamClosed');
    expect(rec.count('opened')).toBe(1);
    expect(rec.count('error')).toBe(0);
  });

  it('a caller that leaves before the first event cancels the turn too', async () => {
    const { platform, state } = probePlatform({ deltas: 1, noStart: true, pauseMs: 60_000 });
    const s = await start({ platforms: createPlatformRegistry([platform]), firstEventWaitMs: 10_000 }, mount);
    const controller = new AbortController();
    const pending = fetch(`${s.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'probe', stream: true, messages: user('hi') }),
      signal: controller.signal,
    });
    await eventually(() => state.inputs.length === 1, 2000, 'the turn to start');
    await new Promise((r) => setTimeout(r, 30));
    controller.abort();
    await expect(pending).rejects.toThrow();
    await eventually(() => state.aborted > 0 && state.closed === 1, 2000, 'the turn to be cancelled');
  });

  it('heartbeat comments while the platform is silent; the official client ignores them', async () => {
    const { platform } = probePlatform({ deltas: 3, pauseMs: 120, piece: () => '休' });
    const s = await start({ platforms: createPlatformRegistry([platform]), heartbeatMs: 20 }, mount);
    const raw = await post(s.url, { model: 'probe', stream: true, messages: user('hi') });
    const { data, comments } = parseSSE(raw.text);
    expect(comments.filter((c) => c === 'heartbeat').length).toBeGreaterThanOrEqual(3);
    expect(data.at(-1)).toBe('[DONE]');
    let text = '';
    for await (const chunk of await client(s).chat.completions.create({
      model: 'probe',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    }))
      text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('休休休');
  });

  it('an error mid-stream is an OpenAI error event and no [DONE]; the official client throws it', async () => {
    const { platform } = probePlatform({
      after: [
        { type: 'text-delta', delta: '途中' },
        {
          type: 'error',
          message: '処理に失敗しました (see https://internal.example/trace)',
          code: 10005,
          retryable: false,
        },
      ],
    });
    const rec = recordingMetrics();
    const s = await start({ platforms: createPlatformRegistry([platform]), metrics: rec.metrics }, mount);
    const r = await post(s.url, { model: 'probe', stream: true, messages: user('hi') });
    expect(r.status).toBe(200);
    const { data } = parseSSE(r.text);
    const last = JSON.parse(data.at(-1)!) as { error: { message: string; type: string; code: string } };
    expect(last.error).toMatchObject({ type: 'server_error', code: '10005' });
    expect(last.error.message).toContain('処理に失敗しました');
    expect(last.error.message).not.toContain('internal.example');
    expect(data).not.toContain('[DONE]');
    expect(rec.calls).toContainEqual(['error', 'probe', 'stream_error']);
    const stream = await client(s).chat.completions.create({
      model: 'probe',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(
      (async () => {
        for await (const _ of stream) void _;
      })(),
    ).rejects.toBeInstanceOf(OpenAI.APIError);
  });

  it('a cut stream (no finish) is an error, streamed or not, never a silent success', async () => {
    const { platform } = probePlatform({ cut: true });
    const s = await start({ platforms: createPlatformRegistry([platform]) }, mount);
    const streamed = parseSSE((await post(s.url, { model: 'probe', stream: true, messages: user('hi') })).text);
    expect(JSON.parse(streamed.data.at(-1)!).error.code).toBe('stream-cut');
    const whole = await post(s.url, { model: 'probe', messages: user('hi') });
    expect(whole.status).toBe(502);
    expect(errorOf(whole.text).code).toBe('stream-cut');
  });

  it('an error as the first event is a real HTTP error with the session in a header; after start it is in-stream', async () => {
    const error = { type: 'error', message: 'quota exceeded', code: 'quota', retryable: false } as const;
    const first = probePlatform({ name: 'first', noStart: true, after: [error] });
    const later = probePlatform({ name: 'later', after: [error] });
    const s = await start(
      { platforms: createPlatformRegistry([first.platform, later.platform]), firstEventWaitMs: 5000 },
      mount,
    );
    const r = await post(s.url, { model: 'first', stream: true, messages: user('hi') });
    expect(r.status).toBe(502);
    expect(errorOf(r.text)).toMatchObject({ code: 'quota', type: 'server_error' });
    expect(r.headers.get('x-kakehashi-session')).toBe('first-s1');
    const streamed = await post(s.url, { model: 'later', stream: true, messages: user('hi') });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('x-kakehashi-session')).toBe('later-s1');
    expect(streamed.headers.get('x-kakehashi-message-id')).toBe('m-1');
    expect(JSON.parse(parseSSE(streamed.text).data.at(-1)!).error.code).toBe('quota');
  });

  it('Japanese text and surrogate pairs split into one-character deltas arrive whole', async () => {
    const text = '日本語の答え🍣と絵文字👨‍👩‍👧、改行\r\nも';
    const s = await start(
      { platforms: createPlatformRegistry([createEchoPlatform({ chunkSize: 1, answer: () => text })]) },
      mount,
    );
    let got = '';
    for await (const chunk of await client(s).chat.completions.create({
      model: 'echo',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    }))
      got += chunk.choices[0]?.delta?.content ?? '';
    expect(got).toBe(text);
  });
});

describe('the request body split at every byte offset', () => {
  it('is read whole (Japanese text, a raw socket writing it in two pieces)', async () => {
    const { platform, state } = probePlatform({ deltas: 1 });
    const s = await start({ platforms: createPlatformRegistry([platform]) });
    const payload = Buffer.from(JSON.stringify({ model: 'probe', messages: user('こんにちは、世界🌏') }));
    const port = Number(new URL(s.url).port);
    for (let cut = 0; cut <= payload.length; cut++) {
      const socket = connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (received += d));
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${payload.length}\r\n\r\n`,
      );
      socket.write(payload.subarray(0, cut));
      await new Promise((r) => setImmediate(r));
      socket.write(payload.subarray(cut)); // no half-close: the server closes (connection: close)
      await new Promise((resolve) => socket.once('close', resolve));
      expect(received, `cut at ${cut}`).toMatch(/^HTTP\/1.1 200/);
    }
    expect(state.inputs.every((i) => i.messages[0]!.content === 'こんにちは、世界🌏')).toBe(true);
    expect(state.inputs).toHaveLength(payload.length + 1);
  });
});

describe('backpressure', () => {
  it('the web stream reads the platform only as fast as the caller reads, and cancelling stops it', async () => {
    const { platform, state } = probePlatform({ deltas: 10_000 });
    const handler = createChatCompletionsHandler({ platforms: createPlatformRegistry([platform]), heartbeatMs: 0 });
    const res = await handler.completions(
      new Request('http://x/v1/chat/completions', {
        method: 'POST',
        body: JSON.stringify({ model: 'probe', stream: true, messages: user('hi') }),
      }),
    );
    const reader = res.body!.getReader();
    for (let i = 0; i < 3; i++) await reader.read();
    const pulled = state.pulled;
    await new Promise((r) => setTimeout(r, 50));
    expect(state.pulled).toBe(pulled); // nothing is read ahead of the reader
    expect(state.pulled).toBeLessThanOrEqual(4);
    await reader.cancel();
    await eventually(() => state.closed === 1, 1000, 'the turn to be closed');
  });

  it.each(MOUNTS)('over HTTP (%s mount): a caller that stops reading stops the platform reads', async (mount) => {
    const total = 3000;
    const piece = 'あ'.repeat(4000); // ~12 KB per event: more than the socket buffers hold
    const { platform, state } = probePlatform({ deltas: total, piece: () => piece });
    const s = await start({ platforms: createPlatformRegistry([platform]) }, mount);
    const payload = JSON.stringify({ model: 'probe', stream: true, messages: user('hi') });
    const socket = connect(Number(new URL(s.url).port), '127.0.0.1');
    socket.pause();
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
    );
    await eventually(() => state.pulled > 0, 3000, 'the first platform read');
    await whenSteady(() => state.pulled);
    expect(state.pulled).toBeLessThan(total / 3);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.resume();
    await eventually(() => received.includes('data: [DONE]'), 20_000, 'the end of the answer');
    expect(state.pulled).toBe(total);
    await eventually(() => state.closed === 1, 1000, 'the turn to be closed');
    socket.destroy();
  });
});

describe('hooks', () => {
  it('metrics balanced, latency measured for both kinds of answer, errors by kind; throwing hooks are ignored', async () => {
    const rec = recordingMetrics();
    const lines: string[] = [];
    const log = (fields: Record<string, unknown>, message: string) =>
      lines.push(`${message} ${JSON.stringify(fields)}`);
    const s = await echoServer('node', { metrics: rec.metrics, logger: { debug: log, warn: log, error: log } });
    const openai = client(s);
    await openai.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'a' }] });
    for await (const _ of await openai.chat.completions.create({
      model: 'echo',
      stream: true,
      messages: [{ role: 'user', content: 'b' }],
    }))
      void _;
    await expect(
      openai.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'c' }] }),
    ).rejects.toThrow();
    await eventually(() => rec.count('closed') === 2, 2000, 'two closed turns');
    expect(rec.count('opened')).toBe(2);
    expect(rec.count('latency')).toBe(2);
    expect(rec.calls).toContainEqual(['error', 'unknown', 'model_not_found']);
    expect(lines.some((l) => l.startsWith('chat completion finished'))).toBe(true);

    const boom = () => {
      throw new Error('hook failed');
    };
    const broken = await echoServer('node', {
      metrics: { streamOpened: boom, streamClosed: boom, upstreamLatency: boom, error: boom },
      logger: { debug: boom, warn: boom },
    });
    const c = await client(broken).chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(c.choices[0]!.message.content).toBe('echo: hi');
  });
});
