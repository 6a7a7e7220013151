import { ResponseDecodeError } from './errors';
import { decodeLines } from './line-decoder';

export interface NDJSONDecodeOptions {
  /** Most characters in one line; a longer line throws {@link ResponseDecodeError} (`buffer-overflow`). Default 4 MiB. */
  maxLineLength?: number;
}

const DATA_PREFIX = /^data:\s?/;

/**
 * Decodes newline-delimited JSON: several objects in one chunk, one object split across chunks,
 * `\r\n` line ends, blank lines (skipped), an optional SSE-style `data:` prefix (stripped), and a last
 * line without its newline. A `[DONE]` line is skipped. Malformed JSON throws {@link ResponseDecodeError}.
 */
export async function* decodeNDJSON<T = unknown>(
  chunks: AsyncIterable<Uint8Array>,
  options: NDJSONDecodeOptions = {},
): AsyncGenerator<T, void, undefined> {
  for await (const lines of decodeLines(chunks, options.maxLineLength ?? 4 * 1024 * 1024)) {
    for (const raw of lines) {
      let line = raw.trim();
      if (line.startsWith('data:')) line = line.replace(DATA_PREFIX, '').trim();
      if (line === '' || line === '[DONE]' || line.startsWith(':')) continue;
      let value: T;
      try {
        value = JSON.parse(line) as T;
      } catch (cause) {
        throw new ResponseDecodeError('invalid-json', 'Malformed JSON line in NDJSON stream', { excerpt: line, cause });
      }
      yield value;
    }
  }
}
