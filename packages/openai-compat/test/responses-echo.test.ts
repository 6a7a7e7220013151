/**
 * The Responses API handler over the echo platform and small platforms built from the contract,
 * through the official `openai` client and raw HTTP: the object, the event sequence, stored
 * responses, previous_response_id, input items, honest parameters, failures mid-stream, the store.
 */
import { createEchoPlatform, defaultPlatforms } from '@kakehashi/platforms';
import { type AgentEvent, type AgentPlatform, createAgentTurn } from '@kakehashi/sse-core';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ConversationStore,
  createMemoryConversationStore,
  openAIErrorSchema,
  type ResponseBody,
  type ResponsesHandlerOptions,
  responseObjectSchema,
  responseStreamEventSchema,
} from '../src/index';
import { errorOf, eventually, MOUNTS, type Mount, probePlatform, strictPlatform } from './harness';
import {
  openaiClient,
  parseResponseEvents,
  postResponses,
  type ServedResponses,
  serveResponses,
} from './responses-harness';

const served: ServedResponses[] = [];
afterEach(async () => {
  await Promise.all(served.splice(0).map((s) => s.close()));
});

async function start(options: ResponsesHandlerOptions = {}, mount: Mount = 'node'): Promise<ServedResponses> {
  const s = await serveResponses(
    { platforms: defaultPlatforms.with(createEchoPlatform({ steps: ['調べています'] })), heartbeatMs: 0, ...options },
    mount,
  );
  served.push(s);
  return s;
}

/** A platform whose every turn is `start` and then `events`, as given. */
function scriptedPlatform(name: string, events: AgentEvent[]): AgentPlatform {
  let n = 0;
  return {
    name,
    title: name,
    envVars: [],
    status: () => ({ ready: true, defaultAgentId: undefined, agentOptional: true }),
    createAgent: () => ({
      provider: name,
      startTurn(input) {
        const session = input.session ?? `${name}-${++n}`;
        return createAgentTurn({
          provider: name,
          session,
          open: () =>
            (async function* () {
              yield { type: 'start', provider: name, conversationId: session } as AgentEvent;
              yield* events;
            })(),
        });
      },
    }),
  };
}

async function probe(options: Parameters<typeof probePlatform>[0] = {}, extra: ResponsesHandlerOptions = {}) {
  const p = probePlatform(options);
  const s = await start({ platforms: defaultPlatforms.with(p.platform), ...extra });
  return { ...p, s };
}

const EXPECTED_SEQUENCE = [
  'response.created',
  'response.in_progress',
  // the echo platform's one step, before the text
  'response.output_item.added',
  'response.reasoning_summary_part.added',
  'response.reasoning_summary_text.delta',
  'response.reasoning_summary_text.done',
  'response.reasoning_summary_part.done',
  'response.output_item.done',
  // the answer
  'response.output_item.added',
  'response.content_part.added',
  'response.output_text.delta',
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.completed',
];

