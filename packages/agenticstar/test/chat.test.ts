import { AgentStreamError, ApiCallError, ResponseDecodeError, type AgentEvent } from '@kakehashi/sse-core';
import { agenticStarDefaultAnswer, startScriptedServer } from '@kakehashi/testkit';
import { describe, expect, it } from 'vitest';
import { createAgenticStar, type AgenticStarStreamEvent } from '@kakehashi/agenticstar';
import { appliedText, collect, failure, saasClient, simulator } from './helpers';

describe('streamChat: typed events', () => {
  it('sends the documented request and decodes role, content, task, finish and [DONE] chunks', async () => {
    const sim = await simulator();
    const agenticstar = saasClient(sim);
    const comments: string[] = [];
    const stream = await agenticstar.streamChat('こんにちは', { onComment: (c) => comments.push(c) });
    const events = await collect<AgenticStarStreamEvent>(stream);

    const [request] = sim.chatRequests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.authorization).toBe(`Bearer ${sim.issuedTokens[0]!.token}`);
    expect(request?.json()).toEqual({
      model: 'AGENTIC STAR',
      stream: true,
      messages: [{ role: 'user', content: 'こんにちは' }],
    });

    expect(comments[0]).toBe('connected');
    const first = events[0];
    expect(first).toMatchObject({
      type: 'chunk',
      delta: { role: 'assistant', messageInfo: { conversationId: 'conv-000001', messageId: 'msg-000001' } },
    });
    expect(first?.type === 'chunk' && first.chunk.model).toBe('AGENTIC STAR');
    const text = events.map((e) => (e.type === 'chunk' ? (e.content ?? '') : '')).join('');
    expect(text).toBe(agenticStarDefaultAnswer('こんにちは'));
    expect(events.some((e) => e.type === 'chunk' && (e.delta?.tasks?.length ?? 0) > 0)).toBe(true);
    expect(events.at(-2)).toMatchObject({ type: 'chunk', finishReason: 'stop' });
    expect(events.at(-1)).toEqual({ type: 'done' });

    expect(stream.conversationId).toBe('conv-000001');
    expect(stream.messageId).toBe('msg-000001');
    expect(stream.text).toBe(text);
    expect(stream.finishReason).toBe('stop');
    expect(stream.tasks).toHaveLength(2);
  });

  it('keeps unknown delta fields and passes unknown payloads through; reads snake_case finish_reason', async () => {
    const sim = await simulator({
      script: [
        { content: '確認', delta: { interactionRequest: { kind: 'approval', prompt: '実行しますか?' } } },
        { data: '{"type":"progress","percent":50}' },
        { finish: 'stop', snakeCase: true },
        { done: true },
      ],
    });
    const events = await collect<AgenticStarStreamEvent>(await saasClient(sim).streamChat('承認'));
    expect(events[1]).toMatchObject({
      type: 'chunk',
      content: '確認',
      delta: { interactionRequest: { kind: 'approval', prompt: '実行しますか?' } },
    });
    expect(events[2]).toEqual({ type: 'unknown', data: { type: 'progress', percent: 50 } });
    expect(events[3]).toMatchObject({ type: 'chunk', finishReason: 'stop' });
  });
});

