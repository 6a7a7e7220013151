/** Recorded wire streams replayed by the decoder tests. Japanese text, CRLF, comments and ids on purpose. */

const chunk = (content: string, extra = '') =>
  `{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}}${extra}}]}`;

/** OpenAI-style chat stream: `: connected`, heartbeats, Japanese deltas, `[DONE]`. LF line ends. */
export const openaiStyleSSE = [
  ': connected\n\n',
  `data: ${chunk('こんにちは')}\n\n`,
  ': heartbeat\n\n',
  `data: ${chunk('、世界！🌏')}\n\n`,
  `data: ${chunk('架け橋です。', ',"finish_reason":"stop"')}\n\n`,
  'data: [DONE]\n\n',
].join('');

export const openaiStyleTexts = ['こんにちは', '、世界！🌏', '架け橋です。'];

/** Named events with ids and multi-line data, CRLF line ends (Codeer-like). */
export const namedEventsCRLF = [
  ': ping\r\n\r\n',
  'event: message.delta\r\nid: 1\r\ndata: {"delta":"日本語の"}\r\n\r\n',
  'event: message.delta\r\nid: 2\r\ndata: {"delta":"テキスト"}\r\n\r\n',
  'event: step\r\nid: 3\r\ndata: line one\r\ndata: 二行目\r\n\r\n',
  'event: done\r\nid: 4\r\ndata: {}\r\n\r\n',
].join('');

export const namedEventsExpected = [
  { event: 'message.delta', id: '1', data: '{"delta":"日本語の"}' },
  { event: 'message.delta', id: '2', data: '{"delta":"テキスト"}' },
  { event: 'step', id: '3', data: 'line one\n二行目' },
  { event: 'done', id: '4', data: '{}' },
];

/** miibo-style cumulative NDJSON snapshots with Japanese text, mixed line ends and a data: prefix. */
export const ndjsonStream = [
  '{"utterance":"","bestResponse":{"utterance":"お"}}\n',
  '\n',
  '{"bestResponse":{"utterance":"お待たせ"}}\r\n',
  'data: {"bestResponse":{"utterance":"お待たせしました🙇"}}\n',
  '{"bestResponse":{"utterance":"お待たせしました🙇 完了"},"done":true}',
].join('');

export const ndjsonExpected = [
  { utterance: '', bestResponse: { utterance: 'お' } },
  { bestResponse: { utterance: 'お待たせ' } },
  { bestResponse: { utterance: 'お待たせしました🙇' } },
  { bestResponse: { utterance: 'お待たせしました🙇 完了' }, done: true },
];
