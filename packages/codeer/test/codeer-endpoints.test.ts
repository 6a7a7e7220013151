import { applyAgentEvent, type AgentEvent } from '@kakehashi/sse-core';
import { CODEER_SIM_DEFAULT_ANSWER, CODEER_SIM_UNPUBLISHED_AGENT_ID } from '@kakehashi/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, setup, type Setup } from './helpers';

let s: Setup;
afterEach(async () => {
  await s?.sim.close();
});

describe('agents and chats', () => {
  it('lists the published agents with the x-api-key header', async () => {
    s = await setup();
    const agents = await s.codeer.agents.list();
    expect(agents.map((a) => a.id)).toEqual([s.sim.agentId]);
    expect(agents[0]).toMatchObject({
      name: '架け橋サポート',
      publish_state: 'public',
      suggested_questions: ['営業時間を教えてください'],
    });
    const [req] = s.sim.requests;
    expect(req).toMatchObject({ method: 'GET', path: '/api/v1/chats/published-agents' });
    expect(req!.headers['x-api-key']).toBe(s.sim.apiKey);
    expect(req!.headers.authorization).toBeUndefined();
  });

  it('creates a chat with snake_case fields and returns its integer id', async () => {
    s = await setup({}, { externalUserId: 'user_123' });
    const chat = await s.codeer.chats.create({ name: 'サポート' });
    expect(chat).toMatchObject({
      id: 1001,
      name: 'サポート',
      external_user_id: 'user_123',
      meta: { conversation_agent_id: s.sim.agentId },
    });
    expect(s.sim.requests[0]!.json()).toEqual({
      name: 'サポート',
      agent_id: s.sim.agentId,
      external_user_id: 'user_123',
    });
    const unnamed = await s.codeer.chats.create({ agentId: CODEER_SIM_UNPUBLISHED_AGENT_ID, externalUserId: 'user_9' });
    expect(unnamed.name).toBe('Untitled');
    expect(s.sim.requests[1]!.json()).toEqual({
      name: '',
      agent_id: CODEER_SIM_UNPUBLISHED_AGENT_ID,
      external_user_id: 'user_9',
    });
  });

  it('iterates every chat across offset pages', async () => {
    s = await setup();
    for (let i = 0; i < 7; i++) await s.codeer.chats.create({ name: `chat ${i}` });
    const before = s.sim.requests.length;
    const names = (await collect(s.codeer.chats.list({ limit: 3, orderBy: 'created_at' }))).map((c) => c.name);
    expect(names).toEqual(['chat 0', 'chat 1', 'chat 2', 'chat 3', 'chat 4', 'chat 5', 'chat 6']);
    const pages = s.sim.requests.slice(before);
    expect(pages.map((r) => r.query.get('offset'))).toEqual(['0', '3', '6']);
    expect(pages.every((r) => r.query.get('limit') === '3' && r.query.get('order_by') === 'created_at')).toBe(true);

    const newest = await collect(s.codeer.chats.list());
    expect(newest.map((c) => c.name)).toEqual(['chat 6', 'chat 5', 'chat 4', 'chat 3', 'chat 2', 'chat 1', 'chat 0']);

    const page = await s.codeer.chats.listPage({ limit: 2, offset: 2 });
    expect(page.data.map((c) => c.name)).toEqual(['chat 4', 'chat 3']);
    expect(page.pagination).toMatchObject({ limit: 2, offset: 2, total_records: 7, total_pages: 4, current_page: 2 });
    expect(page.pagination?.next_page).toBe(`${s.sim.origin}/api/v1/chats?limit=2&offset=4`);
  });

  it('filters chats by agent and external user', async () => {
    s = await setup();
    await s.codeer.chats.create({ name: 'a', externalUserId: 'u1' });
    await s.codeer.chats.create({ name: 'b', externalUserId: 'u2' });
    await s.codeer.chats.create({ name: 'c', agentId: CODEER_SIM_UNPUBLISHED_AGENT_ID, externalUserId: 'u1' });
    expect((await collect(s.codeer.chats.list({ externalUserId: 'u1' }))).map((c) => c.name)).toEqual(['c', 'a']);
    expect(
      (await collect(s.codeer.chats.list({ externalUserId: 'u1', agentId: s.sim.agentId }))).map((c) => c.name),
    ).toEqual(['a']);
    expect(s.sim.requests.at(-1)!.query.get('agent_id')).toBe(s.sim.agentId);
  });

  it('updates a chat with the given body', async () => {
    s = await setup();
    const chat = await s.codeer.chats.create({ name: '旧名' });
    const data = await s.codeer.chats.update(String(chat.id), { name: '新しい名前', pinned: true });
    expect(data).toMatchObject({ id: chat.id, name: '新しい名前', pinned: true });
    expect(s.sim.requests.at(-1)).toMatchObject({ method: 'PUT', path: `/api/v1/chats/${chat.id}` });
    expect(s.sim.requests.at(-1)!.json()).toEqual({ name: '新しい名前', pinned: true });
  });
});

