import { ResponseDecodeError } from './errors';

/** The outcome of parsing: the value, or the error. Never throws. */
export type ParseResult<T> = { success: true; value: T } | { success: false; error: ResponseDecodeError };

/** Parses JSON without throwing. */
export function safeParseJSON<T = unknown>(text: string): ParseResult<T> {
  try {
    return { success: true, value: JSON.parse(text) as T };
  } catch (cause) {
    return {
      success: false,
      error: new ResponseDecodeError('invalid-json', 'Malformed JSON in response', { excerpt: text, cause }),
    };
  }
}

/**
 * Parses `text` as a JSON object (not an array or a scalar). Returns undefined for anything else,
 * never throws: for reading error bodies, which may be HTML, empty or cut short.
 */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (text?.trimStart()[0] !== '{') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The deepest nesting of arrays and objects a JSON request body may have (serde_json's default).
 * Deeper bodies are refused as soon as they are parsed: a value nested thousands deep parses, but
 * then overflows the stack of whatever walks it recursively (`JSON.stringify`, a store, a validator).
 */
export const JSON_MAX_DEPTH = 128;

/**
 * Whether a parsed JSON value nests arrays and objects more than `maxDepth` levels deep (`[]` is one
 * level). Walks the containers only, without recursion, and stops at the first one over: measured
 * at 0.3–0.45× the cost of the `JSON.parse` that built the value (V8's parser itself is not recursive,
 * so parsing deep text is safe; walking the result recursively is not).
 */
export function jsonNestingExceeds(value: unknown, maxDepth: number = JSON_MAX_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const containers: object[] = [value];
  const depths: number[] = [1];
  while (containers.length > 0) {
    const container = containers.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (depth > maxDepth) return true;
    if (Array.isArray(container)) {
      for (const item of container)
        if (typeof item === 'object' && item !== null) {
          containers.push(item);
          depths.push(depth + 1);
        }
    } else {
      for (const key in container) {
        const item = container[key];
        if (typeof item === 'object' && item !== null) {
          containers.push(item);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

/** The refusal of a body nested deeper than `maxDepth`, naming the limit. */
function jsonTooDeepMessage(maxDepth: number = JSON_MAX_DEPTH): string {
  return `The JSON body nests arrays and objects more than ${maxDepth} levels deep (the limit is ${maxDepth}).`;
}

/** The outcome of {@link parseJsonRequestBody}: the value, or why the text was refused (with a message to answer). */
export type JsonBodyResult =
  | { ok: true; value: unknown }
  | { ok: false; reason: 'invalid-json' | 'too-deep'; message: string };

/**
 * Parses a request body as JSON, refusing text that is not JSON or a value that nests arrays and
 * objects deeper than `maxDepth` (default {@link JSON_MAX_DEPTH}), before anything walks it. Never throws: the one JSON body reader
 * of the servers built on kakehashi (each answers the refusal in its own error shape, as a 400).
 */
export function parseJsonRequestBody(text: string, maxDepth: number = JSON_MAX_DEPTH): JsonBodyResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid-json', message: 'The request body is not valid JSON.' };
  }
  if (jsonNestingExceeds(value, maxDepth))
    return { ok: false, reason: 'too-deep', message: jsonTooDeepMessage(maxDepth) };
  return { ok: true, value };
}