describe('streamChat: AgentEvents', () => {
  it('maps the stream onto start, text-delta, step-start/step-end (kind task) and finish', async () => {
    const sim = await simulator();
    const events = await collect((await saasClient(sim).streamChat('天気を教えて')).agentEvents());

    expect(events[0]).toEqual({
      type: 'start',
      provider: 'agenticstar',
      conversationId: 'conv-000001',
      messageId: 'msg-000001',
      model: 'AGENTIC STAR',
    });
    const finish = events.at(-1);
    expect(finish).toEqual({ type: 'finish', text: agenticStarDefaultAnswer('天気を教えて'), reason: 'stop' });
    expect(appliedText(events)).toBe(agenticStarDefaultAnswer('天気を教えて'));

    const steps = events.filter((e) => e.type === 'step-start' || e.type === 'step-end');
    expect(steps.map((e) => [e.type, e.title, e.status])).toEqual([
      ['step-start', '情報収集', 'running'],
      ['step-start', 'データ分析', 'running'],
      // the tool_result (titled "success") merges into its call by callId
      ['step-end', 'データ分析', 'completed'],
      ['step-end', '情報収集', 'completed'],
    ]);
    expect(steps.every((e) => e.kind === 'task')).toBe(true);
    const toolEnd = steps[2] as Extract<AgentEvent, { type: 'step-end' }>;
    expect(toolEnd.result).toMatchObject({ actionType: 'tool_result', title: 'success', status: 'completed' });
  });

  it('merges tasks without callId by messageId + title, and ends tasks still open at [DONE]', async () => {
    const sim = await simulator({
      script: [
        { task: { callId: '', title: '検索', status: 'running' } },
        { task: { callId: '', title: '検索', status: 'running', progress: 0.5 } },
        { task: { title: '要約', status: 'running' } },
        { content: '完了' },
      ],
    });
    const stream = await saasClient(sim).streamChat('テスト');
    const events = await collect(stream.agentEvents());
    const steps = events.filter((e) => e.type === 'step-start' || e.type === 'step-end');
    expect(steps.map((e) => [e.type, e.title])).toEqual([
      ['step-start', '検索'],
      ['step-start', '要約'],
      ['step-end', '検索'],
      ['step-end', '要約'],
    ]);
    expect(stream.tasks[0]).toMatchObject({ title: '検索', progress: 0.5 });
    expect(events.at(-1)).toMatchObject({ type: 'finish', text: '完了' });
  });

  it('turns an in-stream error payload into an error event and stops reading', async () => {
    const sim = await simulator({
      script: [
        { content: '途中まで' },
        { data: '{"error":{"code":"agent_failed","message":"エージェントが失敗しました"}}' },
        { stall: true },
      ],
    });
    const events = await collect((await saasClient(sim).streamChat('失敗して')).agentEvents());
    expect(events.at(-1)).toEqual({
      type: 'error',
      message: 'agenticstar reported an error: エージェントが失敗しました',
      code: 'agent_failed',
      retryable: false,
    });
    await expect(sim.chatRequests[0]!.closed).resolves.toEqual({ byClient: true });

    const error = await failure(() => saasClient(sim).ask('失敗して'));
    expect(AgentStreamError.isInstance(error)).toBe(true);
    expect((error as AgentStreamError).partialText).toBe('途中まで');
  });
});