describe.each(MOUNTS)('POST /v1/responses (%s mount)', (mount) => {
  it('a whole answer: the response object, output_text, usage absent, metadata echoed', async () => {
    const s = await start({}, mount);
    const response = await openaiClient(s).responses.create({
      model: 'echo',
      input: 'こんにちは、世界',
      metadata: { ticket: 'T-1' },
    });
    expect(response.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('echo: こんにちは、世界');
    expect(response.metadata).toEqual({ ticket: 'T-1' });
    expect(response.previous_response_id).toBeNull();
    const [step, message] = response.output;
    expect(step).toMatchObject({
      type: 'reasoning',
      status: 'completed',
      summary: [{ type: 'summary_text', text: '調べています' }],
    });
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: 'echo: こんにちは、世界', annotations: [] }],
    });
    expect(responseObjectSchema.safeParse(response).success).toBe(true);
    expect((response as unknown as ResponseBody).kakehashi).toMatchObject({
      provider: 'echo',
      session: 'echo-session-1',
    });
  });

  it('a stream: the documented event sequence, numbered from 0, each `event:` naming its type', async () => {
    const s = await start({}, mount);
    const r = await postResponses(s.url, { model: 'echo', input: 'ストリーム', stream: true });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/event-stream');
    expect(r.headers.get('x-kakehashi-provider')).toBe('echo');
    const events = parseResponseEvents(r.text);
    const collapsed = events
      .map((e) => e.data.type)
      .filter((t, i, all) => t !== all[i - 1] || t !== 'response.output_text.delta');
    expect(collapsed).toEqual(EXPECTED_SEQUENCE);
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    for (const e of events) {
      expect(e.event).toBe(e.data.type);
      expect(responseStreamEventSchema.safeParse(e.data).success, e.data.type).toBe(true);
    }
    const deltas = events.filter((e) => e.data.type === 'response.output_text.delta').map((e) => e.data.delta);
    expect(deltas.join('')).toBe('echo: ストリーム');
    const completed = events.at(-1)!.data.response as ResponseBody;
    expect(completed.output_text).toBe('echo: ストリーム');
    expect(completed.status).toBe('completed');
    expect(completed.id).toBe((events[0]!.data.response as ResponseBody).id);
  });

  it('the openai client reads the stream: raw events and the strict responses.stream() accumulator', async () => {
    const s = await start({}, mount);
    const openai = openaiClient(s);
    const raw = await openai.responses.create({ model: 'echo', input: '生のイベント', stream: true });
    let text = '';
    let last: string | undefined;
    for await (const event of raw) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      last = event.type;
    }
    expect(text).toBe('echo: 生のイベント');
    expect(last).toBe('response.completed');
    const stream = openai.responses.stream({ model: 'echo', input: '蓄積' });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('echo: 蓄積');
    expect(final.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
  });
});

