import { flattenBatches } from './batch-iterator';
import { byteChunks, type ByteSource } from './byte-source';
import { ResponseDecodeError } from './errors';
import { decodeLines } from './line-decoder';

export interface NDJSONDecodeOptions {
  /** Most characters in one line; a longer line throws {@link ResponseDecodeError} (`buffer-overflow`). Default 4 MiB. */
  maxLineLength?: number;
}

/**
 * Decodes newline-delimited JSON: several objects in one chunk, one object split across chunks,
 * `\r\n` line ends, blank lines (skipped), an optional SSE-style `data:` prefix (stripped), and a last
 * line without its newline. `[DONE]` lines and `:` comment lines are skipped. Malformed JSON throws
 * {@link ResponseDecodeError} after every object before it has been delivered.
 */
export function decodeNDJSON<T = unknown>(
  chunks: ByteSource,
  options: NDJSONDecodeOptions = {},
): AsyncIterableIterator<T> {
  return flattenBatches(ndjsonBatches<T>(byteChunks(chunks), options.maxLineLength ?? 4 * 1024 * 1024));
}

async function* ndjsonBatches<T>(
  chunks: AsyncIterable<Uint8Array>,
  maxLineLength: number,
): AsyncGenerator<T[], void, undefined> {
  for await (const lines of decodeLines(chunks, maxLineLength)) {
    const out: T[] = [];
    for (const raw of lines) {
      let line = raw.trim();
      if (line.startsWith('data:')) line = line.slice(5).trim();
      if (line === '' || line === '[DONE]' || line.startsWith(':')) continue;
      try {
        out.push(JSON.parse(line) as T);
      } catch (cause) {
        if (out.length > 0) yield out;
        throw new ResponseDecodeError('invalid-json', 'Malformed JSON line in NDJSON stream', { excerpt: line, cause });
      }
    }
    if (out.length > 0) yield out;
  }
}
