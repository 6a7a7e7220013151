/**
 * `POST /v1/responses` and `GET /v1/responses/{id}` on the real server (middleware, API keys, the
 * SQLite conversation store), against the testkit simulators, through the clients people use: the
 * official `openai` client, the AI SDK's `@ai-sdk/openai` Responses provider, and the OpenAI Agents
 * SDK running an agent through the gateway.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { Agent, OpenAIProvider, Runner, setTracingDisabled } from '@openai/agents';
import { agenticStarDefaultAnswer, CODEER_SIM_DEFAULT_ANSWER, defaultMiiboAnswer } from '@kakehashi/testkit';
import { generateText, streamText } from 'ai';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KakehashiServer } from '../src/index';
import { MIIBO_TEST_AGENT, type Simulators, simulatorEnv, startSimulators } from './chat-completions-harness';
import { startInProcess, tempDir } from './server-harness';

const KEY = 'responses-test-key-0001';
let sims: Simulators;
let server: KakehashiServer;
let url: string;
let openai: OpenAI;

setTracingDisabled(true);

beforeAll(async () => {
  sims = await startSimulators();
  ({ server, url } = await startInProcess({ apiKeys: [KEY], env: simulatorEnv(sims), chat: { heartbeatMs: 0 } }));
  openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: KEY, maxRetries: 0 });
});
afterEach(() => {
  sims.codeer.clearFaults();
  sims.miibo.resetKnobs();
  sims.agenticstar.clearFaults();
});
afterAll(async () => {
  await server?.close(0);
  await sims?.close();
});

const QUESTION = '営業時間を教えてください';
type WithIds = { kakehashi: { session?: string; chat_id?: string; provider: string } };

async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as { error: Record<string, unknown> } };
}

describe('the openai client', () => {
  it('responses.create, streamed and not, continued with previous_response_id: one Codeer chat', async () => {
    const chats = sims.codeer.state.chats.size;
    const first = await openai.responses.create({ model: 'codeer', input: QUESTION });
    expect(first.output_text).toBe(CODEER_SIM_DEFAULT_ANSWER);
    const stream = await openai.responses.create({
      model: 'codeer',
      input: '二つ目の質問',
      previous_response_id: first.id,
      stream: true,
    });
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(text).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(completed!.previous_response_id).toBe(first.id);
    const third = await openai.responses.create({
      model: 'codeer',
      input: '三つ目',
      previous_response_id: completed!.id,
    });
    expect(sims.codeer.state.chats.size).toBe(chats + 1);
    expect((third as unknown as WithIds).kakehashi.chat_id).toBe((first as unknown as WithIds).kakehashi.chat_id);

    const fetched = await openai.responses.retrieve(completed!.id);
    expect(fetched.output_text).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(fetched.id).toBe(completed!.id);
  });

  it('miibo: one uid across previous_response_id; AgenticStar: one conversation', async () => {
    const first = await openai.responses.create({ model: 'miibo', input: QUESTION });
    const uid = (first as unknown as WithIds).kakehashi.session;
    expect(first.output_text).toBe(
      defaultMiiboAnswer({ utterance: QUESTION, uid: uid!, agentId: MIIBO_TEST_AGENT, body: {} }),
    );
    await openai.responses.stream({ model: 'miibo', input: '続き', previous_response_id: first.id }).finalResponse();
    const uids = sims.miibo.requests
      .filter((r) => r.path.endsWith('/api'))
      .slice(-2)
      .map((r) => r.json<{ uid: string }>().uid);
    expect(uids).toEqual([uid, uid]);

    const a = await openai.responses.create({ model: 'agenticstar', input: QUESTION });
    expect(a.output_text).toBe(agenticStarDefaultAnswer(QUESTION));
    await openai.responses.create({ model: 'agenticstar', input: '続き', previous_response_id: a.id });
    const conversations = sims.agenticstar.chatRequests.slice(-2).map((r) => r.json<{ conversationId?: string }>());
    expect(conversations[0]!.conversationId).toBeUndefined();
    expect(conversations[1]!.conversationId).toBe((a as unknown as WithIds).kakehashi.session);
  });

  it('the strict responses.stream() accumulator takes Codeer steps as reasoning items', async () => {
    const final = await openai.responses.stream({ model: 'codeer', input: QUESTION }).finalResponse();
    expect(final.output.map((o) => o.type)).toContain('reasoning');
    expect(final.output_text).toBe(CODEER_SIM_DEFAULT_ANSWER);
  });
});

describe('the AI SDK (@ai-sdk/openai Responses provider pointed at the gateway)', () => {
  const provider = () => createOpenAI({ baseURL: `${url}/v1`, apiKey: KEY });

  it('generateText, then a second turn with previousResponseId: one Codeer chat', async () => {
    const chats = sims.codeer.state.chats.size;
    const first = await generateText({ model: provider().responses('codeer'), prompt: QUESTION });
    expect(first.text).toBe(CODEER_SIM_DEFAULT_ANSWER);
    const responseId = first.providerMetadata?.openai?.responseId as string;
    expect(responseId).toMatch(/^resp_/);
    const second = await generateText({
      model: provider().responses('codeer'),
      prompt: '続き',
      providerOptions: { openai: { previousResponseId: responseId } },
    });
    expect(second.text).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(sims.codeer.state.chats.size).toBe(chats + 1);
  });

  it('streamText: the text, and the agent steps as reasoning parts', async () => {
    const result = streamText({ model: provider().responses('codeer'), prompt: QUESTION });
    const kinds = new Set<string>();
    for await (const part of result.fullStream) {
      kinds.add(part.type);
      if (part.type === 'error') throw part.error;
    }
    expect(await result.text).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(kinds).toContain('reasoning-start');
    expect(kinds).toContain('text-delta');
    expect(await result.finishReason).toBe('stop');
  });

  it('a multi-turn history with the item references the AI SDK sends continues the conversation', async () => {
    const model = provider().responses('miibo');
    const first = await generateText({ model, prompt: QUESTION });
    const second = await generateText({
      model,
      messages: [{ role: 'user', content: QUESTION }, ...first.response.messages, { role: 'user', content: '続き' }],
    });
    expect(second.text).toMatch(/\S/);
    const uids = sims.miibo.requests
      .filter((r) => r.path.endsWith('/api'))
      .slice(-2)
      .map((r) => r.json<{ uid: string }>().uid);
    expect(uids[1]).toBe(uids[0]);
  });
});

describe('the OpenAI Agents SDK running an agent through the gateway', () => {
  const runner = () =>
    new Runner({
      modelProvider: new OpenAIProvider({
        openAIClient: new OpenAI({ baseURL: `${url}/v1`, apiKey: KEY, maxRetries: 0 }),
        useResponses: true,
      }),
      tracingDisabled: true,
    });

  it('run(agent, question), then a second run with previousResponseId: one Codeer chat', async () => {
    const chats = sims.codeer.state.chats.size;
    const agent = new Agent({ name: 'Support', instructions: '丁寧に答えてください', model: 'codeer' });
    const result = await runner().run(agent, QUESTION);
    expect(result.finalOutput).toBe(CODEER_SIM_DEFAULT_ANSWER);
    const next = await runner().run(agent, '続き', { previousResponseId: result.lastResponseId! });
    expect(next.finalOutput).toBe(CODEER_SIM_DEFAULT_ANSWER);
    expect(sims.codeer.state.chats.size).toBe(chats + 1);
  });

  it('a streamed run', async () => {
    const agent = new Agent({ name: 'Support', instructions: '短く', model: 'agenticstar' });
    const result = await runner().run(agent, QUESTION, { stream: true });
    let text = '';
    for await (const event of result.toTextStream()) text += event;
    await result.completed;
    expect(text).toBe(agenticStarDefaultAnswer(QUESTION));
    expect(result.finalOutput).toBe(agenticStarDefaultAnswer(QUESTION));
  });
});

describe('bad input and failures: a 4xx naming the field, never a 5xx; a mid-stream failure is response.failed', () => {
  it.each([
    ['input of the wrong type', { model: 'codeer', input: 42 }, 'input'],
    ['an unknown item type', { model: 'codeer', input: [{ type: 'computer_call', id: 'x' }] }, 'input[0].type'],
    [
      'an image',
      { model: 'codeer', input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'data:,' }] }] },
      'input[0].content[0].type',
    ],
    [
      'an unknown previous_response_id',
      { model: 'codeer', input: 'x', previous_response_id: 'resp_unknown' },
      'previous_response_id',
    ],
    ['tools', { model: 'codeer', input: 'x', tools: [{ type: 'web_search' }] }, 'tools'],
    [
      'a JSON text format',
      { model: 'codeer', input: 'x', text: { format: { type: 'json_object' } } },
      'text.format.type',
    ],
    ['an unknown model', { model: 'gpt-4o', input: 'x' }, 'model'],
  ])('%s', async (_name, body, param) => {
    const r = await post(body);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.json().error.param).toBe(param);
  });

  it('a body over the limit is 413, deep nesting is 400, no key is 401', async () => {
    const big = await post({ model: 'codeer', input: 'あ'.repeat(1_200_000) });
    expect(big.status).toBe(413);
    const deep = await post(`{"model":"codeer","input":${'['.repeat(50_000)}${']'.repeat(50_000)}}`);
    expect(deep.status).toBe(400);
    expect(deep.json().error).toMatchObject({ code: 'json_too_deep', message: expect.stringContaining('128 levels') });
    const res = await fetch(`${url}/v1/responses`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    const get = await fetch(`${url}/v1/responses/resp_nope`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(get.status).toBe(404);
    expect(((await get.json()) as { error: { message: string } }).error.message).toContain('resp_nope');
  });

  it('a Codeer error mid-stream ends in response.failed, which the openai client reports', async () => {
    sims.codeer.inStreamError({ afterDeltas: 1 });
    const types: string[] = [];
    let failure: OpenAI.Responses.Response | undefined;
    for await (const e of await openai.responses.create({ model: 'codeer', input: 'x', stream: true })) {
      types.push(e.type);
      if (e.type === 'response.failed') failure = e.response;
    }
    expect(types.at(-1)).toBe('response.failed');
    expect(failure!.error?.message).toMatch(/\S/);
    expect(types).toContain('response.output_text.delta');
  });
});

it('/openapi.json lists the Responses routes, generated from the handler schemas', async () => {
  const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
    components: { schemas: Record<string, unknown> };
  };
  expect(Object.keys(doc.paths['/v1/responses']!)).toEqual(['post']);
  expect(Object.keys(doc.paths['/v1/responses/{response_id}']!)).toEqual(['get']);
  expect(doc.components.schemas).toHaveProperty('ResponsesRequest');
  expect(doc.components.schemas).toHaveProperty('Response');
});

describe('stored responses survive a restart (the SQLite file)', () => {
  it('GET and previous_response_id work on a new server over the same file', async () => {
    const dir = tempDir();
    try {
      const config = {
        apiKeys: [KEY],
        env: simulatorEnv(sims),
        store: { sqlitePath: `${dir.path}/kakehashi.sqlite` },
      };
      const a = await startInProcess(config);
      const client = (u: string) => new OpenAI({ baseURL: `${u}/v1`, apiKey: KEY, maxRetries: 0 });
      const first = await client(a.url).responses.create({ model: 'codeer', input: QUESTION });
      await a.server.close(0);
      const b = await startInProcess(config);
      try {
        expect((await client(b.url).responses.retrieve(first.id)).output_text).toBe(CODEER_SIM_DEFAULT_ANSWER);
        const next = await client(b.url).responses.create({
          model: 'codeer',
          input: '続き',
          previous_response_id: first.id,
        });
        expect((next as unknown as WithIds).kakehashi.chat_id).toBe((first as unknown as WithIds).kakehashi.chat_id);
      } finally {
        await b.server.close(0);
      }
    } finally {
      dir.remove();
    }
  });
});
