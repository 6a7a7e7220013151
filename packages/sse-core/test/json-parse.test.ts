import { describe, expect, it } from 'vitest';
import { JSON_MAX_DEPTH, jsonNestingExceeds, parseJsonRequestBody } from '../src/index';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('parseJsonRequestBody', () => {
  it('parses bodies up to the documented depth', () => {
    expect(JSON_MAX_DEPTH).toBe(128);
    const r = parseJsonRequestBody(nested(JSON_MAX_DEPTH));
    expect(r.ok).toBe(true);
    expect(parseJsonRequestBody(nestedObjects(JSON_MAX_DEPTH)).ok).toBe(true);
    expect(parseJsonRequestBody('{"model":"codeer/a","messages":[{"role":"user","content":"hi"}]}')).toEqual({
      ok: true,
      value: { model: 'codeer/a', messages: [{ role: 'user', content: 'hi' }] },
    });
  });

  it('refuses one level more, and 5,000 levels, naming the limit', () => {
    for (const text of [nested(JSON_MAX_DEPTH + 1), nestedObjects(JSON_MAX_DEPTH + 1), nested(5000)]) {
      const r = parseJsonRequestBody(text);
      expect(r).toMatchObject({ ok: false, reason: 'too-deep' });
      expect(!r.ok && r.message).toContain('128');
    }
    expect(parseJsonRequestBody(nested(11), 10)).toMatchObject({ ok: false, reason: 'too-deep' });
    expect(parseJsonRequestBody(nested(10), 10).ok).toBe(true);
  });

  it('does not count brackets inside strings, and handles text nested far past any stack', () => {
    const text = JSON.stringify({ text: `${'['.repeat(500)}"\\"{{{{` });
    expect(parseJsonRequestBody(text, 1).ok).toBe(true);
    expect(jsonNestingExceeds(JSON.parse(nested(500_000)))).toBe(true);
    expect(parseJsonRequestBody(nested(500_000))).toMatchObject({ ok: false, reason: 'too-deep' });
    expect(jsonNestingExceeds({ a: [{ b: [] }] }, 4)).toBe(false);
    expect(jsonNestingExceeds({ a: [{ b: [] }] }, 3)).toBe(true);
    expect(jsonNestingExceeds('scalar', 0)).toBe(false);
  });

  it('answers invalid JSON without throwing', () => {
    for (const text of ['', '{', 'text/plain body', '{"a":1}}']) {
      expect(parseJsonRequestBody(text)).toMatchObject({ ok: false, reason: 'invalid-json' });
    }
  });
});