describe('messages', () => {
  it('sends without streaming and returns the plain string in data', async () => {
    s = await setup();
    const chat = await s.codeer.chats.create({ name: 'x' });
    const answer = await s.codeer.messages.send(chat.id, { message: '営業時間は？', includeToolTags: false });
    expect(answer).toBe(CODEER_SIM_DEFAULT_ANSWER);
    const req = s.sim.requests.at(-1)!;
    expect(req.path).toBe(`/api/v1/chats/${chat.id}/messages`);
    expect(req.json()).toEqual({
      message: '営業時間は？',
      stream: false,
      agent_id: s.sim.agentId,
      include_tool_tags: false,
    });
  });

  it('streams typed events exactly as the sheet documents them', async () => {
    s = await setup();
    const chat = await s.codeer.chats.create();
    const stream = await s.codeer.messages.stream(chat.id, { message: '営業時間を教えて', externalUserId: 'user_1' });
    expect(stream.chatId).toBe(chat.id);
    const events = await collect(stream);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.chat.title.updated',
      'response.reasoning_step.start',
      'response.reasoning_step.end',
      ...Array(11).fill('response.output_text.delta'),
      'response.output_text.completed',
      'done',
    ]);
    expect(events[0]).toMatchObject({ chat_id: chat.id, agent_id: s.sim.agentId, model: 'gpt-4o' });
    expect(events[2]).toMatchObject({
      step: {
        type: 'consultant_retrieve_context_source',
        content: 'ナレッジベースを検索中',
        args: { query: '営業時間を教えて' },
      },
    });
    expect(events.at(-2)).toMatchObject({ final_text: CODEER_SIM_DEFAULT_ANSWER, usage: { total_calls: 2 } });
    const req = s.sim.requests.at(-1)!;
    expect(req.headers.accept).toBe('text/event-stream');
    expect(req.json()).toEqual({
      message: '営業時間を教えて',
      stream: true,
      agent_id: s.sim.agentId,
      external_user_id: 'user_1',
    });
  });

  it('streams AgentEvents whose deltas add up to finish.text', async () => {
    s = await setup();
    const chat = await s.codeer.chats.create();
    const stream = await s.codeer.messages.stream(chat.id, { message: 'こんにちは' });
    const events = await collect(stream.agentEvents());
    expect(events[0]).toMatchObject({ type: 'start', provider: 'codeer', chatId: String(chat.id), model: 'gpt-4o' });
    expect(events.slice(1, 4)).toEqual([
      { type: 'title', title: 'こんにちはについての質問' },
      expect.objectContaining({
        type: 'step-start',
        kind: 'consultant_retrieve_context_source',
        title: 'ナレッジベースを検索中',
      }),
      expect.objectContaining({
        type: 'step-end',
        kind: 'consultant_retrieve_context_source',
        status: 'completed',
        result: expect.objectContaining({ success: true }),
      }),
    ]);
    const finish = events.at(-1) as Extract<AgentEvent, { type: 'finish' }>;
    expect(finish).toMatchObject({
      type: 'finish',
      reason: 'stop',
      text: CODEER_SIM_DEFAULT_ANSWER,
      usage: { inputTokens: 125, outputTokens: 65, totalTokens: 190 },
    });
    expect(events.reduce(applyAgentEvent, '')).toBe(finish.text);
  });

  it('reads the history oldest first, across pages', async () => {
    s = await setup();
    const chat = await s.codeer.chats.create();
    await s.codeer.messages.send(chat.id, { message: '一つ目' });
    await s.codeer.messages.send(chat.id, { message: '二つ目' });
    const history = await collect(s.codeer.messages.list(chat.id, { limit: 2 }));
    expect(history.map((m) => [m.role, m.content])).toEqual([
      ['system', ''],
      ['user', '一つ目'],
      ['assistant', CODEER_SIM_DEFAULT_ANSWER],
      ['user', '二つ目'],
      ['assistant', CODEER_SIM_DEFAULT_ANSWER],
    ]);
    expect(history[1]!.group_id).toBe(history[2]!.group_id);
    const page = await s.codeer.messages.listPage(chat.id, { offset: 3 });
    expect(page.data.map((m) => m.content)).toEqual(['二つ目', CODEER_SIM_DEFAULT_ANSWER]);
    expect(page.pagination?.total_records).toBe(5);
  });

  it('posts feedback with the given body', async () => {
    s = await setup();
    const chat = await s.codeer.chats.create();
    await s.codeer.messages.send(chat.id, { message: 'q' });
    const reply = (await collect(s.codeer.messages.list(chat.id))).at(-1)!;
    const data = await s.codeer.messages.feedback(chat.id, reply.id, { rating: 'helpful', comment: '助かりました' });
    expect(data).toMatchObject({ message_id: reply.id, rating: 'helpful' });
    expect(s.sim.requests.at(-1)!.path).toBe(`/api/v1/chats/${chat.id}/messages/${reply.id}/feedbacks`);
    expect(s.sim.state.feedbacks[0]!.body).toEqual({ rating: 'helpful', comment: '助かりました' });
  });

  it('regenerates the last turn as a stream', async () => {
    s = await setup({ answer: (turn) => (turn.kind === 'regenerate' ? '作り直した答え' : '最初の答え') });
    const chat = await s.codeer.chats.create();
    await s.codeer.messages.send(chat.id, { message: '質問' });
    const result = await s.codeer.chats.regenerate(chat.id);
    expect(result.type).toBe('stream');
    if (result.type !== 'stream') return;
    expect((await result.stream.collect()).text).toBe('作り直した答え');
    expect(s.sim.requests.at(-1)).toMatchObject({ method: 'POST', path: `/api/v1/chats/${chat.id}/regenerate` });
    const history = await collect(s.codeer.messages.list(chat.id));
    expect(history.map((m) => m.content)).toEqual(['', '質問', '作り直した答え']);
  });

  it('submits a form and returns the JSON data', async () => {
    s = await setup();
    const chat = await s.codeer.chats.create();
    const result = await s.codeer.chats.submitForm(chat.id, 'form-42', { values: { email: 'a@example.com' } });
    expect(result).toEqual({
      type: 'data',
      data: { form_request_id: 'form-42', chat_id: chat.id, status: 'submitted' },
    });
    expect(s.sim.requests.at(-1)!.path).toBe(`/api/v1/chats/${chat.id}/form-requests/form-42/submit`);
  });

  it('creates a chat when streamChat has no chatId, and collects the whole answer with ask', async () => {
    s = await setup({ answer: ['こん', 'にち', 'は！'], steps: [] });
    const stream = await s.codeer.streamChat({ message: 'やあ', chatName: 'デモ', externalUserId: 'u-7' });
    expect(stream.chat).toMatchObject({ id: stream.chatId, name: 'デモ', external_user_id: 'u-7' });
    expect(await collect(stream.textStream())).toEqual(['こん', 'にち', 'は！']);
    expect(s.sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/chats',
      `POST /api/v1/chats/${stream.chatId}/messages`,
    ]);

    const answer = await s.codeer.ask({ message: '続き', chatId: stream.chatId });
    expect(answer).toMatchObject({ text: 'こんにちは！', chatId: stream.chatId, reason: 'stop' });
    expect(answer.start).toMatchObject({ provider: 'codeer', chatId: String(stream.chatId) });
    expect(s.sim.requests).toHaveLength(3);
  });
});

