/**
 * The fast shape check in front of the chunk schema must give the schema's verdict: every chunk it
 * passes, the schema accepts unchanged; every chunk it refuses, the schema gets to judge. Checked over
 * chunks built from each field's good and bad values.
 */
import { describe, expect, it } from 'vitest';
import { agenticStarChunkSchema, isPlainAgenticStarChunk } from '../src/agenticstar-chunk';

const ids = [undefined, null, 'abc', 42, true, {}, []];
const strings = [undefined, null, '', 'テキスト', 7, {}];
const numbers = [undefined, null, 0, 'x'];

/** Every value of `values` at `key`, over a base object (one field varied at a time). */
function vary(base: Record<string, unknown>, key: string, values: unknown[]): Record<string, unknown>[] {
  return values.map((v) =>
    v === undefined ? Object.fromEntries(Object.entries(base).filter(([k]) => k !== key)) : { ...base, [key]: v },
  );
}

const task = {
  messageId: 'm1',
  conversationId: 'c1',
  actionType: 'search',
  callId: 'call-1',
  title: '検索',
  status: 'running',
  timestamp: 1700000000000,
};
const tasks: unknown[] = [
  undefined,
  null,
  [],
  [task],
  'not an array',
  [null],
  [[]],
  ...vary(task, 'messageId', ids).map((t) => [t]),
  ...vary(task, 'conversationId', ids).map((t) => [t]),
  ...vary(task, 'callId', ids).map((t) => [t]),
  ...vary(task, 'timestamp', ids).map((t) => [t]),
  ...vary(task, 'actionType', strings).map((t) => [t]),
  ...vary(task, 'title', strings).map((t) => [t]),
  ...vary(task, 'status', strings).map((t) => [t]),
  [{ ...task, extra: { kept: true } }],
];
const messageInfos: unknown[] = [
  undefined,
  null,
  'x',
  [],
  { conversationId: 'c', messageId: 5 },
  ...vary({ conversationId: 'c', messageId: 'm' }, 'conversationId', ids),
  ...vary({ conversationId: 'c', messageId: 'm' }, 'messageId', ids),
];
const baseDelta = { role: 'assistant', content: 'こんにちは' };
const deltas: unknown[] = [
  undefined,
  null,
  'x',
  [],
  ...vary(baseDelta, 'role', strings),
  ...vary(baseDelta, 'content', strings),
  ...messageInfos.map((m) => ({ ...baseDelta, messageInfo: m })),
  ...tasks.map((t) => ({ tasks: t })),
];
const baseChoice = { index: 0, finishReason: null };
const choices: unknown[] = [
  null,
  'x',
  [],
  ...vary(baseChoice, 'index', numbers),
  ...vary(baseChoice, 'finishReason', strings),
  ...vary(baseChoice, 'finish_reason', strings),
  ...deltas.map((d) => (d === undefined ? { ...baseChoice } : { ...baseChoice, delta: d })),
];
const baseChunk = { createdAt: 1700000000, model: 'AGENTIC STAR', choices: [] as unknown[] };
const chunks: Record<string, unknown>[] = [
  ...vary(baseChunk, 'id', ids),
  ...vary(baseChunk, 'createdAt', ids),
  ...vary(baseChunk, 'model', strings),
  ...vary(baseChunk, 'choices', [undefined, null, 'x', [], [{}]]),
  ...choices.map((c) => ({ ...baseChunk, choices: [c] })),
  ...choices.map((c) => ({ ...baseChunk, choices: [{ index: 0, delta: { content: 'a' } }, c] })),
];

describe('isPlainAgenticStarChunk', () => {
  it(`agrees with the schema on ${chunks.length} chunks, and passes only what the schema leaves unchanged`, () => {
    let plain = 0;
    for (const chunk of chunks) {
      const verdict = agenticStarChunkSchema.safeParse(chunk);
      if (isPlainAgenticStarChunk(chunk)) {
        plain++;
        expect(verdict.success, JSON.stringify(chunk)).toBe(true);
        expect(verdict.data, JSON.stringify(chunk)).toEqual(chunk);
      } else if (Array.isArray(chunk.choices)) {
        // Refused by the fast check: only the schema's judgement counts, and it must refuse too
        // (no usage here, so nothing legitimately needs the slow path).
        expect(verdict.success, JSON.stringify(chunk)).toBe(false);
      }
    }
    // The common shapes (role chunk with messageInfo, task chunks, text, final) take the fast path.
    expect(plain).toBeGreaterThan(chunks.length / 3);
  });

  it('leaves usage to the schema', () => {
    const chunk = { ...baseChunk, usage: { prompt_tokens: 3 } };
    expect(isPlainAgenticStarChunk(chunk)).toBe(false);
    expect(agenticStarChunkSchema.safeParse(chunk).success).toBe(true);
  });
});
