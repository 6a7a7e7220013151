import { createMiibo, miiboResponseSchema } from '@kakehashi/miibo';
import { InvalidArgumentError } from '@kakehashi/sse-core';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';

// The package runs on its own bundled copy of zod; these are the README's promises about
// miiboResponseSchema, checked with the application's zod (this package's devDependency).
const response = { bestResponse: { utterance: 'こんにちは' }, utteranceId: 'u1' };

describe('miiboResponseSchema with your own zod', () => {
  afterEach(() => z.config(z.locales.en()));

  it('composes with your schemas: z.array(), .extend()', () => {
    expect(z.array(miiboResponseSchema).parse([response])).toEqual([response]);
    const tagged = miiboResponseSchema.extend({ tag: z.literal('mine') });
    expect(tagged.parse({ ...response, tag: 'mine' }).tag).toBe('mine');
    expect(tagged.safeParse(response).success).toBe(false);
  });

  it('is an instance of your zod classes, and fails with your ZodError', () => {
    // A separate copy of zod's classes, yet `instanceof` holds: zod checks an instance's traits.
    expect(Object.getPrototypeOf(miiboResponseSchema)).not.toBe(z.ZodObject.prototype);
    expect(miiboResponseSchema instanceof z.ZodObject).toBe(true);
    const failed = miiboResponseSchema.safeParse({ bestResponse: {} });
    expect(failed.error instanceof z.ZodError).toBe(true);
    expect(failed.error?.issues[0]?.path).toEqual(['bestResponse', 'utterance']);
  });

  it('speaks your z.config() locale, in the package’s own InvalidArgumentError too', () => {
    z.config(z.locales.ja());
    expect(miiboResponseSchema.safeParse({}).error?.issues[0]?.message).toMatch(/無効な入力/);
    let error: unknown;
    try {
      createMiibo({ apiKey: 1 as unknown as string, agentId: 'agent' });
    } catch (e) {
      error = e;
    }
    expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/無効な入力/);
  });
});
