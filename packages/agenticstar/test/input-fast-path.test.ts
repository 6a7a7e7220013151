/**
 * The fast paths in front of the chat input and call option schemas must give the schemas' results:
 * every value they accept, the schema accepts with an equal output (and they return a copy, as zod
 * does); every value they decline, the schema judges. Checked over each field's good and bad values.
 */
import { describe, expect, it } from 'vitest';
import { callOptionsSchema, chatInputSchema, plainCallOptions, plainChatInput } from '../src/agenticstar-chat-request';

const strings = [undefined, '', 'テキスト', 7, null, {}];
const message = { role: 'user', content: 'こんにちは' };
const messageVariants: unknown[] = [
  message,
  { role: 'assistant', content: '答え' },
  { role: 'system', content: '指示' },
  { role: 'tool', content: 'x' },
  { role: 'user', content: '' },
  { role: 'user' },
  { content: 'x' },
  { role: 'user', content: 'x', name: 'extra' },
  { role: 'user', content: 5 },
  null,
  'user',
  Object.assign(Object.create({ inherited: true }), message),
];
const inputs: unknown[] = [
  undefined,
  null,
  'plain string',
  [],
  {},
  { message: 'hi' },
  { message: 'hi', messages: [message] },
  { messages: [] },
  { messages: 'x' },
  ...messageVariants.map((m) => ({ messages: [m] })),
  ...messageVariants.map((m) => ({ messages: [message, m] })),
  ...['message', 'conversationId', 'agentId', 'model'].flatMap((key) =>
    strings.map((v) => ({ message: 'hi', [key]: v })),
  ),
  { message: 'hi', agentMode: true },
  { message: 'hi', agentLevel: 'default' },
  { message: 'hi', files: ['f1'] },
  { message: 'hi', extraBody: { a: 1 } },
  { message: 'hi', unknown: 1 },
  { messages: [message], conversationId: 'conv-1', agentId: 'agent-1', model: 'AGENTIC STAR' },
  Object.assign(Object.create(null), { message: 'hi' }),
  new (class Input {
    message = 'hi';
  })(),
];

describe('plainChatInput', () => {
  it(`agrees with chatInputSchema on ${inputs.length} inputs and returns a copy`, () => {
    let fast = 0;
    for (const input of inputs) {
      const verdict = chatInputSchema.safeParse(input);
      const plain = plainChatInput(input);
      if (plain === undefined) continue;
      fast++;
      expect(verdict.success, JSON.stringify(input)).toBe(true);
      expect(plain, JSON.stringify(input)).toEqual(verdict.data);
      expect(plain).not.toBe(input);
      const given = (input as { messages?: unknown[] }).messages;
      if (given) {
        expect(plain.messages).not.toBe(given);
        plain.messages!.forEach((m, i) => expect(m).not.toBe(given[i]));
      }
    }
    expect(fast).toBeGreaterThanOrEqual(10);
  });

  it('declines what only the schema can judge (the schema then reports it)', () => {
    expect(plainChatInput({ message: 'hi', messages: [message] })).toBeUndefined();
    expect(chatInputSchema.safeParse({ message: 'hi', messages: [message] }).success).toBe(false);
    expect(plainChatInput({ messages: [{ role: 'tool', content: 'x' }] })).toBeUndefined();
    expect(plainChatInput({ message: 'hi', agentMode: false })).toBeUndefined();
    expect(chatInputSchema.safeParse({ message: 'hi', agentMode: false }).success).toBe(true);
  });
});

describe('plainCallOptions', () => {
  const signal = new AbortController().signal;
  const options: unknown[] = [
    undefined,
    {},
    { signal },
    { signal: 'x' },
    { signal: undefined },
    { signal, maxRetries: 1 },
    { timeouts: { idleMs: 5 } },
    null,
    [],
    new (class {})(),
  ];
  it('agrees with callOptionsSchema', () => {
    for (const o of options) {
      const plain = plainCallOptions(o);
      if (plain === undefined) continue;
      const verdict = callOptionsSchema.safeParse(o ?? {});
      expect(verdict.success, String(o)).toBe(true);
      expect(plain).toEqual(verdict.data);
      if (plain.signal) expect(plain.signal).toBe(signal);
    }
    expect(plainCallOptions({ signal })).toEqual({ signal });
    expect(plainCallOptions({ signal, maxRetries: 1 })).toBeUndefined();
  });
});
