import { ResponseDecodeError } from './errors';

/** The outcome of parsing: the value, or the error. Never throws. */
export type ParseResult<T> = { success: true; value: T } | { success: false; error: ResponseDecodeError };

/** Parses JSON without throwing. */
export function safeParseJSON<T = unknown>(text: string): ParseResult<T> {
  try {
    return { success: true, value: JSON.parse(text) as T };
  } catch (cause) {
    return { success: false, error: new ResponseDecodeError('invalid-json', 'Malformed JSON in response', { excerpt: text, cause }) };
  }
}
