import {
  InvalidArgumentError,
  MissingConfigError,
  registerSecret,
  resolveValue,
  type Resolvable,
} from '@kakehashi/sse-core';

/** Internal: checks shared by every public function. Messages name the field and never echo a secret. */

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** Rejects anything that is not a plain object, and any key not in `allowed` (option schemas are strict). */
export function assertOptionsObject(
  value: unknown,
  where: string,
  allowed: readonly string[],
): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(where, `must be an object, got ${describeType(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new InvalidArgumentError(`${where}.${key}`, `unknown option (allowed: ${allowed.join(', ')})`);
    }
  }
}

export function assertNonEmptyString(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string') throw new InvalidArgumentError(field, `must be a string, got ${describeType(value)}`);
  if (value.length === 0) throw new InvalidArgumentError(field, 'must not be empty');
}

export function assertOptionalString(value: unknown, field: string): asserts value is string | undefined {
  if (value !== undefined && typeof value !== 'string') {
    throw new InvalidArgumentError(field, `must be a string, got ${describeType(value)}`);
  }
}

export function assertOptionalFunction(value: unknown, field: string): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new InvalidArgumentError(field, `must be a function, got ${describeType(value)}`);
  }
}

export function assertOptionalPlainObject(value: unknown, field: string): void {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new InvalidArgumentError(field, `must be an object, got ${describeType(value)}`);
  }
}

export function assertOptionalNonNegativeNumber(value: unknown, field: string): asserts value is number | undefined {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(
      field,
      `must be a finite number >= 0, got ${typeof value === 'number' ? String(value) : describeType(value)}`,
    );
  }
}

/** A setting given as a value, a promise, or a (lazy) function: a non-empty string is checked now, the rest on use. */
export function assertResolvableString(value: unknown, field: string, required: boolean): void {
  if (value === undefined) {
    if (required) throw new InvalidArgumentError(field, 'is required (a string, or a function returning one)');
    return;
  }
  if (typeof value === 'string') {
    if (value.length === 0) throw new InvalidArgumentError(field, 'must not be empty');
    return;
  }
  if (typeof value === 'function') return;
  if (typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function') return;
  throw new InvalidArgumentError(field, `must be a string or a function returning one, got ${describeType(value)}`);
}

/** Resolves a lazy setting; an empty result is a missing setting. Secrets are registered before anything else. */
export async function resolveSetting(
  value: Resolvable<string>,
  setting: string,
  options: { secret?: boolean } = {},
): Promise<string> {
  const resolved: unknown = await resolveValue(value);
  if (options.secret && typeof resolved === 'string') registerSecret(resolved);
  if (resolved === undefined || resolved === null || resolved === '') throw new MissingConfigError(setting);
  if (typeof resolved !== 'string') {
    throw new InvalidArgumentError(setting, `must resolve to a string, got ${describeType(resolved)}`);
  }
  return resolved;
}

/** Header values must not carry line breaks (header injection); the message never includes the value. */
export function assertHeaderSafe(value: string, field: string): void {
  if (/[\r\n\0]/.test(value)) throw new InvalidArgumentError(field, 'must not contain line breaks or NUL characters');
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function assertHeaderName(value: unknown, field: string): asserts value is string {
  assertNonEmptyString(value, field);
  if (!HEADER_NAME.test(value)) throw new InvalidArgumentError(field, `"${value}" is not a valid HTTP header name`);
}
