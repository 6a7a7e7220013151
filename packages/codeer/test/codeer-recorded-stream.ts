import type { AgentEvent } from '@kakehashi/sse-core';

/**
 * A recorded Codeer stream (Japanese text) with everything a real server may send: a comment, CRLF
 * line endings on some events, the newer `step.tool_name` spelling next to `step.type`, an unknown
 * event, a `data:` split over two lines, an emoji, `full_text` instead of `final_text`, and the bare
 * `data: [DONE]` terminator.
 */
export const RECORDED_WIRE =
  ': stream opened\n\n' +
  'event: response.created\r\n' +
  'data: {"type":"response.created","response_id":"9b2f1c4e-0d4a-4f7b-9a7e-1c2d3e4f5a6b","chat_id":12345,"agent_id":"550e8400-e29b-41d4-a716-446655440000","model":"gpt-4o","conversation_group_id":"cvg-7f3e","user_conversation_id":88}\r\n' +
  '\r\n' +
  'event: response.chat.title.updated\n' +
  'data: {"type":"response.chat.title.updated","response_id":"9b2f1c4e-0d4a-4f7b-9a7e-1c2d3e4f5a6b","chat_id":12345,"name":"営業時間についての質問"}\n\n' +
  'event: response.reasoning_step.start\n' +
  'data: {"type":"response.reasoning_step.start","response_id":"9b2f1c4e-0d4a-4f7b-9a7e-1c2d3e4f5a6b","chat_id":12345,"step":{"id":"step_abc123","content":"営業時間についてナレッジベースを検索中","tool_name":"retrieve_context_objs","args":{"query":"営業時間"},"timestamp":"2024-01-15T10:30:00Z"}}\n\n' +
  'event: response.part.created\n' +
  'data: {"type":"response.part.created","part_kind":"text"}\n\n' +
  'event: response.reasoning_step.end\n' +
  'data: {"type":"response.reasoning_step.end","response_id":"9b2f1c4e-0d4a-4f7b-9a7e-1c2d3e4f5a6b","chat_id":12345,"step":{"id":"step_abc123","type":"consultant_retrieve_context_source","result":{"success":true,"data":"3件の関連ドキュメントが見つかりました..."},"timestamp":"2024-01-15T10:30:01Z","token_usage":{"total_prompt_tokens":150,"total_completion_tokens":45,"total_tokens":195,"total_calls":1}}}\n\n' +
  'event: response.output_text.delta\n' +
  'data: {"type":"response.output_text.delta","response_id":"9b2f1c4e-0d4a-4f7b-9a7e-1c2d3e4f5a6b","chat_id":12345,"delta":"営業時間は"}\n\n' +
  'event: response.output_text.delta\r\n' +
  'data: {"type":"response.output_text.delta","response_id":"9b2f1c4e-0d4a-4f7b-9a7e-1c2d3e4f5a6b",\r\n' +
  'data: "chat_id":12345,"delta":"月曜日から金曜日の"}\r\n' +
  '\r\n' +
  ': still working\n\n' +
  'event: response.output_text.delta\n' +
  'data: {"type":"response.output_text.delta","response_id":"9b2f1c4e-0d4a-4f7b-9a7e-1c2d3e4f5a6b","chat_id":12345,"delta":"午前9時から午後6時までです🕘"}\n\n' +
  'event: response.output_text.completed\n' +
  'data: {"type":"response.output_text.completed","response_id":"9b2f1c4e-0d4a-4f7b-9a7e-1c2d3e4f5a6b","chat_id":12345,"full_text":"営業時間は月曜日から金曜日の午前9時から午後6時までです🕘","usage":{"total_prompt_tokens":250,"total_completion_tokens":85,"total_tokens":335,"total_calls":1}}\n\n' +
  'data: [DONE]\n\n';

export const RECORDED_TEXT = '営業時間は月曜日から金曜日の午前9時から午後6時までです🕘';

export const RECORDED_AGENT_EVENTS: AgentEvent[] = [
  {
    type: 'start',
    provider: 'codeer',
    responseId: '9b2f1c4e-0d4a-4f7b-9a7e-1c2d3e4f5a6b',
    chatId: '12345',
    conversationId: 'cvg-7f3e',
    model: 'gpt-4o',
  },
  { type: 'title', title: '営業時間についての質問' },
  {
    type: 'step-start',
    id: 'step_abc123',
    kind: 'retrieve_context_objs',
    status: 'running',
    title: '営業時間についてナレッジベースを検索中',
    args: { query: '営業時間' },
  },
  {
    type: 'step-end',
    id: 'step_abc123',
    kind: 'consultant_retrieve_context_source',
    status: 'completed',
    title: '営業時間についてナレッジベースを検索中',
    result: { success: true, data: '3件の関連ドキュメントが見つかりました...' },
  },
  { type: 'text-delta', delta: '営業時間は' },
  { type: 'text-delta', delta: '月曜日から金曜日の' },
  { type: 'text-delta', delta: '午前9時から午後6時までです🕘' },
  {
    type: 'finish',
    text: RECORDED_TEXT,
    reason: 'stop',
    usage: { inputTokens: 250, outputTokens: 85, totalTokens: 335 },
  },
];
