/**
 * The Responses API over the real platform SDKs against the testkit simulators, through the official
 * `openai` client: one code path for every platform, previous_response_id continuing the platform
 * session (one Codeer chat, one miibo uid, one AgenticStar conversation), steps as reasoning items,
 * a miibo rewrite, byte-split Japanese streams, and failures mid-stream.
 */
import {
  type AgenticStarSimulator,
  agenticStarDefaultAnswer,
  CODEER_SIM_DEFAULT_ANSWER,
  type CodeerSimulator,
  defaultMiiboAnswer,
  type MiiboSimulator,
  startAgenticStarSimulator,
  startCodeerSimulator,
  startMiiboSimulator,
  simulatorEnv,
} from '@kakehashi/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseBody, ResponsesHandlerOptions } from '../src/index';
import { MOUNTS, type Mount } from './harness';
import {
  openaiClient,
  parseResponseEvents,
  postResponses,
  type ServedResponses,
  serveResponses,
} from './responses-harness';

const MIIBO_KEY = 'sim-miibo-key';
const MIIBO_AGENT = 'sim-miibo-agent';

let agenticstar: AgenticStarSimulator;
let codeer: CodeerSimulator;
let miibo: MiiboSimulator;
const served: ServedResponses[] = [];

beforeAll(async () => {
  [agenticstar, codeer, miibo] = await Promise.all([
    startAgenticStarSimulator(),
    startCodeerSimulator(),
    startMiiboSimulator(),
  ]);
});
afterEach(async () => {
  agenticstar.clearFaults();
  codeer.clearFaults();
  miibo.resetKnobs();
  await Promise.all(served.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await Promise.all([agenticstar?.close(), codeer?.close(), miibo?.close()]);
});

function env(): Record<string, string> {
  return { ...simulatorEnv({ agenticstar, codeer, miibo }), MIIBO_API_KEY: MIIBO_KEY, MIIBO_AGENT_ID: MIIBO_AGENT };
}

async function start(options: Partial<ResponsesHandlerOptions> = {}, mount: Mount = 'node'): Promise<ServedResponses> {
  const s = await serveResponses({ env: env(), heartbeatMs: 0, maxRetries: 0, ...options }, mount);
  served.push(s);
  return s;
}

const QUESTION = '営業時間を教えてください';
const platforms = [
  { model: 'agenticstar', expected: () => agenticStarDefaultAnswer(QUESTION) },
  { model: 'codeer', expected: () => CODEER_SIM_DEFAULT_ANSWER },
  {
    model: 'miibo',
    expected: () => defaultMiiboAnswer({ utterance: QUESTION, uid: 'user-1', agentId: MIIBO_AGENT, body: {} }),
  },
] as const;

describe.each(MOUNTS)('every platform through one code path (%s mount)', (mount) => {
  it.each(platforms)(
    '$model: streamed (strict accumulator) and whole, the same answer',
    async ({ model, expected }) => {
      const s = await start({}, mount);
      const openai = openaiClient(s);
      const streamed = await openai.responses
        .stream({ model, input: QUESTION, user: 'user-1', instructions: 'あなたは丁寧なアシスタントです。' })
        .finalResponse();
      expect(streamed.output_text).toBe(expected());
      const whole = await openai.responses.create({ model, input: QUESTION, user: 'user-1' });
      expect(whole.output_text).toBe(expected());
      expect((whole as unknown as ResponseBody).kakehashi.provider).toBe(model);
      expect((whole as unknown as ResponseBody).kakehashi.session).toMatch(/\S/);
    },
  );
});

describe('previous_response_id continues the platform session', () => {
  it('Codeer: one chat for the whole conversation', async () => {
    const s = await start();
    const openai = openaiClient(s);
    const before = codeer.state.chats.size;
    const first = await openai.responses.create({ model: 'codeer', input: '一つ目' });
    const second = await openai.responses
      .stream({ model: 'codeer', input: '二つ目', previous_response_id: first.id })
      .finalResponse();
    await openai.responses.create({ model: 'codeer', input: '三つ目', previous_response_id: second.id });
    expect(codeer.state.chats.size).toBe(before + 1);
    const chatId = (first as unknown as ResponseBody).kakehashi.chat_id;
    expect((second as unknown as ResponseBody).kakehashi.chat_id).toBe(chatId);
  });

  it('miibo: one uid for the whole conversation', async () => {
    const s = await start();
    const openai = openaiClient(s);
    const first = await openai.responses.create({ model: 'miibo', input: '一つ目' });
    await openai.responses.create({ model: 'miibo', input: '二つ目', previous_response_id: first.id });
    const uids = miibo.requests
      .filter((r) => r.path.endsWith('/api'))
      .slice(-2)
      .map((r) => r.json<{ uid: string }>().uid);
    expect(uids[0]).toMatch(/\S/);
    expect(uids[1]).toBe(uids[0]);
  });

  it('AgenticStar: one conversation, only the new message sent', async () => {
    const s = await start();
    const openai = openaiClient(s);
    const first = await openai.responses.create({ model: 'agenticstar', input: '一つ目の質問' });
    await openai.responses.create({
      model: 'agenticstar',
      input: '二つ目の質問',
      instructions: '短く',
      previous_response_id: first.id,
    });
    const body = agenticstar.chatRequests.at(-1)!.json<{ conversationId: string; messages: unknown[] }>();
    expect(body.conversationId).toBe((first as unknown as ResponseBody).kakehashi.session);
    expect(body.messages).toEqual([
      { role: 'system', content: '短く' },
      { role: 'user', content: '二つ目の質問' },
    ]);
  });
});

describe('streams as the platforms send them', () => {
  it('Codeer reasoning steps and AgenticStar tasks are reasoning items, valid for the strict accumulator', async () => {
    const s = await start();
    const openai = openaiClient(s);
    for (const model of ['codeer', 'agenticstar']) {
      const final = await openai.responses.stream({ model, input: QUESTION }).finalResponse();
      const kinds = final.output.map((o) => o.type);
      expect(kinds, model).toContain('reasoning');
      expect(
        kinds.filter((k) => k === 'message'),
        model,
      ).toHaveLength(1);
      for (const item of final.output) expect((item as { status?: string }).status, model).toBe('completed');
    }
  });

  it('a miibo rewrite: deltas stop at the draft, the done event and the response carry the final text', async () => {
    const s = await start();
    miibo.configure({ rewrite: true });
    const expected = defaultMiiboAnswer({ utterance: '調べてください', uid: 'u-rw', agentId: MIIBO_AGENT, body: {} });
    const events = parseResponseEvents(
      (await postResponses(s.url, { model: 'miibo', input: '調べてください', user: 'u-rw', stream: true })).text,
    );
    const deltas = events.filter((e) => e.data.type === 'response.output_text.delta').map((e) => e.data.delta);
    expect(expected.startsWith(deltas.join(''))).toBe(false);
    expect(events.find((e) => e.data.type === 'response.output_text.done')!.data.text).toBe(expected);
    expect((events.at(-1)!.data.response as ResponseBody).output_text).toBe(expected);
  });

  it('Japanese text split at every byte arrives whole', async () => {
    const s = await start();
    codeer.split(1);
    const r = await openaiClient(s).responses.create({ model: 'codeer', input: QUESTION, stream: true });
    let text = '';
    for await (const e of r) if (e.type === 'response.output_text.delta') text += e.delta;
    expect(text).toBe(CODEER_SIM_DEFAULT_ANSWER);
  });

  it('a platform error mid-stream ends in response.failed; a cut connection too', async () => {
    const s = await start({ firstEventWaitMs: 0 });
    codeer.inStreamError({ afterDeltas: 1 });
    const failed = parseResponseEvents(
      (await postResponses(s.url, { model: 'codeer', input: 'x', stream: true })).text,
    );
    expect(failed.at(-1)!.data.type).toBe('response.failed');
    expect((failed.at(-1)!.data.response as ResponseBody).error).toMatchObject({ code: expect.any(String) });
    miibo.cut();
    const cut = parseResponseEvents((await postResponses(s.url, { model: 'miibo', input: 'x', stream: true })).text);
    expect(cut.at(-1)!.data.type).toBe('response.failed');
  });

  it('a platform failure before the answer is a real HTTP status', async () => {
    const s = await start();
    codeer.fail(1, { status: 503 });
    const r = await postResponses(s.url, { model: 'codeer', input: 'x', stream: true });
    expect(r.status).toBe(502);
  });
});
