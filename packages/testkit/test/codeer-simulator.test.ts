import { afterEach, describe, expect, it } from 'vitest';
import {
  CODEER_SIM_AGENT_ID,
  CODEER_SIM_API_KEY,
  CODEER_SIM_DEFAULT_ANSWER,
  parseMultipart,
  multipartBoundary,
  startCodeerSimulator,
  type CodeerSimulator,
} from '../src/index';

let sim: CodeerSimulator;
afterEach(async () => {
  await sim?.close();
});

const headers = { 'x-api-key': CODEER_SIM_API_KEY, 'content-type': 'application/json' };

async function call(
  path: string,
  init: { method?: string; body?: unknown } = {},
  // biome-ignore lint/suspicious/noExplicitAny: the tests read answer bodies by path
): Promise<{ status: number; body: any; text: string; type: string | null }> {
  const res = await fetch(`${sim.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text, type: res.headers.get('content-type') };
}

describe('Codeer simulator wire format', () => {
  it('answers every JSON endpoint with the envelope', async () => {
    sim = await startCodeerSimulator();
    const agents = await call('/chats/published-agents');
    expect(agents.body).toEqual({
      data: [expect.objectContaining({ id: CODEER_SIM_AGENT_ID })],
      message: null,
      error_code: 0,
      pagination: null,
    });
    const chat = await call('/chats', { body: { name: '', agent_id: CODEER_SIM_AGENT_ID } });
    expect(chat.body.data).toMatchObject({ id: 1001, name: 'Untitled' });
    const list = await call('/chats?limit=1');
    expect(list.body.pagination).toEqual({
      limit: 1,
      offset: 0,
      total_records: 1,
      total_pages: 1,
      current_page: 1,
      next_page: null,
      prev_page: null,
    });
    const send = await call('/chats/1001/messages', {
      body: { message: 'こんにちは', agent_id: CODEER_SIM_AGENT_ID, stream: false },
    });
    expect(send.body).toEqual({ data: CODEER_SIM_DEFAULT_ANSWER, message: null, error_code: 0, pagination: null });
    const missing = await call('/chats/9/messages');
    expect(missing).toMatchObject({ status: 404, body: { data: null, message: 'Chat not found', error_code: 10003 } });
    const noKey = await fetch(`${sim.url}/chats`);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ error_code: 10001 });
  });

  it('streams SSE as documented: event lines, one-line JSON, a bare data: [DONE]', async () => {
    sim = await startCodeerSimulator({
      answer: ['こん', 'にちは'],
      steps: [{ type: 'consultant_search_web', content: 'Web検索中' }],
    });
    await call('/chats', { body: { name: '', agent_id: CODEER_SIM_AGENT_ID } });
    const res = await call('/chats/1001/messages', { body: { message: 'やあ', agent_id: CODEER_SIM_AGENT_ID } });
    expect(res.type).toBe('text/event-stream; charset=utf-8');
    const frames = res.text.split('\n\n').filter(Boolean);
    expect(frames.map((f) => f.split('\n')[0])).toEqual([
      'event: response.created',
      'event: response.chat.title.updated',
      'event: response.reasoning_step.start',
      'event: response.reasoning_step.end',
      'event: response.output_text.delta',
      'event: response.output_text.delta',
      'event: response.output_text.completed',
      'data: [DONE]',
    ]);
    const payloads = frames.slice(0, -1).map((f) => JSON.parse(f.split('\n')[1]!.slice('data: '.length)));
    for (const [i, p] of payloads.entries()) expect(p.type).toBe(frames[i]!.split('\n')[0]!.slice('event: '.length));
    expect(payloads.every((p) => typeof p.response_id === 'string' && p.chat_id === 1001)).toBe(true);
    expect(payloads[2].step).toMatchObject({ type: 'consultant_search_web', content: 'Web検索中' });
    expect(payloads[6]).toMatchObject({ final_text: 'こんにちは', usage: { total_calls: 2 } });
  });

  it('answers HTTP 200 with an error envelope under the platformError knob, then recovers', async () => {
    sim = await startCodeerSimulator();
    sim.platformError(2, { code: 14103 });
    expect((await call('/chats/published-agents')).body).toEqual({
      data: null,
      message: 'Client user not allowed',
      error_code: 14103,
      pagination: null,
    });
    expect((await call('/chats')).status).toBe(200);
    expect((await call('/chats')).body.error_code).toBe(0);
  });

  it('parses multipart uploads with the JSON data field', async () => {
    sim = await startCodeerSimulator();
    const form = new FormData();
    form.append('file', new Blob(['hello'], { type: 'text/plain' }), 'a.txt');
    form.append('data', JSON.stringify({ scope: 'ephemeral' }));
    const res = await fetch(`${sim.url}/chats/upload-file`, {
      method: 'POST',
      headers: { 'x-api-key': CODEER_SIM_API_KEY },
      body: form,
    });
    expect(await res.json()).toMatchObject({
      data: { original_name: 'a.txt', content_type: 'text/plain', size: 5, scope: 'ephemeral' },
      error_code: 0,
    });
    const request = sim.requests.at(-1)!;
    const parts = parseMultipart(request.rawBody, multipartBoundary(request.headers['content-type'])!);
    expect(parts.map((p) => [p.name, p.filename, p.text])).toEqual([
      ['file', 'a.txt', 'hello'],
      ['data', undefined, '{"scope":"ephemeral"}'],
    ]);
    const noFile = await fetch(`${sim.url}/chats/upload-file`, {
      method: 'POST',
      headers: { 'x-api-key': CODEER_SIM_API_KEY },
      body: new FormData(),
    });
    expect(noFile.status).toBe(422);
    expect(await noFile.json()).toEqual({
      detail: [{ type: 'missing', loc: ['body', 'file'], msg: 'Field required' }],
    });
  });
});