describe('files', () => {
  it('uploads multipart with the file part and the JSON data field', async () => {
    s = await setup();
    const pdf = new TextEncoder().encode('%PDF-1.4 日本語の資料');
    const file = await s.codeer.files.upload({ file: pdf, filename: '資料.pdf', scope: 'ephemeral' });
    expect(file).toMatchObject({
      original_name: '資料.pdf',
      content_type: 'application/pdf',
      size: pdf.byteLength,
      scope: 'ephemeral',
    });
    const req = s.sim.requests.at(-1)!;
    expect(req.path).toBe('/api/v1/chats/upload-file');
    expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const [upload] = s.sim.uploads;
    expect(upload!.dataField).toBe('{"scope":"ephemeral"}');
    expect(JSON.parse(upload!.dataField!)).toEqual({ scope: 'ephemeral' });
    expect(upload!.contentType).toBe('application/pdf');
    expect(new TextDecoder().decode(upload!.bytes)).toBe('%PDF-1.4 日本語の資料');

    const chat = await s.codeer.chats.create();
    await s.codeer.messages.send(chat.id, { message: '添付を要約して', attachedFileUuids: [file.uuid] });
    expect(s.sim.requests.at(-1)!.json()).toMatchObject({ attached_file_uuids: [file.uuid] });
    const history = await collect(s.codeer.messages.list(chat.id));
    expect(history[1]!.attached_files).toEqual([
      expect.objectContaining({ id: file.uuid, name: '資料.pdf', type: 'application/pdf' }),
    ]);
  });

  it('uses a File name and type, and leaves the data field out without a scope', async () => {
    s = await setup();
    const file = await s.codeer.files.upload({ file: new File(['a,b\n1,2\n'], 'table.csv', { type: 'text/csv' }) });
    expect(file).toMatchObject({ original_name: 'table.csv', content_type: 'text/csv', scope: 'persistent' });
    expect(s.sim.uploads[0]!.dataField).toBeUndefined();
  });
});

