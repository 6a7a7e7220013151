/**
 * A recorded AgenticStar chat stream (the documented shape, Japanese text): `: connected`, the role
 * chunk with `messageInfo`, a running task, content pieces (one with an emoji, one with an unknown
 * delta field), a `: heartbeat`, a tool result merged by `callId`, content + task in one chunk, an
 * event with `\r\n` line ends, the final chunk with camelCase `finishReason`, and `[DONE]`.
 */
const chunk = (createdAt: string, delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ createdAt, model: 'AGENTIC STAR', choices: [{ index: 0, delta, ...extra }] })}\n\n`;

const ids = { messageId: 'msg-7f3a', conversationId: 'conv-2b9c' };
const call = '0cf24f34-bbd9-4833-88c4-d7f520ce3aae';

export const RECORDED_STREAM =
  ': connected\n\n' +
  chunk('2026-03-14T10:30:00.000Z', { role: 'assistant', messageInfo: { ...ids, createdAt: 1773499410000 } }) +
  chunk('2026-03-14T10:30:01.000Z', {
    tasks: [
      {
        ...ids,
        actionType: 'execute',
        callId: call,
        title: 'data analysis',
        status: 'running',
        timestamp: 1773499411000,
      },
    ],
  }) +
  chunk('2026-03-14T10:30:02.000Z', { content: '東京の' }) +
  ': heartbeat\n\n' +
  chunk('2026-03-14T10:30:32.000Z', { content: '明日の天気は🌤️晴れ', interactionRequest: null }) +
  chunk('2026-03-14T10:30:33.000Z', {
    tasks: [
      {
        ...ids,
        actionType: 'tool_result',
        callId: call,
        title: 'success',
        status: 'completed',
        timestamp: 1773499412706,
      },
    ],
  }) +
  chunk('2026-03-14T10:30:34.000Z', {
    content: '、最高気温は２０℃です。',
    tasks: [
      { ...ids, actionType: 'execute', callId: 'c2', title: '要約', status: 'completed', timestamp: 1773499413000 },
    ],
  }).replace(/\n/g, '\r\n') +
  chunk('2026-03-14T10:30:35.000Z', { content: '良い一日を！' }) +
  chunk('2026-03-14T10:30:36.000Z', {}, { finishReason: 'stop' }) +
  'data: [DONE]\n\n';

export const RECORDED_TEXT = '東京の明日の天気は🌤️晴れ、最高気温は２０℃です。良い一日を！';
