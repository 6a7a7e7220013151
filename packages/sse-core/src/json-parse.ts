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
 * Deeper bodies are refused before they are parsed: a value nested thousands deep parses, but then
 * overflows the stack of whatever walks it (`JSON.stringify`, a store, a validator).
 */
export const JSON_MAX_DEPTH = 128;

/** Whether `text` nests arrays and objects more than `maxDepth` levels deep (strings are skipped; stops at the first level over). */
export function jsonNestingExceeds(text: string, maxDepth: number = JSON_MAX_DEPTH): boolean {
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string: skip to its closing quote (escapes included).
      for (i++; i < length; i++) {
        const s = text.charCodeAt(i);
        if (s === 92) i++;
        else if (s === 34) break;
      }
    } else if (c === 91 || c === 123) {
      if (++depth > maxDepth) return true;
    } else if (c === 93 || c === 125) {
      depth--;
    }
  }
  return false;
}

/** The refusal of a body nested deeper than `maxDepth`, naming the limit. */
export function jsonTooDeepMessage(maxDepth: number = JSON_MAX_DEPTH): string {
  return `The JSON body nests arrays and objects more than ${maxDepth} levels deep (the limit is ${maxDepth}).`;
}

/** The outcome of {@link parseJsonRequestBody}: the value, or why the text was refused (with a message to answer). */
export type JsonBodyResult =
  | { ok: true; value: unknown }
  | { ok: false; reason: 'invalid-json' | 'too-deep'; message: string };

/**
 * Parses a request body as JSON, refusing text that is not JSON or that nests arrays and objects
 * deeper than `maxDepth` (default {@link JSON_MAX_DEPTH}). Never throws: the one JSON body reader
 * of the servers built on kakehashi (each answers the refusal in its own error shape, as a 400).
 */
export function parseJsonRequestBody(text: string, maxDepth: number = JSON_MAX_DEPTH): JsonBodyResult {
  if (jsonNestingExceeds(text, maxDepth)) {
    return { ok: false, reason: 'too-deep', message: jsonTooDeepMessage(maxDepth) };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'invalid-json', message: 'The request body is not valid JSON.' };
  }
}
