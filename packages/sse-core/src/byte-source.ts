/** Bytes to decode: any async iterable of chunks (a Node stream, an undici body) or a web `ReadableStream`. */
export type ByteSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** Reads a {@link ByteSource} as an async iterable; a `ReadableStream` without async iteration is read through its reader. */
export function byteChunks(source: ByteSource): AsyncIterable<Uint8Array> {
  if (Symbol.asyncIterator in source) return source as AsyncIterable<Uint8Array>;
  return readStream(source as ReadableStream<Uint8Array>);
}

async function* readStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
