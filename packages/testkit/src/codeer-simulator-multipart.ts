/** One part of a `multipart/form-data` body. */
export interface MultipartPart {
  /** The form field name. */
  name: string;
  /** The file name, for file parts. */
  filename?: string;
  /** The part's own `Content-Type`, when it has one. */
  contentType?: string;
  /** The part's bytes. */
  bytes: Uint8Array;
  /** The part's bytes as UTF-8 text. */
  text: string;
}

/** The boundary of a `multipart/form-data` content type, or undefined when it is not one. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

function unquote(value: string): string {
  return value.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
}

/**
 * Parses a `multipart/form-data` body (RFC 7578) as browsers, undici and requests write it. Throws
 * on a malformed body.
 */
export function parseMultipart(body: Uint8Array, boundary: string): MultipartPart[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = buf.indexOf(delimiter);
  if (pos === -1) throw new Error('multipart body has no boundary');
  for (;;) {
    pos += delimiter.length;
    if (buf.subarray(pos, pos + 2).toString() === '--') return parts;
    if (buf.subarray(pos, pos + 2).toString() !== '\r\n') throw new Error('malformed multipart delimiter line');
    pos += 2;
    const headerEnd = buf.indexOf('\r\n\r\n', pos);
    if (headerEnd === -1) throw new Error('multipart part without headers end');
    const headers: Record<string, string> = {};
    for (const line of buf.subarray(pos, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const next = buf.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next === -1) throw new Error('multipart part without closing boundary');
    const bytes = new Uint8Array(buf.subarray(headerEnd + 4, next));
    const disposition = headers['content-disposition'] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw new Error('multipart part without a name');
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const part: MultipartPart = { name: unquote(name), bytes, text: Buffer.from(bytes).toString('utf8') };
    if (filename !== undefined) part.filename = unquote(filename);
    if (headers['content-type']) part.contentType = headers['content-type'];
    parts.push(part);
    pos = next + 2;
  }
}
