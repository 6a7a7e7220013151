import { describe, expect, it } from 'vitest';
import { isEnvRecord } from '@kakehashi/sse-core';

describe('isEnvRecord', () => {
  it('takes process.env and plain records of strings', () => {
    expect(isEnvRecord(process.env)).toBe(true);
    expect(isEnvRecord({ A: 'x', B: undefined })).toBe(true);
    expect(isEnvRecord(Object.create(null))).toBe(true);
  });
  it('refuses what cannot stand in for the environment', () => {
    for (const bad of [null, undefined, 'A=x', ['A'], { A: 1 }, { A: { nested: 'x' } }])
      expect(isEnvRecord(bad)).toBe(false);
  });
});