describe('batches', () => {
  it('creates, lists, reads, gets the results of and cancels batches', async () => {
    s = await setup({ batchCompletion: 'on-read' });
    const batch = await s.codeer.batches.create({
      requests: [
        { customId: 'q-1', message: '営業時間は？', name: '問い合わせ1', externalUserId: 'u1' },
        { customId: 'q-2', message: '定休日は？' },
      ],
      webhook: { url: 'https://example.com/hook', events: ['completed'], secret: 'whsec_batch_secret_1' },
    });
    expect(batch).toMatchObject({ status: 'in_progress', agent_id: s.sim.agentId, request_counts: { total: 2 } });
    expect(s.sim.requests.at(-1)!.json()).toEqual({
      agent_id: s.sim.agentId,
      requests: [
        { custom_id: 'q-1', message: '営業時間は？', name: '問い合わせ1', external_user_id: 'u1' },
        { custom_id: 'q-2', message: '定休日は？' },
      ],
      webhook: { url: 'https://example.com/hook', events: ['completed'], secret: 'whsec_batch_secret_1' },
    });

    const list = await s.codeer.batches.list();
    expect(list.data.map((b) => b.id)).toEqual([batch.id]);
    const read = await s.codeer.batches.get(batch.id!);
    expect(read.status).toBe('completed');
    const results = await s.codeer.batches.results(batch.id!, { limit: 1, offset: 1 });
    expect(results.data).toEqual([
      expect.objectContaining({ custom_id: 'q-2', status: 'completed', output: CODEER_SIM_DEFAULT_ANSWER }),
    ]);
    expect(results.pagination?.total_records).toBe(2);

    const second = await s.codeer.batches.create({
      agentId: s.sim.agentId,
      requests: [{ customId: 'only', message: 'x', historyId: 1001 }],
    });
    const cancelled = await s.codeer.batches.cancel(second.id!);
    expect(cancelled.status).toBe('cancelled');
    expect(s.sim.requests.at(-1)).toMatchObject({ method: 'POST', path: `/api/v1/batches/${second.id}/cancel` });
  });
});