describe('chat (collected answer) and conversations across turns', () => {
  it('collects the whole answer with ids, tasks and events', async () => {
    const sim = await simulator({ answer: '東京は晴れです。' });
    const result = await saasClient(sim).ask({ message: '東京の天気は?' });
    expect(result).toMatchObject({
      text: '東京は晴れです。',
      reason: 'stop',
      finishReason: 'stop',
      conversationId: 'conv-000001',
      messageId: 'msg-000001',
    });
    expect(result.tasks.map((t) => t.status)).toEqual(['completed', 'completed']);
    expect(result.events[0]?.type).toBe('start');
    expect(result.events.at(-1)?.type).toBe('finish');
  });

  it('continues a conversation with the captured conversationId', async () => {
    const sim = await simulator();
    const agenticstar = saasClient(sim);
    const first = await agenticstar.ask('最初の質問');
    const second = await agenticstar.ask({ message: '続きの質問', conversationId: first.conversationId });
    expect(sim.chatRequests[0]!.json()).not.toHaveProperty('conversationId');
    expect(sim.chatRequests[1]!.json()).toMatchObject({ conversationId: first.conversationId });
    expect(second.conversationId).toBe(first.conversationId);
    expect(sim.conversations).toHaveLength(1);
  });

  it('conversation() carries the id from turn to turn', async () => {
    const sim = await simulator();
    const conversation = saasClient(sim).conversation();
    expect(conversation.id).toBeUndefined();
    await conversation.ask('一つ目');
    expect(conversation.id).toBe('conv-000001');
    const events = await collect((await conversation.streamChat('二つ目')).agentEvents());
    expect(events.at(-1)?.type).toBe('finish');
    expect(sim.chatRequests.map((r) => r.json<{ conversationId?: string }>().conversationId)).toEqual([
      undefined,
      'conv-000001',
    ]);
    expect(sim.conversations[0]).toMatchObject({ conversationId: 'conv-000001', messageCount: 4 });

    const resumed = saasClient(sim).conversation('conv-000001');
    await resumed.ask('三つ目');
    expect(sim.chatRequests[2]!.json()).toMatchObject({ conversationId: 'conv-000001' });
  });

  it('passes agentMode, agentLevel, files, agentId, model and extraBody through', async () => {
    const sim = await simulator();
    await saasClient(sim, { model: 'custom-model' }).ask({
      messages: [
        { role: 'system', content: '丁寧に答えて' },
        { role: 'user', content: '質問' },
      ],
      agentMode: false,
      agentLevel: 'high_performance',
      files: ['file-001', { fileId: 'file-002', name: '資料.pdf' }],
      agentId: 'agent-ai-bot',
      extraBody: { locale: 'ja-JP' },
    });
    expect(sim.chatRequests[0]!.json()).toEqual({
      model: 'custom-model',
      stream: true,
      messages: [
        { role: 'system', content: '丁寧に答えて' },
        { role: 'user', content: '質問' },
      ],
      agentMode: false,
      agentLevel: 'high_performance',
      files: [{ fileId: 'file-001' }, { fileId: 'file-002', name: '資料.pdf' }],
      agentId: 'agent-ai-bot',
      locale: 'ja-JP',
    });
  });

  it('sends agentId in the query when agentIdPlacement is query', async () => {
    const sim = await simulator();
    await saasClient(sim, { agentId: 'agent-ai-bot', agentIdPlacement: 'query' }).ask('質問');
    expect(sim.chatRequests[0]!.query.get('agentId')).toBe('agent-ai-bot');
    expect(sim.chatRequests[0]!.json()).not.toHaveProperty('agentId');
  });

  it('sends extra headers from the settings and the call', async () => {
    const sim = await simulator();
    await saasClient(sim, { headers: { 'x-tenant': 't1' } }).ask('質問', { headers: { 'x-trace': 'abc' } });
    expect(sim.chatRequests[0]!.headers).toMatchObject({ 'x-tenant': 't1', 'x-trace': 'abc' });
  });
});

describe('a JSON answer instead of a stream', () => {
  it('an error envelope in a 2xx becomes an ApiCallError; anything else a decode error', async () => {
    const server = await startScriptedServer();
    try {
      server.reply(
        {
          headers: { 'content-type': 'application/json' },
          body: '{"success":false,"error":{"code":"quota_exceeded","message":"上限に達しました"}}',
        },
        { headers: { 'content-type': 'application/json' }, body: '{"choices":[{"message":{"content":"x"}}]}' },
      );
      const agenticstar = createAgenticStar({
        baseURL: server.url,
        tokenProvider: { getToken: () => 'scripted-token-1' },
        env: {},
      });
      const envelope = await failure(() => agenticstar.ask('x'));
      expect(ApiCallError.isInstance(envelope)).toBe(true);
      expect(envelope).toMatchObject({ status: 200, code: 'quota_exceeded', retryable: false });
      expect((envelope as Error).message).toContain('上限に達しました');
      const other = await failure(() => agenticstar.ask('x'));
      expect(ResponseDecodeError.isInstance(other)).toBe(true);
      expect(server.requests[0]!.headers.authorization).toBe('Bearer scripted-token-1');
    } finally {
      await server.close();
    }
  });
});
