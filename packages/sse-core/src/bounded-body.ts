/**
 * Reading request bodies on the server side without trusting their size: a body over the limit is
 * refused without being buffered whole.
 */

/**
 * Reads a byte stream to its end, keeping at most `maxBytes`. Returns the bytes, or `undefined` as soon
 * as the stream goes over the limit (the stream is then cancelled).
 */
export async function readBodyWithin(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * A web `Request`'s body as UTF-8 text, or `undefined` when it is larger than `maxBytes`. A declared
 * `Content-Length` over the limit is refused without reading; one within it is read whole (servers
 * hold the body to its declared length, and `request.text()` is the fast path there); a body without
 * one is read chunk by chunk and cut off at the limit.
 */
export async function readRequestText(request: Request, maxBytes: number): Promise<string | undefined> {
  // The length check comes before touching `request.body`: on @hono/node-server, reading `.body`
  // builds a full web Request around the socket, while `text()` reads the socket directly.
  const header = request.headers.get('content-length');
  const declared = header === null ? Number.NaN : Number(header);
  if (declared > maxBytes) return undefined;
  if (Number.isSafeInteger(declared)) return request.text();
  if (!request.body) return '';
  const bytes = await readBodyWithin(request.body, maxBytes);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}
