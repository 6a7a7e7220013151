import { agenticStarChunkSchema, agenticStarTaskSchema, createAgenticStar } from '@kakehashi/agenticstar';
import { InvalidArgumentError } from '@kakehashi/sse-core';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';

// The package runs on its own bundled copy of zod; these are the README's promises about the
// exported schemas, checked with the application's zod (this package's devDependency).
const chunk = { createdAt: '2026-12-03', model: 'AGENTIC STAR', choices: [{ index: 0, delta: { content: 'はい' } }] };

describe('the exported schemas with your own zod', () => {
  afterEach(() => z.config(z.locales.en()));

  it('compose with your schemas: z.array(), .extend(), .nullish()', () => {
    expect(z.array(agenticStarChunkSchema).parse([chunk])).toEqual([chunk]);
    const tagged = agenticStarChunkSchema.extend({ tag: z.literal('mine') });
    expect(tagged.parse({ ...chunk, tag: 'mine' }).tag).toBe('mine');
    expect(tagged.safeParse(chunk).success).toBe(false);
    expect(z.object({ task: agenticStarTaskSchema.nullish() }).parse({ task: null })).toEqual({ task: null });
  });

  it('are instances of your zod classes, and fail with your ZodError', () => {
    // A separate copy of zod's classes, yet `instanceof` holds: zod checks an instance's traits.
    expect(Object.getPrototypeOf(agenticStarChunkSchema)).not.toBe(z.ZodObject.prototype);
    expect(agenticStarChunkSchema instanceof z.ZodType).toBe(true);
    expect(agenticStarChunkSchema instanceof z.ZodObject).toBe(true);
    const failed = agenticStarChunkSchema.safeParse({ choices: 'none' });
    expect(failed.success).toBe(false);
    expect(failed.error instanceof z.ZodError).toBe(true);
    expect(failed.error?.issues[0]?.path).toEqual(['choices']);
  });

  it('convert with your z.toJSONSchema()', () => {
    const schema = z.toJSONSchema(agenticStarTaskSchema) as { type: string; properties: object };
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties)).toContain('actionType');
  });

  it('speak your z.config() locale, in the package’s own InvalidArgumentError too', () => {
    z.config(z.locales.ja());
    const failed = agenticStarChunkSchema.safeParse({ choices: 1 });
    expect(failed.error?.issues[0]?.message).toMatch(/無効な入力/);
    let error: unknown;
    try {
      createAgenticStar({ clientId: 1 as unknown as string, clientSecret: 'secret' });
    } catch (e) {
      error = e;
    }
    expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/無効な入力/);
  });
});
