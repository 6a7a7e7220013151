import type { AgentEvent } from '@kakehashi/sse-core';

/**
 * A miibo stream in every shape the decoder must accept: a searching draft, a blank line, a `data:`
 * prefix with CRLF, several objects on one write, a `:` comment, an `event:` line, a rewrite, an
 * emoji (4-byte UTF-8), and a final whole response without its trailing newline.
 */
export const recordedStream =
  '{"bestResponse":{"utterance":"検索中…","is_searching":true}}\n' +
  '\n' +
  'data: {"bestResponse":{"utterance":"こんに","is_searching":false}}\r\n' +
  '{"bestResponse":{"utterance":"こんにちは、","is_searching":false}}\n{"bestResponse":{"utterance":"こんにちは、架け橋🌉です","is_searching":false}}\n' +
  ': keep-alive\n' +
  'event: message\n' +
  '{"bestResponse":{"utterance":"こんにちは、架け橋🌉です。","is_searching":false}}\n' +
  '{"utterance":"やあ","bestResponse":{"utterance":"こんにちは、架け橋🌉です。ご用件は?","score":0.5,"options":["はい","いいえ"],"topic":"挨拶","isAutoResponse":true,"extensions":null},"userState":{"name":"太郎"},"avatarIconUrl":""}';

export const recordedFinalText = 'こんにちは、架け橋🌉です。ご用件は?';

export const recordedAgentEvents: AgentEvent[] = [
  { type: 'start', provider: 'miibo' },
  { type: 'text-delta', delta: '検索中…' },
  { type: 'text-replace', text: 'こんに' },
  { type: 'text-delta', delta: 'ちは、' },
  { type: 'text-delta', delta: '架け橋🌉です' },
  { type: 'text-delta', delta: '。' },
  { type: 'text-delta', delta: 'ご用件は?' },
  { type: 'finish', text: recordedFinalText, reason: 'stop' },
];
