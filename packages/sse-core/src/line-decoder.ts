import { ResponseDecodeError } from './errors';

/**
 * Splits a byte stream into text lines. Byte-safe (multibyte characters and `\r\n` split across
 * chunks are handled) and bounded: a line longer than `maxLineLength` characters throws
 * {@link ResponseDecodeError} (`buffer-overflow`). The last line is returned even without a newline.
 */
export async function* decodeLines(
  chunks: AsyncIterable<Uint8Array>,
  maxLineLength: number,
): AsyncGenerator<string[], void, undefined> {
  const decoder = new TextDecoder();
  let pending = '';
  const overflow = () =>
    new ResponseDecodeError('buffer-overflow', `Stream has a line longer than ${maxLineLength} characters`, {
      excerpt: pending.slice(0, 200),
    });

  for await (const chunk of chunks) {
    const text = pending + decoder.decode(chunk, { stream: true });
    let start = 0;
    const lines: string[] = [];
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (end - start > maxLineLength) {
        pending = text.slice(start, start + 200);
        throw overflow();
      }
      lines.push(text.slice(start, end));
      start = nl + 1;
    }
    pending = start === 0 ? text : text.slice(start);
    if (pending.length > maxLineLength) throw overflow();
    if (lines.length > 0) yield lines;
  }
  pending += decoder.decode();
  if (pending.endsWith('\r')) pending = pending.slice(0, -1);
  if (pending.length > maxLineLength) throw overflow();
  if (pending.length > 0) yield [pending];
}
