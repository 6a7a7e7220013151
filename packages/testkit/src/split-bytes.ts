/**
 * Byte helpers for hostile-stream tests: cut a payload at every offset, or
 * into tiny chunks, so a decoder sees multibyte characters and line endings
 * split across network reads.
 */

const encoder = new TextEncoder();

/** Encode `text` as UTF-8 bytes. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

function toBytes(bytes: Uint8Array | string, fn: string): Uint8Array {
  if (typeof bytes === 'string') return encoder.encode(bytes);
  if (bytes instanceof Uint8Array) return bytes;
  throw new TypeError(`testkit: ${fn}(bytes) expects a Uint8Array or a string`);
}

/** A plain `Uint8Array` copy of `bytes[start, end)` (never a view, never a Buffer). */
function copy(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}

/**
 * Split bytes into two parts at `offset` (`0..length`); either part may be empty.
 * Strings are encoded as UTF-8 first, so an offset can fall inside a character.
 */
export function splitAt(bytes: Uint8Array | string, offset: number): Uint8Array[] {
  const data = toBytes(bytes, 'splitAt');
  if (!Number.isInteger(offset) || offset < 0 || offset > data.byteLength) {
    throw new RangeError(
      `testkit: splitAt offset must be an integer from 0 to ${data.byteLength} (got ${String(offset)})`,
    );
  }
  return [copy(data, 0, offset), copy(data, offset, data.byteLength)];
}

/**
 * Split bytes into chunks of `size` bytes (the last one may be shorter);
 * `size` 1 yields every byte separately. Empty input yields no chunks.
 */
export function splitEvery(bytes: Uint8Array | string, size: number): Uint8Array[] {
  const data = toBytes(bytes, 'splitEvery');
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`testkit: splitEvery size must be a positive integer (got ${String(size)})`);
  }
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < data.byteLength; start += size) {
    chunks.push(copy(data, start, Math.min(start + size, data.byteLength)));
  }
  return chunks;
}

/**
 * Every two-part split of `bytes`: yields `[offset, parts]` for each offset
 * `0..length` (so `length + 1` splits), where `parts` is `splitAt(bytes, offset)`.
 */
export function* everySplit(bytes: Uint8Array | string): Iterable<[number, Uint8Array[]]> {
  const data = toBytes(bytes, 'everySplit');
  for (let offset = 0; offset <= data.byteLength; offset += 1) {
    yield [offset, splitAt(data, offset)];
  }
}