describe('stored responses and previous_response_id', () => {
  it('GET /v1/responses/{id} returns a stored response, streamed or not; store: false is not kept', async () => {
    const s = await start();
    const openai = openaiClient(s);
    const whole = await openai.responses.create({ model: 'echo', input: 'a' });
    expect((await openai.responses.retrieve(whole.id)).output_text).toBe('echo: a');
    const stream = openai.responses.stream({ model: 'echo', input: 'b' });
    const streamed = await stream.finalResponse();
    const fetched = await openai.responses.retrieve(streamed.id);
    expect(fetched.output_text).toBe('echo: b');
    expect(fetched.status).toBe('completed');

    const unstored = await openai.responses.create({ model: 'echo', input: 'c', store: false });
    expect((unstored as unknown as ResponseBody).store).toBe(false);
    const missing = await openai.responses.retrieve(unstored.id).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).message).toContain(unstored.id);
    const cannot = await openai.responses
      .create({ model: 'echo', input: 'd', previous_response_id: unstored.id })
      .catch((e: unknown) => e);
    expect(cannot).toBeInstanceOf(OpenAI.BadRequestError);
    expect((cannot as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('previous_response_id');
  });

  it('previous_response_id continues the platform session of that response, streamed or not', async () => {
    const { s, state } = await probe({ deltas: 1, piece: () => 'ok' });
    const openai = openaiClient(s);
    const first = await openai.responses.create({ model: 'probe', input: '一つ目' });
    const second = await openai.responses
      .stream({ model: 'probe', input: '二つ目', previous_response_id: first.id })
      .finalResponse();
    await openai.responses.create({ model: 'probe', input: '三つ目', previous_response_id: second.id });
    expect(state.inputs.map((i) => i.session)).toEqual([undefined, 'probe-s1', 'probe-s1']);
    expect(state.inputs[1]!.messages).toEqual([{ role: 'user', content: '二つ目' }]);
    expect(second.previous_response_id).toBe(first.id);
  });

  it('an unknown previous_response_id, or one answered by another model, is a 400 naming it; nothing is sent', async () => {
    const { s, state } = await probe();
    const openai = openaiClient(s);
    const unknown = await postResponses(s.url, { model: 'probe', input: 'x', previous_response_id: 'resp_nope' });
    expect(unknown.status).toBe(400);
    expect(errorOf(unknown.text)).toMatchObject({ param: 'previous_response_id', code: 'previous_response_not_found' });
    expect(errorOf(unknown.text).message).toContain('resp_nope');
    const first = await openai.responses.create({ model: 'probe', input: 'x' });
    const other = await postResponses(
      s.url,
      { model: 'probe/agent-2', input: 'y', previous_response_id: first.id },
      { headers: { authorization: 'Bearer x' } },
    );
    expect(other.status).toBe(400);
    expect(errorOf(other.text)).toMatchObject({ param: 'previous_response_id', code: 'invalid_value' });
    const messageId = first.output.find((o) => o.type === 'message')!.id!;
    const item = await postResponses(
      s.url,
      { model: 'probe', input: 'y', previous_response_id: messageId },
      { headers: { authorization: 'Bearer x' } },
    );
    expect(errorOf(item.text)).toMatchObject({ param: 'previous_response_id', code: 'previous_response_not_found' });
    const reference = await postResponses(
      s.url,
      { model: 'probe', input: [{ type: 'item_reference', id: first.id }] },
      { headers: { authorization: 'Bearer x' } },
    );
    expect(errorOf(reference.text).param).toBe('input[0].id');
    expect(state.inputs).toHaveLength(1);
  });

  it("one caller's responses are unknown to another (the Authorization header scopes them)", async () => {
    const s = await start();
    const mine = await openaiClient(s, 'key-a').responses.create({ model: 'echo', input: 'secret' });
    expect(await openaiClient(s, 'key-a').responses.retrieve(mine.id)).toMatchObject({ id: mine.id });
    await expect(openaiClient(s, 'key-b').responses.retrieve(mine.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const r = await postResponses(
      s.url,
      { model: 'echo', input: 'x', previous_response_id: mine.id },
      {
        headers: { authorization: 'Bearer key-b' },
      },
    );
    expect(errorOf(r.text).param).toBe('previous_response_id');
  });

  it('stored responses expire after responseTtlMs', async () => {
    let now = 1_000_000;
    const s = await start({ store: createMemoryConversationStore({ now: () => now }), responseTtlMs: 60_000 });
    const openai = openaiClient(s);
    const r = await openai.responses.create({ model: 'echo', input: 'soon gone' });
    now += 59_999;
    expect((await openai.responses.retrieve(r.id)).id).toBe(r.id);
    now += 2;
    await expect(openai.responses.retrieve(r.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('a store that fails fails the response: 503 whole, response.failed streamed', async () => {
    const broken: ConversationStore = {
      get: async () => undefined,
      put: async () => {
        throw new Error('disk full');
      },
    };
    const s = await start({ store: broken });
    const whole = await postResponses(s.url, { model: 'echo', input: 'x' });
    expect(whole.status).toBe(503);
    expect(errorOf(whole.text).code).toBe('store_failed');
    const streamed = parseResponseEvents(
      (await postResponses(s.url, { model: 'echo', input: 'x', stream: true })).text,
    );
    const last = streamed.at(-1)!.data;
    expect(last.type).toBe('response.failed');
    expect((last.response as ResponseBody).error).toMatchObject({ code: 'store_failed' });
    // store: false needs no store.
    expect((await postResponses(s.url, { model: 'echo', input: 'x', store: false })).status).toBe(200);
  });

  it('GET of an unknown id is a 404 naming it', async () => {
    const s = await start();
    const res = await fetch(`${s.baseURL}/responses/resp_0000`);
    expect(res.status).toBe(404);
    const body = await res.json();
    expect(openAIErrorSchema.safeParse(body).success).toBe(true);
    expect(body.error).toMatchObject({ code: 'response_not_found', param: 'response_id' });
    expect(body.error.message).toContain('resp_0000');
  });
});

describe('input', () => {
  it('message items with and without type, instructions as the first system message, reasoning items left out', async () => {
    const { s, state } = await probe();
    await openaiClient(s).responses.create({
      model: 'probe',
      instructions: '丁寧に答えてください',
      input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: '一つ目' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: '答え', annotations: [] }] },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { role: 'developer', content: '短く' },
        { role: 'user', content: '二つ目' },
      ],
    } as never);
    expect(state.inputs[0]!.messages).toEqual([
      { role: 'system', content: '丁寧に答えてください' },
      { role: 'user', content: '一つ目' },
      { role: 'assistant', content: '答え' },
      { role: 'system', content: '短く' },
      { role: 'user', content: '二つ目' },
    ]);
  });

  it('an item_reference to a stored output item is its text; an unknown one is a 400 naming input[i].id', async () => {
    const { s, state } = await probe({ deltas: 1, piece: () => '最初の答え' });
    const openai = openaiClient(s);
    const first = await openai.responses.create({ model: 'probe', input: 'q1' });
    const messageId = first.output.find((o) => o.type === 'message')!.id!;
    await openai.responses.create({
      model: 'probe',
      input: [
        { role: 'user', content: 'q1' },
        { type: 'item_reference', id: messageId },
        { role: 'user', content: 'q2' },
      ],
    });
    expect(state.inputs[1]!.messages).toEqual([
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: '最初の答え' },
      { role: 'user', content: 'q2' },
    ]);
    const bad = await postResponses(s.url, {
      model: 'probe',
      input: [
        { role: 'user', content: 'q' },
        { type: 'item_reference', id: 'msg_nope' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.text).param).toBe('input[1].id');
  });

  it('a history sent without previous_response_id continues its session (sessions from history)', async () => {
    const { s, state } = await probe({ deltas: 1, piece: () => 'A1' });
    const openai = openaiClient(s);
    await openai.responses.create({ model: 'probe', input: 'Q1' });
    await openai.responses.create({
      model: 'probe',
      input: [
        { role: 'user', content: 'Q1' },
        { role: 'assistant', content: 'A1' },
        { role: 'user', content: 'Q2' },
      ],
    });
    expect(state.inputs.map((i) => i.session)).toEqual([undefined, 'probe-s1']);
  });

  it.each([
    ['no input', { model: 'echo' }, 'input', 'missing_required_parameter'],
    ['input of the wrong type', { model: 'echo', input: 5 }, 'input', 'invalid_type'],
    ['an empty input list', { model: 'echo', input: [] }, 'input', 'invalid_value'],
    ['model of the wrong type', { model: 5, input: 'x' }, 'model', 'invalid_type'],
    ['an unknown role', { model: 'echo', input: [{ role: 'robot', content: 'x' }] }, 'input[0].role', 'invalid_value'],
    [
      'a message without role',
      { model: 'echo', input: [{ type: 'message', content: 'x' }] },
      'input[0].role',
      'missing_required_parameter',
    ],
    [
      'content of the wrong type',
      { model: 'echo', input: [{ role: 'user', content: 5 }] },
      'input[0].content',
      'invalid_type',
    ],
    [
      'an image part',
      {
        model: 'echo',
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'x' },
              { type: 'input_image', image_url: 'data:,' },
            ],
          },
        ],
      },
      'input[0].content[1].type',
      'unsupported_value',
    ],
    [
      'a file part',
      { model: 'echo', input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] },
      'input[0].content[0].type',
      'unsupported_value',
    ],
    [
      'a tool output item',
      {
        model: 'echo',
        input: [
          { role: 'user', content: 'x' },
          { type: 'function_call_output', call_id: 'c', output: '1' },
        ],
      },
      'input[1].type',
      'unsupported_value',
    ],
    ['an unknown item type', { model: 'echo', input: [{ type: 'hologram' }] }, 'input[0].type', 'unsupported_value'],
    [
      'instructions of the wrong type',
      { model: 'echo', input: 'x', instructions: ['a'] },
      'instructions',
      'invalid_type',
    ],
    ['store not a boolean', { model: 'echo', input: 'x', store: 'yes' }, 'store', 'invalid_type'],
    ['stream not a boolean', { model: 'echo', input: 'x', stream: 1 }, 'stream', 'invalid_type'],
    ['an empty user', { model: 'echo', input: 'x', user: '' }, 'user', 'invalid_value'],
    ['metadata values not strings', { model: 'echo', input: 'x', metadata: { a: 1 } }, 'metadata.a', 'invalid_type'],
    [
      'metadata with 17 keys',
      { model: 'echo', input: 'x', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) },
      'metadata',
      'invalid_value',
    ],
    ['temperature of the wrong type', { model: 'echo', input: 'x', temperature: 'hot' }, 'temperature', 'invalid_type'],
    [
      'an empty previous_response_id',
      { model: 'echo', input: 'x', previous_response_id: '' },
      'previous_response_id',
      'invalid_value',
    ],
  ])('%s is a 400 naming the field', async (_name, body, param, code) => {
    const s = await start();
    const r = await postResponses(s.url, body);
    expect(r.status).toBe(400);
    const error = errorOf(r.text);
    expect(error).toMatchObject({ type: 'invalid_request_error', param, code });
    expect(error.message).toContain(param);
  });

  it('an input the SDK refuses names the request field', async () => {
    const s = await start({ platforms: defaultPlatforms.with(strictPlatform()) });
    const r = await postResponses(s.url, { model: 'strict', input: '   ' });
    expect(r.status).toBe(400);
    expect(errorOf(r.text).param).toBe('input');
    const u = await postResponses(s.url, { model: 'strict', input: 'x', user: 'a b' });
    expect(errorOf(u.text).param).toBe('user');
  });

  it('bodies that are not JSON, over the limit, or nested deep: 4xx, never 5xx', async () => {
    const small = await start({ maxBodyBytes: 1000 });
    const big = await postResponses(small.url, { model: 'echo', input: 'あ'.repeat(2000) });
    expect(big.status).toBe(413);
    expect(errorOf(big.text).code).toBe('request_too_large');
    const s = await start({ maxBodyBytes: 300_000 });
    expect(errorOf((await postResponses(s.url, '{"model":')).text).code).toBe('invalid_json');
    expect(errorOf((await postResponses(s.url, '[1]')).text).code).toBe('invalid_type');
    const deep = `{"model":"echo","input":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const d = await postResponses(s.url, deep);
    expect(d.status).toBe(400);
    expect(errorOf(d.text).param ?? 'input').toMatch(/^input/);
    const deepUnknown = `{"model":"echo","input":"x","extra":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`;
    expect((await postResponses(s.url, deepUnknown)).status).toBeLessThan(500);
    const get = await fetch(`${s.url}/v1/responses`, { method: 'GET' });
    expect(get.status).toBe(405);
  });
});

describe('honest parameters', () => {
  it.each([
    ['tools', { tools: [{ type: 'function', name: 'f', parameters: {} }] }, 'tools'],
    ['tool_choice required', { tool_choice: 'required' }, 'tool_choice'],
    ['a function tool_choice', { tool_choice: { type: 'function', name: 'f' } }, 'tool_choice'],
    [
      'a JSON schema text format',
      { text: { format: { type: 'json_schema', name: 'x', schema: {} } } },
      'text.format.type',
    ],
    ['background', { background: true }, 'background'],
    ['logprobs included', { include: ['message.output_text.logprobs'] }, 'include[0]'],
    ['top_logprobs', { top_logprobs: 3 }, 'top_logprobs'],
    ['a conversation', { conversation: 'conv_1' }, 'conversation'],
    ['a prompt template', { prompt: { id: 'pmpt_1' } }, 'prompt'],
  ])('%s is a 400 whose param names it', async (_name, extra, param) => {
    const { s, state } = await probe();
    const r = await postResponses(s.url, { model: 'probe', input: 'x', ...extra });
    expect(r.status).toBe(400);
    const error = errorOf(r.text);
    expect(error).toMatchObject({ param, code: 'unsupported_value', type: 'invalid_request_error' });
    expect(error.message).toContain(param);
    expect(state.inputs).toHaveLength(0);
  });

  it('defaults, empty values and sampling parameters are accepted (and ignored)', async () => {
    const s = await start();
    const r = await openaiClient(s).responses.create({
      model: 'echo',
      input: 'x',
      tools: [],
      tool_choice: 'none',
      parallel_tool_calls: false,
      text: { format: { type: 'text' }, verbosity: 'low' },
      include: ['reasoning.encrypted_content'],
      background: false,
      top_logprobs: 0,
      temperature: 0.3,
      top_p: 0.9,
      max_output_tokens: 100,
      reasoning: { effort: 'low' },
      truncation: 'auto',
      service_tier: 'auto',
      store: true,
    });
    expect(r.status).toBe('completed');
  });
});

describe('the answer as the platform sends it', () => {
  it('a platform error mid-stream ends the stream with response.failed (with error), never a hang', async () => {
    const failing: AgentEvent[] = [
      { type: 'text-delta', delta: '途中' },
      { type: 'error', message: 'the agent crashed', code: 'agent_crash', retryable: false },
    ];
    const { s } = await probe({ after: failing }, { firstEventWaitMs: 0 });
    const events = parseResponseEvents((await postResponses(s.url, { model: 'probe', input: 'x', stream: true })).text);
    const last = events.at(-1)!.data;
    expect(last.type).toBe('response.failed');
    const response = last.response as ResponseBody;
    expect(response.status).toBe('failed');
    expect(response.error).toMatchObject({ code: 'agent_crash' });
    expect(response.error!.message).toContain('the agent crashed');
    expect(response.output[0]).toMatchObject({ type: 'message', status: 'incomplete' });
    // The official client sees the failed event and ends.
    const openai = openaiClient(s);
    const types: string[] = [];
    for await (const e of await openai.responses.create({ model: 'probe', input: 'x', stream: true }))
      types.push(e.type);
    expect(types.at(-1)).toBe('response.failed');
  });

  it('a cut stream is a failure: response.failed with stream-cut; a whole answer is a 502', async () => {
    const { s } = await probe({ cut: true }, { firstEventWaitMs: 0 });
    const events = parseResponseEvents((await postResponses(s.url, { model: 'probe', input: 'x', stream: true })).text);
    expect(events.at(-1)!.data.type).toBe('response.failed');
    expect((events.at(-1)!.data.response as ResponseBody).error!.code).toBe('stream-cut');
    const whole = await postResponses(s.url, { model: 'probe', input: 'x' });
    expect(whole.status).toBe(502);
    expect(errorOf(whole.text).code).toBe('stream-cut');
  });

  it('an error before the answer starts is a real HTTP status', async () => {
    const { s } = await probe({
      noStart: true,
      after: [{ type: 'error', message: 'refused', code: 'nope', retryable: false }],
    });
    const r = await postResponses(s.url, { model: 'probe', input: 'x', stream: true });
    expect(r.status).toBe(502);
    expect(errorOf(r.text).code).toBe('nope');
  });

  it('a rewrite: deltas only while the text extends; output_text.done and the response carry the final text', async () => {
    const s = await start({
      platforms: defaultPlatforms.with(
        scriptedPlatform('rewriter', [
          { type: 'text-replace', text: '下書き' },
          { type: 'text-replace', text: '下書きです' },
          { type: 'text-replace', text: '本当の答え' },
          { type: 'text-replace', text: '本当の答えです' },
          { type: 'finish', text: '本当の答えです', reason: 'stop' },
        ]),
      ),
    });
    const openai = openaiClient(s);
    let deltas = '';
    let done = '';
    for await (const e of await openai.responses.create({ model: 'rewriter', input: 'x', stream: true })) {
      if (e.type === 'response.output_text.delta') deltas += e.delta;
      if (e.type === 'response.output_text.done') done = e.text;
    }
    expect(deltas).toBe('下書きです');
    expect(done).toBe('本当の答えです');
    const final = await openai.responses.stream({ model: 'rewriter', input: 'x' }).finalResponse();
    expect(final.output_text).toBe('本当の答えです');
    expect((await openai.responses.retrieve(final.id)).output_text).toBe('本当の答えです');
  });

  it('steps are reasoning items the AI SDK and openai clients read; titles are summary text', async () => {
    const steps: AgentEvent[] = [
      { type: 'step-start', id: 's1', kind: 'tool', title: '検索', args: { q: 'x' } },
      { type: 'text-delta', delta: '前半' },
      { type: 'step-end', id: 's1', kind: 'tool', result: { hits: 2 }, status: 'completed' },
      { type: 'step-start', id: 's2', kind: 'task', title: '未完' },
    ];
    const s = await start({
      platforms: defaultPlatforms.with(
        scriptedPlatform('probe', [
          ...steps,
          { type: 'text-delta', delta: '後半' },
          { type: 'finish', text: '前半後半', reason: 'stop' },
        ]),
      ),
    });
    const final = await openaiClient(s).responses.stream({ model: 'probe', input: 'x' }).finalResponse();
    expect(final.output.map((o) => [o.type, (o as { status?: string }).status])).toEqual([
      ['reasoning', 'completed'],
      ['message', 'completed'],
      ['reasoning', 'completed'],
    ]);
    const first = final.output[0] as unknown as { summary: unknown[]; kakehashi: { step: Record<string, unknown> } };
    expect(first.summary).toEqual([{ type: 'summary_text', text: '検索' }]);
    expect(first.kakehashi.step).toMatchObject({ id: 's1', kind: 'tool', args: { q: 'x' }, result: { hits: 2 } });
    expect(final.output_text).toBe('前半後半');
    const whole = await openaiClient(s).responses.create({ model: 'probe', input: 'x' });
    expect(whole.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'reasoning']);
  });

  it('usage when the platform reports it; a length finish is incomplete', async () => {
    const s = await start({
      platforms: defaultPlatforms.with(
        scriptedPlatform('counted', [
          { type: 'text-delta', delta: '途中まで' },
          { type: 'finish', text: '途中まで', reason: 'length', usage: { inputTokens: 3, outputTokens: 4 } },
        ]),
      ),
    });
    const r = await postResponses(s.url, { model: 'counted', input: 'x' });
    const body = JSON.parse(r.text) as ResponseBody;
    expect(body.usage).toMatchObject({ input_tokens: 3, output_tokens: 4, total_tokens: 7 });
    expect(body.status).toBe('incomplete');
    expect(body.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    const events = parseResponseEvents(
      (await postResponses(s.url, { model: 'counted', input: 'x', stream: true })).text,
    );
    expect(events.at(-1)!.data.type).toBe('response.incomplete');
  });

  it('the caller leaving mid-stream cancels the turn; hooks open and close once per turn', async () => {
    const opened: string[] = [];
    const closed: string[] = [];
    const { s, state } = await probe(
      { deltas: Number.POSITIVE_INFINITY, pauseMs: 5 },
      { metrics: { streamOpened: (p) => opened.push(p), streamClosed: (p) => closed.push(p) } },
    );
    const controller = new AbortController();
    const res = await fetch(`${s.baseURL}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'probe', input: 'x', stream: true }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await eventually(() => state.aborted > 0 && state.closed > 0, 3000, 'the turn to be cancelled');
    await eventually(() => closed.length === 1, 3000, 'streamClosed');
    expect(opened).toEqual(['probe']);
  });
});
