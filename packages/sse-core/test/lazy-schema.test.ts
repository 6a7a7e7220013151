import { describe, expect, it } from 'vitest';
import { lazySchema, validateArgument } from '../src/index';

/** A schema-shaped class: prototype methods that use `this`, a getter, a field set in the constructor. */
class StringSchema {
  readonly kind = 'string';
  constructor(readonly min: number) {}
  get description(): string {
    return `a string of at least ${this.min}`;
  }
  safeParse(value: unknown) {
    return typeof value === 'string' && value.length >= this.min
      ? { success: true as const, data: value }
      : {
          success: false as const,
          error: { issues: [{ path: [], message: `must be ${this.description}` }] },
        };
  }
  optional(): { inner: StringSchema } {
    return { inner: this };
  }
}

describe('lazySchema', () => {
  it('builds nothing until the schema is used, then builds once', () => {
    let builds = 0;
    const schema = lazySchema(() => {
      builds++;
      return new StringSchema(2);
    });
    expect(builds).toBe(0);
    expect(schema.safeParse('日本').success).toBe(true);
    expect(schema.safeParse('x').success).toBe(false);
    expect(schema.description).toBe('a string of at least 2');
    expect(builds).toBe(1);
  });

  it('stands for the built object: fields, getters, methods using this, in, keys, instanceof', () => {
    const schema = lazySchema(() => new StringSchema(1));
    expect(schema.kind).toBe('string');
    expect('safeParse' in schema).toBe(true);
    expect(Object.keys(schema)).toEqual(Object.keys(new StringSchema(1)));
    expect(schema instanceof StringSchema).toBe(true);
    expect(schema.optional().inner.safeParse('a')).toEqual({ success: true, data: 'a' });
    expect({ ...schema }).toEqual({ kind: 'string', min: 1 });
  });

  it('is built when another lazy schema that holds it is built, and not before', () => {
    const built: string[] = [];
    const inner = lazySchema(() => {
      built.push('inner');
      return new StringSchema(1);
    });
    const outer = lazySchema(() => {
      built.push('outer');
      return { field: inner.optional() };
    });
    expect(built).toEqual([]);
    expect(outer.field.inner.min).toBe(1);
    expect(built).toEqual(['outer', 'inner']);
  });

  it('works with validateArgument: the error names the field and the reason', () => {
    const schema = lazySchema(() => new StringSchema(3));
    expect(validateArgument(schema, 'abc', 'name')).toBe('abc');
    expect(() => validateArgument(schema, 'a', 'name')).toThrow(
      'Invalid argument "name": must be a string of at least 3',
    );
  });

  it('a build that throws fails that use; the next use builds again', () => {
    let attempts = 0;
    const schema = lazySchema(() => {
      attempts++;
      if (attempts === 1) throw new Error('not yet');
      return new StringSchema(1);
    });
    expect(() => schema.safeParse('a')).toThrow('not yet');
    expect(schema.safeParse('a').success).toBe(true);
    expect(attempts).toBe(2);
  });

  it('writes go to the built object', () => {
    const target = new StringSchema(1);
    const schema = lazySchema(() => target) as StringSchema & { note?: string };
    schema.note = 'メモ';
    expect((target as StringSchema & { note?: string }).note).toBe('メモ');
    expect(delete schema.note).toBe(true);
    expect('note' in target).toBe(false);
  });
});
