import { InvalidArgumentError } from './errors';

/** The part of a zod (or any standard) schema that validation needs; sse-core does not import zod. */
export interface SchemaLike<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

/**
 * Validates a public function's input and returns the parsed value, or throws
 * {@link InvalidArgumentError} naming the first bad field as a dotted path (`options.messages.0.content`)
 * and the reason; further problems are listed in the reason too. Call it before any request is sent.
 */
export function validateArgument<T>(schema: SchemaLike<T>, value: unknown, name: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const pathOf = (path: ReadonlyArray<PropertyKey>) => [name, ...path.map(String)].join('.');
  const first = issues[0];
  if (!first) throw new InvalidArgumentError(name, 'is invalid');
  const more = issues.slice(1, 4).map((i) => `${pathOf(i.path)}: ${i.message}`);
  throw new InvalidArgumentError(
    pathOf(first.path),
    more.length ? `${first.message} (also ${more.join('; ')})` : first.message,
  );
}
