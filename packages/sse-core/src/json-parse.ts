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
